//! SIGKILL at random moments while replies are being deleted: every deletion the API
//! acknowledged is carried out at the provider after the restarts (the fakes' own records say
//! so), none is lost, and none fails.

use crate::caller::Api;
use crate::providers::{Control, all_items, connect, map, served, sync};
use crate::support::{ADMIN_EMAIL, ADMIN_PASSWORD, restartable};
use plaudit::fakes::FakeProviders;
use rand::Rng;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

const CYCLES: usize = 12;

/// Waits until no item of the workspace is in `state`.
async fn settled(api: &Api, ws: &str, state: &str) -> Vec<Value> {
    let end = Instant::now() + Duration::from_secs(90);
    loop {
        let items = all_items(api, ws, "").await;
        let left = items
            .iter()
            .filter(|i| i["reply"]["state"] == state)
            .count();
        if left == 0 {
            return items;
        }
        assert!(Instant::now() < end, "{left} replies still {state}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kills_during_reply_deletions_lose_no_acknowledged_deletion() {
    let fake = FakeProviders::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let control = Control::new(&fake);
    let gname = control
        .post(
            "google/locations",
            json!({"title": "Diner", "reviews": 60, "seed": 21}),
        )
        .await["name"]
        .as_str()
        .unwrap()
        .to_string();
    let page = control
        .post(
            "facebook/pages",
            json!({"name": "Diner FB", "ratings": 2, "posts": 4, "comments": 6, "tagged": 0, "seed": 8}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    let start = restartable(
        dir.path(),
        &format!(
            "{}\n[poller]\ntick_ms = 20\nbackoff_base_ms = 20\ninterval_secs = 10\nfacebook_per_minute = 6000\ngoogle_per_minute = 300\n",
            fake.config_snippet()
        ),
    );
    let mut server = start();
    let api = Api::new(&server.url)
        .signed_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    let (_, ws) = api.post("/workspaces", json!({"name": "Diners"})).await;
    let ws = ws["id"].as_str().unwrap().to_string();
    let (s, loc) = api
        .post(
            &format!("/workspaces/{ws}/locations"),
            json!({"name": "Diner", "timezone": "UTC"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{loc}");
    let loc = loc["id"].as_str().unwrap().to_string();
    let g = connect(&api, &ws, "google", &server.url, &server.url).await;
    let f = connect(&api, &ws, "facebook", &server.url, &server.url).await;
    for (conn, ext) in [(&g, &gname), (&f, &page)] {
        let ticket = map(&api, &ws, conn, ext, &loc).await;
        served(&api, &ws, conn, ticket).await;
    }

    // Replies to answer, all published before the kills begin.
    let state = control.state().await;
    let google_replied_before = state["google_locations"][0]["replied"].as_u64().unwrap();
    let comments_before = state["facebook_pages"][0]["comments"].as_u64().unwrap();
    let items = all_items(&api, &ws, "").await;
    let mut targets: Vec<(String, bool)> = items
        .iter()
        .filter(|i| i["reply"].is_null())
        .filter(|i| i["kind"] == "comment" || (i["source"] == "google" && i["kind"] == "review"))
        .map(|i| {
            (
                i["id"].as_str().unwrap().to_string(),
                i["source"] == "google",
            )
        })
        .take(2 * CYCLES + 4)
        .collect();
    for (id, _) in &targets {
        let (s, r) = api
            .post(
                &format!("/workspaces/{ws}/items/{id}/reply"),
                json!({"text": "Thank you for coming!"}),
            )
            .await;
        assert_eq!(s, StatusCode::ACCEPTED, "{r}");
    }
    settled(&api, &ws, "sending").await;
    let google_targets = targets.iter().filter(|t| t.1).count() as u64;
    let fb_targets = targets.len() as u64 - google_targets;
    assert!(
        fb_targets > 0 && google_targets > 0,
        "both providers answered"
    );
    let state = control.state().await;
    assert_eq!(
        state["google_locations"][0]["replied"].as_u64().unwrap(),
        google_replied_before + google_targets
    );

    let mut acknowledged = BTreeSet::new();
    let mut rng = crate::support::seeded_rng("reply_deletion_crash");
    for _ in 0..CYCLES {
        let api = Api::new(&server.url).as_(api.token());
        for _ in 0..2 {
            let Some((target, google)) = targets.pop() else {
                break;
            };
            let (s, _) = api
                .delete(&format!("/workspaces/{ws}/items/{target}/reply"))
                .await;
            if s == StatusCode::ACCEPTED {
                acknowledged.insert((target, google));
            }
        }
        for conn in [&g, &f] {
            let _ = api
                .post(
                    &format!("/workspaces/{ws}/connections/{conn}/sync"),
                    json!({}),
                )
                .await;
        }
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..300))).await;
        server.kill9();
        server = start();
    }

    let api = Api::new(&server.url).as_(api.token());
    settled(&api, &ws, "deleting").await;
    for conn in [&g, &f] {
        let c = sync(&api, &ws, conn).await;
        assert_eq!(c["last_error"], Value::Null, "{c}");
    }
    let items = all_items(&api, &ws, "").await;
    assert!(
        !items.iter().any(|i| i["reply"]["state"] == "delete_failed"),
        "a deletion failed"
    );
    for (target, _) in &acknowledged {
        let (_, i) = api.get(&format!("/workspaces/{ws}/items/{target}")).await;
        assert!(
            i["reply"].is_null(),
            "an acknowledged deletion was lost: {i}"
        );
    }
    assert!(
        acknowledged.len() >= CYCLES,
        "most were acknowledged before a kill"
    );
    // At the providers: exactly the acknowledged ones are gone (the fakes' own records).
    let gone_google = acknowledged.iter().filter(|t| t.1).count() as u64;
    let gone_fb = acknowledged.len() as u64 - gone_google;
    let state = control.state().await;
    assert_eq!(
        state["google_locations"][0]["replied"].as_u64().unwrap(),
        google_replied_before + google_targets - gone_google,
        "Google holds exactly the replies not deleted"
    );
    assert_eq!(
        state["facebook_pages"][0]["comments"].as_u64().unwrap(),
        comments_before + fb_targets - gone_fb,
        "the page holds exactly the reply comments not deleted"
    );
}
