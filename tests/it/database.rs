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
