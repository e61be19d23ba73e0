//! SIGKILL at random moments during syncs and replies, 50 times: afterwards the stored items
//! match the provider and every reply reached it exactly once (the fake counts).

use crate::caller::Api;
use crate::providers::{Control, all_items, connect, map, served};
use crate::support::{ADMIN_EMAIL, ADMIN_PASSWORD, restartable};
use plaudit::fakes::FakeProviders;
use rand::Rng;
use reqwest::StatusCode;
use serde_json::json;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

const CYCLES: usize = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kills_during_syncs_and_replies_lose_nothing_and_repeat_nothing() {
    let fake = FakeProviders::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let control = Control::new(&fake);
    let gname = control
        .post(
            "google/locations",
            json!({"title": "Diner", "reviews": 300, "seed": 11}),
        )
        .await["name"]
        .as_str()
        .unwrap()
        .to_string();
    let page = control.post("facebook/pages", json!({"name": "Diner FB", "ratings": 10, "posts": 6, "comments": 12, "tagged": 2, "seed": 5})).await["id"]
        .as_str().unwrap().to_string();

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
    let (_, ws) = api
        .post("/workspaces", json!({"name": "Diner group"}))
        .await;
    let ws = ws["id"].as_str().unwrap().to_string();
    let (s, loc) = api
        .post(
            &format!("/workspaces/{ws}/locations"),
            json!({"name": "Diner", "timezone": "Europe/Paris"}),
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

    let items = all_items(&api, &ws, "").await;
    let mut targets: Vec<String> = items
        .iter()
        .filter(|i| i["kind"] == "comment" || (i["source"] == "google" && i["kind"] == "review"))
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    let mut acknowledged = BTreeSet::new();
    let mut rng = crate::support::seeded_rng("connectors_crash");
    for cycle in 0..CYCLES {
        let api = Api::new(&server.url).as_(api.token());
        // New activity at the providers, replies written here, a sync asked for; then a kill.
        control
            .post(
                "google/reviews",
                json!({"location": gname, "action": "add", "text": format!("visit {cycle}")}),
            )
            .await;
        for _ in 0..2 {
            let Some(target) = targets.pop() else { break };
            let (s, _) = api
                .post(
                    &format!("/workspaces/{ws}/items/{target}/reply"),
                    json!({"text": format!("Thanks! ({cycle})")}),
                )
                .await;
            if s == StatusCode::ACCEPTED {
                acknowledged.insert(target);
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
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..400))).await;
        server.kill9();
        server = start();
    }

    // Let the last process finish what was queued, then compare with the provider.
    let api = Api::new(&server.url).as_(api.token());
    let end = Instant::now() + Duration::from_secs(90);
    loop {
        let items = all_items(&api, &ws, "").await;
        let sending = items
            .iter()
            .filter(|i| i["reply"]["state"] == "sending")
            .count();
        if sending == 0 {
            break;
        }
        assert!(Instant::now() < end, "{sending} replies never settled");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let before = api
        .get(&format!("/workspaces/{ws}/connections/{g}"))
        .await
        .1["syncs_completed"]
        .as_u64()
        .unwrap();
    crate::providers::sync(&api, &ws, &g).await;
    assert!(
        api.get(&format!("/workspaces/{ws}/connections/{g}"))
            .await
            .1["syncs_completed"]
            .as_u64()
            .unwrap()
            > before
    );
    let state = control.state().await;
    let items = all_items(&api, &ws, "").await;
    let google: Vec<_> = items.iter().filter(|i| i["source"] == "google").collect();
    assert_eq!(
        google.len() as u64,
        state["google_locations"][0]["reviews"].as_u64().unwrap(),
        "every review, once"
    );
    let ids: BTreeSet<_> = items
        .iter()
        .map(|i| i["external_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), items.len(), "no item twice");

    let counts = &state["counts"];
    let mut published = 0;
    for i in &items {
        let ext = i["external_id"].as_str().unwrap();
        match i["reply"]["state"].as_str() {
            Some("published")
                if i["source"] == "facebook"
                    && acknowledged.contains(i["id"].as_str().unwrap()) =>
            {
                assert_eq!(counts["facebook_replies"][ext], 1, "exactly once: {ext}");
                published += 1;
            }
            Some("published")
                if i["source"] == "google" && acknowledged.contains(i["id"].as_str().unwrap()) =>
            {
                assert!(
                    counts["google_reply_puts"][ext].as_u64().unwrap() >= 1,
                    "{ext}"
                );
                published += 1;
            }
            Some("failed") => panic!("a reply failed: {i}"),
            _ => {}
        }
    }
    for target in &acknowledged {
        let (_, i) = api.get(&format!("/workspaces/{ws}/items/{target}")).await;
        assert_eq!(
            i["reply"]["state"], "published",
            "an acknowledged reply was lost: {i}"
        );
    }
    assert_eq!(published, acknowledged.len());
    assert!(
        acknowledged.len() >= CYCLES,
        "most replies were acknowledged before the kill"
    );
    // Facebook never got a reply Plaudit does not know about.
    let known: u64 = counts["facebook_replies"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    let fb_published = items
        .iter()
        .filter(|i| i["source"] == "facebook" && i["reply"]["state"] == "published")
        .count() as u64;
    assert_eq!(known, fb_published);
    // No token in anything the process printed.
    let printed = format!("{}\n{}", server.stdout().join("\n"), server.stderr());
    for t in fake.issued_tokens() {
        assert!(!printed.contains(&t), "a token was logged");
    }
}
