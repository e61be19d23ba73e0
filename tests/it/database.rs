//! The PostgreSQL backend as an operator meets it: a database outage answers 503 while it
//! lasts and the same process serves again once the database is back (runs on either pass:
//! it brings its own database on the test server).

use crate::inproc::InProc;
use plaudit::store::kv::pg::target::Target;
use reqwest::StatusCode;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_answers_503_and_the_same_process_recovers() {
    let target = Target::parse(&crate::support::fresh_postgres_database()).unwrap();
    let outage = plaudit::fakes::Outage::to(&target.host, target.port).unwrap();
    let via = format!(
        "postgres://{}:{}@127.0.0.1:{}/{}?sslmode=disable",
        target.user,
        target.password.clone().unwrap_or_default(),
        outage.port,
        target.dbname
    );
    let h = InProc::start(move |c| {
        c.storage.backend = plaudit::config::Backend::Postgres;
        c.storage.postgres_url = Some(via);
    })
    .await;
    let (owner, token) = h.user("owner@agency.example", false);
    let ws = h.workspace("Bakery", &owner);
    let api = h.api().as_(&token);
    let (s, _) = api.get(&format!("/workspaces/{}/items", ws.id)).await;
    assert_eq!(s, StatusCode::OK);

    outage.cut();
    let r = h
        .http()
        .get(format!("{}/api/v1/workspaces/{}/items", h.url, ws.id))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers()["retry-after"], "5");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    let ready = h
        .http()
        .get(format!("{}/readyz", h.url))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    // A page says so in words.
    let page = h
        .http()
        .get(format!("{}/w/{}/inbox", h.url, ws.id))
        .header("Cookie", format!("__Host-plaudit_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "not sent to sign in"
    );
    assert!(page.text().await.unwrap().contains("cannot be reached"));

    outage.restore();
    let path = format!("/workspaces/{}/items", ws.id);
    let back = crate::support::until_ok(
        Duration::from_secs(10),
        "the API answers again",
        async || {
            let (s, body) = api.get(&path).await;
            (s == StatusCode::OK).then_some(body).ok_or(s)
        },
    )
    .await;
    assert!(back["items"].is_array(), "{back}");
    let ready = h
        .http()
        .get(format!("{}/readyz", h.url))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
}

/// `plaudit store copy`: a sled store to PostgreSQL and back to a new sled folder, every
/// tree's entries and SHA-256 the same at each step; a target that holds anything refused.
#[test]
fn store_copy_moves_a_store_to_postgres_and_back_and_refuses_a_used_target() {
    use crate::support::{plaudit, text};
    let dir = tempfile::tempdir().unwrap();
    let config = crate::support::write_sled_config(dir.path(), "");
    let now = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let sums = |store: &plaudit::store::Store| -> Vec<_> {
        let mut s: Vec<_> = store
            .tree_sums()
            .unwrap()
            .into_iter()
            .filter(|t| t.entries > 0)
            .collect();
        s.sort_by(|a, b| a.name.cmp(&b.name));
        s
    };
    let before = {
        let store = plaudit::store::Store::open(&dir.path().join("data"), 16, now).unwrap();
        let ws = plaudit::domain::Workspace {
            id: plaudit::domain::Id::generate(now),
            name: "Shop".into(),
            plan: "standard".into(),
            created_at: now,
        };
        store
            .workspaces()
            .create(&ws, &plaudit::domain::Id::generate(now))
            .unwrap();
        for i in 0..300 {
            store
                .contacts()
                .upsert(plaudit::domain::Contact {
                    id: plaudit::domain::Id::generate(now),
                    workspace: ws.id,
                    email: plaudit::domain::Email::parse(&format!("c{i}@example.net")).unwrap(),
                    name: format!("Customer {i}"),
                    location: None,
                    source: "csv".into(),
                    consent: Default::default(),
                    created_at: now,
                    last_asked_at: None,
                    restricted: false,
                    last_answered_at: None,
                    last_campaign: None,
                })
                .unwrap();
        }
        let s = sums(&store);
        store.flush_blocking().unwrap();
        store.close().unwrap();
        s
    };
    assert!(
        before
            .iter()
            .any(|t| t.name == "contacts" && t.entries == 300)
    );
    let run_with = |config: &std::path::Path, args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--config", config.to_str().unwrap()]);
        let out = plaudit(&all, &[], None, dir.path());
        let (o, e) = text(&out);
        (out.status.code(), format!("{o}{e}"))
    };
    let run = |args: &[&str]| run_with(&config, args);
    let url = crate::support::fresh_postgres_database();
    let (code, out) = run(&["store", "copy", "--to", &url]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("every tree's entries and SHA-256 match"),
        "{out}"
    );
    let on_pg = {
        let engine = plaudit::store::Engine::Postgres {
            target: Target::parse(&url).unwrap(),
            max_connections: 2,
        };
        let store =
            plaudit::store::Store::open_on(&dir.path().join("pg-side"), &engine, now).unwrap();
        sums(&store)
    };
    assert_eq!(
        on_pg, before,
        "the same trees, entries and checksums on PostgreSQL"
    );
    // Into a database that holds a store: refused, nothing written.
    let (code, out) = run(&["store", "copy", "--to", &url]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("holds a store already"), "{out}");
    // Back, from PostgreSQL into a new sled folder.
    let pg_config = dir.path().join("pg.toml");
    std::fs::write(
        &pg_config,
        format!(
            "[storage]\ndata_dir = \"{}\"\nbackend = \"postgres\"\npostgres_url = \"{url}\"\n",
            dir.path().join("pg-side").display()
        ),
    )
    .unwrap();
    let back = dir.path().join("back");
    let copy_back = || {
        run_with(
            &pg_config,
            &["store", "copy", "--to", back.to_str().unwrap()],
        )
    };
    let (code, out) = copy_back();
    assert_eq!(code, Some(0), "{out}");
    let store = plaudit::store::Store::open(&back, 16, now).unwrap();
    assert_eq!(
        sums(&store),
        before,
        "the same again in the new sled folder"
    );
    drop(store);
    // A folder that holds anything is refused.
    assert_eq!(copy_back().0, Some(2));
}
