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

/// `plaudit restore` into PostgreSQL: refused while an instance serves the database (here or
/// elsewhere) and for a damaged file (the store untouched); a good file replaces the store
/// whole (what was there and is not in the backup is gone), with every tree as the backup
/// holds it, and the restored instance signs its users in. The backup comes from the store
/// this pass tests: sled's restores into PostgreSQL as well (one file format).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_restores_into_postgres_whole_and_only_when_nothing_serves_it() {
    use crate::caller::Api;
    use crate::support::{Server, plaudit, text, write_config};
    use serde_json::json;
    let (src, dst, other) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let run = |config: &std::path::Path, args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--config", config.to_str().unwrap()]);
        let out = plaudit(&all, &[], None, src.path());
        let (o, e) = text(&out);
        (out.status.code(), format!("{o}{e}"))
    };
    let admin = |email: &'static str| {
        [
            ("PLAUDIT_ADMIN_EMAIL", email),
            ("PLAUDIT_ADMIN_PASSWORD", "a long enough admin password"),
        ]
    };
    // The source: a workspace and its customers, backed up once its server stopped.
    let src_config = write_config(src.path(), "");
    let server =
        Server::spawn(src.path(), src_config.clone(), &admin("src@agency.example")).unwrap();
    let api = Api::new(&server.url)
        .signed_in("src@agency.example", "a long enough admin password")
        .await;
    let (_, ws) = api.post("/workspaces", json!({"name": "Bakery"})).await;
    let ws = ws["id"].as_str().unwrap().to_string();
    let contacts: Vec<_> = (0..200)
        .map(|i| json!({"email": format!("c{i}@example.net"), "name": format!("Customer {i}")}))
        .collect();
    let (s, _) = api
        .post(
            &format!("/workspaces/{ws}/contacts"),
            serde_json::Value::Array(contacts),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        server
            .terminate(Duration::from_secs(15))
            .0
            .unwrap()
            .success()
    );
    let out_dir = src.path().join("out");
    let (code, out) = run(&src_config, &["backup", "--out", out_dir.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}");
    let file = std::fs::read_dir(&out_dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let secret = src.path().join("instance.secret");
    let (code, out) = run(&src_config, &["backup", "secret", secret.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}");
    let now = time::OffsetDateTime::now_utc();
    let data_sums = |store: &plaudit::store::Store| -> Vec<(String, String)> {
        store
            .tree_sums()
            .unwrap()
            .into_iter()
            .filter(|t| t.entries > 0 && t.name != "meta" && t.name != "person_keys")
            .map(|t| (t.name, t.sha256))
            .collect()
    };
    let source_sums = data_sums(&crate::support::open_store_for(&src_config, now));

    // The target: a database in use by another instance, with a workspace of its own.
    let url = crate::support::fresh_postgres_database();
    let storage = format!("backend = \"postgres\"\npostgres_url = \"{url}\"\n");
    let dst_config = crate::support::write_sled_config(dst.path(), &storage);
    let other_config = crate::support::write_sled_config(other.path(), &storage);
    let here = Server::spawn(dst.path(), dst_config.clone(), &admin("dst@agency.example")).unwrap();
    let before = Api::new(&here.url)
        .signed_in("dst@agency.example", "a long enough admin password")
        .await;
    let (s, _) = before.post("/workspaces", json!({"name": "Before"})).await;
    assert_eq!(s, StatusCode::CREATED);
    let elsewhere = Server::spawn(other.path(), other_config, &[]).unwrap();
    let restore = |args: &[&str]| {
        let mut all = vec!["restore", "--from"];
        all.extend_from_slice(args);
        run(&dst_config, &all)
    };
    let file_arg = file.to_str().unwrap();
    let secret_arg = secret.to_str().unwrap();
    let (code, out) = restore(&[file_arg, "--secret-file", secret_arg]);
    assert_eq!(code, Some(2), "a server on this data folder: {out}");
    assert!(here.terminate(Duration::from_secs(15)).0.unwrap().success());
    let (code, out) = restore(&[file_arg, "--secret-file", secret_arg]);
    assert_eq!(code, Some(2), "an instance elsewhere: {out}");
    assert!(out.contains("instance(s) serve this database"), "{out}");
    assert!(
        elsewhere
            .terminate(Duration::from_secs(15))
            .0
            .unwrap()
            .success()
    );

    // A damaged file: refused, the store as it was.
    let target_sums = data_sums(&crate::support::open_store_for(&dst_config, now));
    let mut bytes = std::fs::read(&file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x20;
    let bad = dst.path().join("damaged.backup");
    std::fs::write(&bad, bytes).unwrap();
    let (code, out) = restore(&[bad.to_str().unwrap(), "--secret-file", secret_arg]);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(
        data_sums(&crate::support::open_store_for(&dst_config, now)),
        target_sums,
        "untouched"
    );

    // The good file: the store replaced whole.
    let (code, out) = restore(&[file_arg, "--secret-file", secret_arg]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("restored into the database"), "{out}");
    assert_eq!(
        data_sums(&crate::support::open_store_for(&dst_config, now)),
        source_sums,
        "every tree as the backup holds it"
    );
    let server = Server::spawn(dst.path(), dst_config.clone(), &[]).unwrap();
    let api = Api::new(&server.url)
        .signed_in("src@agency.example", "a long enough admin password")
        .await;
    let (_, listed) = api.get("/workspaces").await;
    let names: Vec<&str> = listed["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{listed}"))
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Bakery"],
        "the target's own workspace went with its store"
    );
    let (s, _) = api.get(&format!("/workspaces/{ws}/contacts")).await;
    assert_eq!(s, StatusCode::OK);
}

/// A real restart of the database server under load: while it is down, requests answer 503
/// (never 500, never a hang), and the same Plaudit process serves again by itself once it is
/// back; every write acknowledged before, during or after is there. The server is one of this
/// test's own (the shared test server must not be stopped).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_restart_under_load_answers_503_while_down_and_recovers_by_itself() {
    use std::sync::{Arc, Mutex};
    let pg = crate::pg_cluster::PgCluster::start();
    let url = pg.url();
    let h = InProc::start(move |c| {
        c.storage.backend = plaudit::config::Backend::Postgres;
        c.storage.postgres_url = Some(url);
    })
    .await;
    let (_, token) = h.user("owner@agency.example", false);
    let api = h.api().as_(&token);
    let seen: Arc<Mutex<Vec<(std::time::Instant, u16)>>> = Arc::default();
    let made: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut load = Vec::new();
    for writer in [false, true] {
        let (api, seen, made, stop) = (api.clone(), seen.clone(), made.clone(), stop.clone());
        load.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let (status, body) = if writer {
                    n += 1;
                    api.post("/workspaces", serde_json::json!({"name": format!("W{n}")}))
                        .await
                } else {
                    api.get("/me").await
                };
                if status == StatusCode::CREATED {
                    made.lock()
                        .unwrap()
                        .push(body["id"].as_str().unwrap().to_string());
                }
                seen.lock()
                    .unwrap()
                    .push((std::time::Instant::now(), status.as_u16()));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    pg.down();
    let went_down = std::time::Instant::now();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // From here it may answer (pg_ctl waits until it does).
    let came_back = std::time::Instant::now();
    pg.up();
    // Serving again by itself, within seconds of the database's return.
    let recovered = crate::support::eventually_async(Duration::from_secs(20), async || {
        api.get("/me").await.0 == StatusCode::OK
    })
    .await;
    assert!(
        recovered,
        "the process did not recover after the database came back"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for t in load {
        t.await.unwrap();
    }
    let seen = seen.lock().unwrap().clone();
    let odd: Vec<_> = seen
        .iter()
        .filter(|(_, s)| ![200, 201, 503].contains(s))
        .collect();
    assert!(odd.is_empty(), "answers other than 200/201/503: {odd:?}");
    let during = seen
        .iter()
        .filter(|(at, _)| *at > went_down + Duration::from_millis(200) && *at < came_back)
        .collect::<Vec<_>>();
    assert!(
        !during.is_empty(),
        "requests were answered while the database was down"
    );
    assert!(
        during.iter().all(|(_, s)| *s == 503),
        "while down, only 503: {during:?}"
    );
    assert!(
        seen.iter()
            .rev()
            .take(10)
            .all(|(_, s)| *s == 200 || *s == 201),
        "the last answers are successes"
    );
    let (_, listed) = api.get("/workspaces").await;
    for id in made.lock().unwrap().iter() {
        assert!(
            listed.to_string().contains(id.as_str()),
            "an acknowledged workspace was lost: {id}"
        );
    }
}
