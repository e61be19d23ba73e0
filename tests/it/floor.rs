//! The store floor under concurrency: limits and the last-owner rule hold when requests race,
//! lists page without gaps, and known paths answer 405 to methods they do not serve.

use crate::inproc::InProc;
use futures_util::future::join_all;
use plaudit::Clock;
use plaudit::domain::{Id, Location, Role};
use plaudit::store::PageRequest;
use serde_json::{Value, json};

fn location(h: &InProc, ws: Id<plaudit::domain::Workspace>, n: usize) -> Location {
    Location {
        id: Id::generate(h.clock.now()),
        workspace: ws,
        name: format!("Shop {n}"),
        address: String::new(),
        timezone: "UTC".into(),
        google_review_url: None,
        facebook_page_url: None,
        archived: false,
        created_at: h.clock.now(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_racing_creates_against_a_plan_limit_leave_exactly_the_limit() {
    const LIMIT: u32 = 5;
    let h = InProc::start(|c| {
        c.plans.get_mut("standard").unwrap().max_locations = LIMIT;
    })
    .await;
    let (owner, t) = h.user("owner@example.com", false);
    let ws = h.workspace("Shop", &owner);
    for n in 0..(LIMIT as usize - 1) {
        let loc = location(&h, ws.id, n);
        h.store
            .locations()
            .save(&loc, u64::MAX, None)
            .unwrap()
            .unwrap();
    }
    let c = h.http();
    let url = format!("{}/api/v1/workspaces/{}/locations", h.url, ws.id);
    let calls = (0..20).map(|i| {
        c.post(&url)
            .bearer_auth(&t)
            .json(&json!({"name": format!("Racer {i}"), "timezone": "UTC"}))
            .send()
    });
    let statuses: Vec<u16> = join_all(calls)
        .await
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 403).count(),
        19,
        "{statuses:?}"
    );
    let stored = h
        .store
        .locations()
        .page(&ws.id, &PageRequest::first(200))
        .unwrap();
    assert_eq!(stored.items.len(), LIMIT as usize);
    assert_eq!(
        h.store
            .workspaces()
            .counts(&ws.id)
            .unwrap()
            .active_locations,
        u64::from(LIMIT)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_owners_demoting_each_other_at_once_leave_an_owner() {
    let h = InProc::start(|_| {}).await;
    let c = h.http();
    for round in 0..15 {
        let (a, ta) = h.user(&format!("a{round}@example.com"), false);
        let (b, tb) = h.user(&format!("b{round}@example.com"), false);
        let ws = h.workspace("Shared", &a);
        h.add(&ws, &b, Role::Owner);
        let demote = |token: &str, who: Id<plaudit::domain::User>| {
            c.patch(format!(
                "{}/api/v1/workspaces/{}/members/{who}",
                h.url, ws.id
            ))
            .bearer_auth(token.to_string())
            .json(&json!({"role": "viewer"}))
            .send()
        };
        let (ra, rb) = tokio::join!(demote(&ta, b.id), demote(&tb, a.id));
        let codes = [ra.unwrap().status().as_u16(), rb.unwrap().status().as_u16()];
        let members = h
            .store
            .workspaces()
            .members(&ws.id, &PageRequest::first(10))
            .unwrap()
            .items;
        let owners = members.iter().filter(|(_, r)| *r == Role::Owner).count();
        assert!(owners >= 1, "round {round}: no owner left ({codes:?})");
        assert_eq!(
            h.store.workspaces().counts(&ws.id).unwrap().owners,
            owners as u64,
            "the counter agrees with the records"
        );
        assert!(codes.contains(&409) || codes.contains(&403), "{codes:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_list_pages_without_gaps_or_repeats() {
    let h = InProc::start(|c| {
        let p = c.plans.get_mut("standard").unwrap();
        p.max_locations = 1000;
        p.max_members = 1000;
    })
    .await;
    let (owner, t) = h.user("owner@example.com", false);
    let ws = h.workspace("Shop", &owner);
    for n in 0..23 {
        let loc = location(&h, ws.id, n);
        h.store
            .locations()
            .save(&loc, u64::MAX, None)
            .unwrap()
            .unwrap();
        let (u, _) = h.user(&format!("m{n}@example.com"), false);
        h.add(&ws, &u, Role::Viewer);
        h.workspace(&format!("Also {n}"), &owner);
    }
    let c = h.http();
    for (path, expected) in [
        (format!("/workspaces/{}/locations", ws.id), 23),
        (format!("/workspaces/{}/members", ws.id), 24),
        ("/workspaces".to_string(), 24),
    ] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut url = format!("{}/api/v1{path}?limit=5", h.url);
            if let Some(cur) = &cursor {
                url.push_str(&format!("&cursor={cur}"));
            }
            let body: Value = c
                .get(url)
                .bearer_auth(&t)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            for item in body["items"].as_array().unwrap() {
                let id = item["id"]
                    .as_str()
                    .or(item["user_id"].as_str())
                    .unwrap()
                    .to_string();
                seen.push(id);
            }
            match body["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => break,
            }
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "{path}: repeats");
        assert_eq!(seen.len(), expected, "{path}: {seen:?}");
        assert_eq!(seen, unique, "{path}: oldest first, by id");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_known_path_with_another_method_is_405_with_allow() {
    let h = InProc::start(|_| {}).await;
    let c = h.http();
    let r = c
        .get(format!("{}/api/v1/auth/login", h.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "POST");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed");
    let (owner, t) = h.user("owner@example.com", false);
    let ws = h.workspace("Shop", &owner);
    let r = c
        .put(format!("{}/api/v1/workspaces/{}", h.url, ws.id))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let allow = r.headers()["allow"].to_str().unwrap().to_string();
    for m in ["GET", "PATCH", "DELETE"] {
        assert!(allow.contains(m), "{allow}");
    }
    // Unknown paths stay 404.
    let r = c
        .get(format!("{}/api/v1/nothing-here", h.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}
