//! The store floor under concurrency: limits and the last-owner rule hold when requests race,
//! lists page without gaps, and known paths answer 405 to methods they do not serve.

use crate::inproc::InProc;
use futures_util::future::join_all;
use plaudit::domain::Role;
use plaudit::store::PageRequest;
use reqwest::StatusCode;
use serde_json::json;

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
        h.location(&ws, n);
    }
    let api = h.api().as_(&t);
    let path = format!("/workspaces/{}/locations", ws.id);
    let calls = (0..20).map(|i| {
        api.post(
            &path,
            json!({"name": format!("Racer {i}"), "timezone": "UTC"}),
        )
    });
    let statuses: Vec<StatusCode> = join_all(calls).await.into_iter().map(|(s, _)| s).collect();
    let count = |s: StatusCode| statuses.iter().filter(|x| **x == s).count();
    assert_eq!(count(StatusCode::CREATED), 1, "{statuses:?}");
    assert_eq!(count(StatusCode::FORBIDDEN), 19, "{statuses:?}");
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
    for round in 0..15 {
        let (a, ta) = h.user(&format!("a{round}@example.com"), false);
        let (b, tb) = h.user(&format!("b{round}@example.com"), false);
        let ws = h.workspace("Shared", &a);
        h.add(&ws, &b, Role::Owner);
        let (as_a, as_b) = (h.api().as_(&ta), h.api().as_(&tb));
        let (pa, pb) = (
            format!("/workspaces/{}/members/{}", ws.id, b.id),
            format!("/workspaces/{}/members/{}", ws.id, a.id),
        );
        let viewer = json!({"role": "viewer"});
        let ((sa, _), (sb, _)) = tokio::join!(
            as_a.patch(&pa, viewer.clone()),
            as_b.patch(&pb, viewer.clone())
        );
        let members = h
            .store
            .workspaces()
            .members(&ws.id, &PageRequest::first(10))
            .unwrap()
            .items;
        let owners = members.iter().filter(|(_, r)| *r == Role::Owner).count();
        assert!(owners >= 1, "round {round}: no owner left ({sa}, {sb})");
        assert_eq!(
            h.store.workspaces().counts(&ws.id).unwrap().owners,
            owners as u64,
            "the counter agrees with the records"
        );
        let refused = [sa, sb]
            .iter()
            .any(|s| *s == StatusCode::CONFLICT || *s == StatusCode::FORBIDDEN);
        assert!(refused, "{sa} {sb}");
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
        h.location(&ws, n);
        let (u, _) = h.user(&format!("m{n}@example.com"), false);
        h.add(&ws, &u, Role::Viewer);
        h.workspace(&format!("Also {n}"), &owner);
    }
    let api = h.api().as_(&t);
    for (path, expected) in [
        (format!("/workspaces/{}/locations", ws.id), 23),
        (format!("/workspaces/{}/members", ws.id), 24),
        ("/workspaces".to_string(), 24),
    ] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut url = format!("{path}?limit=5");
            if let Some(cur) = &cursor {
                url.push_str(&format!("&cursor={cur}"));
            }
            let (status, body) = api.get(&url).await;
            assert_eq!(status, StatusCode::OK);
            for item in body["items"].as_array().unwrap() {
                let id = item["id"].as_str().or(item["user_id"].as_str()).unwrap();
                seen.push(id.to_string());
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
    let body: serde_json::Value = r.json().await.unwrap();
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
    let (status, _) = h.api().get("/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
