//! Connectors end to end through the real server against the fake providers: a complete
//! first sync over many pages, incremental syncs, edits, removals, quota answers, 5xx bursts,
//! expired and revoked tokens, malformed pages, replies that reach the provider once.

use crate::caller::Api;
use crate::inproc::{InProc, PUBLIC_URL};
use crate::providers::{Control, all_items, connect, point_at, served, sync, wait_connection};
use plaudit::fakes::FakeProviders;
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};

pub struct Setup {
    pub h: InProc,
    pub fake: FakeProviders,
    pub control: Control,
    pub api: Api,
    pub ws: String,
    pub loc: String,
}

pub async fn setup() -> Setup {
    let fake = FakeProviders::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let base = fake.base_url();
    let h = InProc::start(move |c| {
        point_at(c, &base);
        c.poller.full_sync_secs = 60;
    })
    .await;
    let (owner, token) = h.user("owner@agency.example", false);
    let ws = h.workspace("Agency", &owner);
    let loc = h.location(&ws, 1);
    let api = h.api().as_(&token);
    let control = Control::new(&fake);
    Setup {
        ws: ws.id.to_string(),
        loc: loc.id.to_string(),
        h,
        fake,
        control,
        api,
    }
}

/// Maps and waits for the sync the mapping asked for.
pub async fn map(s: &Setup, conn: &str, external: &str, loc: &str) -> serde_json::Value {
    let ticket = crate::providers::map(&s.api, &s.ws, conn, external, loc).await;
    served(&s.api, &s.ws, conn, ticket).await
}

fn review_pages(state: &serde_json::Value) -> u64 {
    state["counts"]["review_pages"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn google_reviews_arrive_completely_then_only_what_changed() {
    let s = setup().await;
    let name = s
        .control
        .post(
            "google/locations",
            json!({"title": "Bakery", "reviews": 2000, "seed": 7}),
        )
        .await["name"]
        .as_str()
        .unwrap()
        .to_string();
    let conn = connect(&s.api, &s.ws, "google", PUBLIC_URL, &s.h.url).await;
    let c = wait_connection(&s.api, &s.ws, &conn, Duration::from_secs(10), |c| {
        c["status"] == "active"
    })
    .await;
    assert_eq!(c["account"], "owner@agency.example");
    let (st, remote) = s
        .api
        .get(&format!(
            "/workspaces/{}/connections/{conn}/remote-locations",
            s.ws
        ))
        .await;
    assert_eq!(st, StatusCode::OK, "{remote}");
    assert!(
        remote["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["external_id"] == name.as_str() && r["name"] == "Bakery")
    );

    // The first sync reads all 40 pages of 50.
    let c = map(&s, &conn, &name, &s.loc).await;
    assert_eq!(c["last_error"], serde_json::Value::Null, "{c}");
    assert_eq!(c["items_fetched"], 2000);
    let items = all_items(&s.api, &s.ws, "").await;
    assert_eq!(items.len(), 2000);
    let ids: std::collections::HashSet<_> = items
        .iter()
        .map(|i| i["external_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2000, "no duplicates");
    let times: Vec<&str> = items
        .iter()
        .map(|i| i["created_at"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert_eq!(review_pages(&s.control.state().await), 40);

    // Changes at Google: one new review, one edited, one answered there, one deleted.
    let fake_id = |i: &serde_json::Value| {
        i["external_id"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_string()
    };
    let (edited, answered, deleted) = (
        fake_id(&items[1500]),
        fake_id(&items[1600]),
        fake_id(&items[1700]),
    );
    let old_text = items[1500]["text"].as_str().unwrap().to_string();
    s.control
        .post(
            "google/reviews",
            json!({"location": name, "action": "add", "text": "Brand new review", "stars": 2}),
        )
        .await;
    s.control.post("google/reviews", json!({"location": name, "action": "edit", "id": edited, "text": "Changed my mind: superb", "stars": 5})).await;
    s.control.post("google/reviews", json!({"location": name, "action": "reply", "id": answered, "text": "Thank you, from the owner"})).await;
    s.control
        .post(
            "google/reviews",
            json!({"location": name, "action": "delete", "id": deleted}),
        )
        .await;
    let pages_before = review_pages(&s.control.state().await);
    let c = sync(&s.api, &s.ws, &conn).await;
    assert_eq!(c["last_error"], serde_json::Value::Null, "{c}");
    let pages = review_pages(&s.control.state().await) - pages_before;
    assert_eq!(pages, 1, "an incremental sync stops at the high-water mark");
    assert_eq!(c["items_fetched"], 3, "new, edited, answered");
    let items = all_items(&s.api, &s.ws, "").await;
    assert_eq!(items.len(), 2001);
    let find = |id: &str| {
        items
            .iter()
            .find(|i| {
                i["external_id"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!("/{id}"))
            })
            .unwrap()
            .clone()
    };
    let e = find(&edited);
    assert_eq!(e["status"], "edited");
    assert_eq!(e["text"], "Changed my mind: superb");
    assert_eq!(
        e["history"][0]["text"],
        old_text.as_str(),
        "the old text is kept"
    );
    assert_eq!(
        find(&answered)["reply"]["text"],
        "Thank you, from the owner"
    );
    assert_eq!(find(&answered)["reply"]["state"], "published");
    assert_eq!(
        find(&deleted)["status"],
        "live",
        "an incremental sync cannot see deletions"
    );

    // The periodic full reconcile marks the deleted review removed, and keeps it.
    s.h.clock.advance(time::Duration::seconds(61));
    let c = sync(&s.api, &s.ws, &conn).await;
    assert_eq!(c["last_error"], serde_json::Value::Null, "{c}");
    let items = all_items(&s.api, &s.ws, "").await;
    assert_eq!(items.len(), 2001);
    let gone = items
        .iter()
        .find(|i| {
            i["external_id"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/{deleted}"))
        })
        .unwrap();
    assert_eq!(gone["status"], "removed");
    assert_eq!(items.iter().filter(|i| i["status"] == "removed").count(), 1);
    drop(s.fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quota_answers_5xx_bursts_expired_tokens_and_malformed_pages() {
    let s = setup().await;
    let name = s
        .control
        .post(
            "google/locations",
            json!({"title": "Clinic", "reviews": 120, "seed": 3}),
        )
        .await["name"]
        .as_str()
        .unwrap()
        .to_string();
    let conn = connect(&s.api, &s.ws, "google", PUBLIC_URL, &s.h.url).await;
    // 429 with Retry-After before the very first page: waited out, then everything arrives.
    s.control
        .post(
            "faults",
            json!({"provider": "google", "fault": "rate_limit", "count": 2, "retry_after": 1}),
        )
        .await;
    let started = Instant::now();
    let c = map(&s, &conn, &name, &s.loc).await;
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "Retry-After: 1 honoured twice"
    );
    assert_eq!(c["last_error"], serde_json::Value::Null, "{c}");
    assert_eq!(all_items(&s.api, &s.ws, "").await.len(), 120);

    // A burst of 500s is retried.
    s.control
        .post(
            "google/reviews",
            json!({"location": name, "action": "add", "text": "after the storm"}),
        )
        .await;
    s.control
        .post(
            "faults",
            json!({"provider": "google", "fault": "server_error", "count": 3}),
        )
        .await;
    let c = sync(&s.api, &s.ws, &conn).await;
    assert_eq!(c["last_error"], serde_json::Value::Null, "{c}");
    assert_eq!(all_items(&s.api, &s.ws, "").await.len(), 121);

    // An expired access token is refreshed.
    let refreshes = s.control.state().await["counts"]["refreshes"]
        .as_u64()
        .unwrap();
    s.control.post("tokens", json!({"action": "expire"})).await;
    s.control
        .post(
            "google/reviews",
            json!({"location": name, "action": "add", "text": "after expiry"}),
        )
        .await;
    let c = sync(&s.api, &s.ws, &conn).await;
    assert_eq!(c["last_error"], serde_json::Value::Null, "{c}");
    assert_eq!(c["status"], "active");
    assert!(
        s.control.state().await["counts"]["refreshes"]
            .as_u64()
            .unwrap()
            > refreshes
    );
    assert_eq!(all_items(&s.api, &s.ws, "").await.len(), 122);

    // Malformed pages are refused, reported, and corrupt nothing; the next sync recovers.
    s.control
        .post(
            "google/reviews",
            json!({"location": name, "action": "add", "text": "held back"}),
        )
        .await;
    for (fault, words) in [
        ("truncated", "unusable"),
        ("wrong_types", "unusable"),
        ("huge", "larger than"),
    ] {
        s.control
            .post("faults", json!({"provider": "google", "fault": fault}))
            .await;
        let c = sync(&s.api, &s.ws, &conn).await;
        let err = c["last_error"].as_str().unwrap_or_default().to_string();
        assert!(err.contains(words), "{fault}: {c}");
        assert_eq!(
            c["status"], "active",
            "a bad page does not break the connection"
        );
        assert_eq!(all_items(&s.api, &s.ws, "").await.len(), 122, "{fault}");
    }
    let c = sync(&s.api, &s.ws, &conn).await;
    assert_eq!(c["last_error"], serde_json::Value::Null, "{c}");
    assert_eq!(all_items(&s.api, &s.ws, "").await.len(), 123);

    // A revoked refresh token marks only that connection "needs reconnect".
    let page = s
        .control
        .post(
            "facebook/pages",
            json!({"name": "Clinic FB", "ratings": 4, "posts": 2, "comments": 2}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let fb = connect(&s.api, &s.ws, "facebook", PUBLIC_URL, &s.h.url).await;
    map(&s, &fb, &page, &s.loc).await;
    // Revoke Google's grants only: the fake's revoke endpoint, as a user would at Google.
    let state_tokens = s.fake.issued_tokens();
    for t in state_tokens
        .iter()
        .filter(|t| t.starts_with("1//") || t.starts_with("ya29."))
    {
        reqwest::Client::new()
            .post(format!("{}/revoke?token={t}", s.control.base))
            .send()
            .await
            .unwrap();
    }
    s.control.post("tokens", json!({"action": "expire"})).await;
    let c = sync(&s.api, &s.ws, &conn).await;
    assert_eq!(c["status"], "needs_reconnect", "{c}");
    assert!(c["last_error"].as_str().unwrap().contains("connect"), "{c}");
    let c = sync(&s.api, &s.ws, &fb).await;
    assert_eq!(c["status"], "active", "{c}");
    let (st, body) = s
        .api
        .post(
            &format!("/workspaces/{}/connections/{conn}/sync", s.ws),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "polling stopped: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facebook_ratings_comments_mentions_and_replies_that_arrive_once() {
    let s = setup().await;
    let page = s.control.post("facebook/pages", json!({"name": "Café", "ratings": 30, "posts": 6, "comments": 5, "tagged": 4, "seed": 1})).await["id"]
        .as_str().unwrap().to_string();
    let conn = connect(&s.api, &s.ws, "facebook", PUBLIC_URL, &s.h.url).await;
    let (_, remote) = s
        .api
        .get(&format!(
            "/workspaces/{}/connections/{conn}/remote-locations",
            s.ws
        ))
        .await;
    assert!(
        remote["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["external_id"] == page.as_str()),
        "{remote}"
    );
    let c = map(&s, &conn, &page, &s.loc).await;
    assert_eq!(c["last_error"], serde_json::Value::Null, "{c}");
    let items = all_items(&s.api, &s.ws, "").await;
    let count = |kind: &str| items.iter().filter(|i| i["kind"] == kind).count();
    assert_eq!(count("review"), 30);
    assert_eq!(count("comment"), 30);
    assert_eq!(count("mention"), 4);
    assert_eq!(
        count("post"),
        2,
        "visitor posts; the page's own posts are not items"
    );
    let recs = items
        .iter()
        .filter(|i| i["recommends"].is_boolean())
        .count();
    assert_eq!(recs, 15, "newer ratings are recommendations");

    // Reply to a comment: stored as sending, then published once.
    let comment = items.iter().find(|i| i["kind"] == "comment").unwrap();
    let cid = comment["id"].as_str().unwrap();
    let (st, r) = s
        .api
        .post(
            &format!("/workspaces/{}/items/{cid}/reply", s.ws),
            json!({"text": "Merci beaucoup !"}),
        )
        .await;
    assert_eq!(st, StatusCode::ACCEPTED, "{r}");
    assert_eq!(r["reply"]["state"], "sending");
    published(&s, cid).await;
    let ext = comment["external_id"].as_str().unwrap();
    let st = s.control.state().await;
    assert_eq!(st["counts"]["facebook_replies"][ext], 1);
    // The next full read sees the page's reply as the reply, not as a new comment.
    s.h.clock.advance(time::Duration::seconds(61));
    let c = sync(&s.api, &s.ws, &conn).await;
    assert_eq!(c["last_error"], serde_json::Value::Null, "{c}");
    let again = all_items(&s.api, &s.ws, "&kind=comment").await;
    assert_eq!(again.len(), 30);
    assert_eq!(
        s.control.state().await["counts"]["facebook_replies"][ext],
        1
    );

    // Ratings deprecated (error 12): turned off with a notice; comments keep arriving.
    s.control
        .post("facebook/deprecate-ratings", json!({"page": page}))
        .await;
    let post = s.control.state().await["facebook_pages"][0]["posts"][5]
        .as_str()
        .unwrap()
        .to_string();
    s.control
        .post(
            "facebook/comments",
            json!({"post": post, "text": "Still open on Sunday?"}),
        )
        .await;
    let c = sync(&s.api, &s.ws, &conn).await;
    assert_eq!(c["status"], "active", "{c}");
    assert!(c["feeds"][0]["ratings_off"].as_bool().unwrap(), "{c}");
    assert!(
        c["feeds"][0]["error"]
            .as_str()
            .unwrap()
            .contains("no longer gives ratings"),
        "{c}"
    );
    let comments = all_items(&s.api, &s.ws, "&kind=comment&q=sunday").await;
    assert_eq!(
        comments.len(),
        1,
        "{:?}",
        all_items(&s.api, &s.ws, "&kind=comment")
            .await
            .iter()
            .map(|c| c["text"].to_string())
            .collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn google_replies_publish_and_tokens_never_reach_disk_or_answers() {
    let s = setup().await;
    let name = s
        .control
        .post(
            "google/locations",
            json!({"title": "Shop", "reviews": 30, "seed": 9}),
        )
        .await["name"]
        .as_str()
        .unwrap()
        .to_string();
    let page = s
        .control
        .post(
            "facebook/pages",
            json!({"name": "Shop FB", "ratings": 3, "posts": 3, "comments": 2, "tagged": 1}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let g = connect(&s.api, &s.ws, "google", PUBLIC_URL, &s.h.url).await;
    let f = connect(&s.api, &s.ws, "facebook", PUBLIC_URL, &s.h.url).await;
    map(&s, &g, &name, &s.loc).await;
    map(&s, &f, &page, &s.loc).await;

    let review = all_items(&s.api, &s.ws, "&source=google").await.remove(0);
    let rid = review["id"].as_str().unwrap();
    let too_long = "x".repeat(4097);
    let (st, body) = s
        .api
        .post(
            &format!("/workspaces/{}/items/{rid}/reply", s.ws),
            json!({"text": too_long}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (st, _) = s
        .api
        .post(
            &format!("/workspaces/{}/items/{rid}/reply", s.ws),
            json!({"text": "Thanks for visiting!"}),
        )
        .await;
    assert_eq!(st, StatusCode::ACCEPTED);
    published(&s, rid).await;
    let ext = review["external_id"].as_str().unwrap();
    assert_eq!(
        s.control.state().await["counts"]["google_reply_puts"][ext],
        1
    );

    // Another workspace's member cannot see or answer these items.
    let (other, ot) = s.h.user("other@agency.example", false);
    let _ows = s.h.workspace("Other", &other);
    let oapi = s.h.api().as_(&ot);
    let (st, _) = oapi.get(&format!("/workspaces/{}/items/{rid}", s.ws)).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = oapi
        .post(
            &format!("/workspaces/{}/items/{rid}/reply", s.ws),
            json!({"text": "hi"}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // No token in any answer, nor anywhere in the data folder's bytes.
    let tokens = s.fake.issued_tokens();
    assert!(tokens.len() >= 4, "{tokens:?}");
    let (_, list) = s
        .api
        .get(&format!("/workspaces/{}/connections", s.ws))
        .await;
    let (_, remote) = s
        .api
        .get(&format!(
            "/workspaces/{}/connections/{f}/remote-locations",
            s.ws
        ))
        .await;
    for t in &tokens {
        assert!(!list.to_string().contains(t.as_str()));
        assert!(!remote.to_string().contains(t.as_str()));
    }
    s.h.store.flush_blocking().unwrap();
    let mut files = vec![s.h.dir.path().to_path_buf()];
    let mut scanned = 0;
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else {
            let bytes = crate::support::readable_bytes(&p);
            scanned += bytes.len();
            for t in &tokens {
                assert!(
                    !bytes.windows(t.len()).any(|w| w == t.as_bytes()),
                    "{t} found in {}",
                    p.display()
                );
            }
        }
    }
    // On PostgreSQL the records are rows of the database, not files here: every key and value
    // as stored, read whole.
    if crate::support::on_postgres() {
        let mut rows = Vec::new();
        s.h.store
            .export_to(&mut rows, plaudit::store::snapshot::Keys::Included, |_| {})
            .unwrap();
        scanned += rows.len();
        for t in &tokens {
            assert!(
                !rows.windows(t.len()).any(|w| w == t.as_bytes()),
                "{t} found in the database"
            );
        }
    }
    assert!(scanned > 10_000, "the store was read");

    // Disconnecting revokes at the provider and deletes the tokens; the items stay.
    let revokes = s.control.state().await["counts"]["revokes"]
        .as_u64()
        .unwrap();
    let (st, _) = s
        .api
        .delete(&format!("/workspaces/{}/connections/{g}", s.ws))
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    assert_eq!(
        s.control.state().await["counts"]["revokes"]
            .as_u64()
            .unwrap(),
        revokes + 1
    );
    let (st, _) = s
        .api
        .get(&format!("/workspaces/{}/connections/{g}", s.ws))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_eq!(all_items(&s.api, &s.ws, "&source=google").await.len(), 30);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_demo_fills_a_real_inbox_with_no_provider_account() {
    let dir = tempfile::tempdir().unwrap();
    let config = crate::support::write_config(dir.path(), "");
    let server = demo_server(dir.path(), &config);
    let lines = server.stdout().join("\n");
    let password = lines
        .split("with password ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no demo password in:\n{lines}"));
    let api = Api::new(&server.url)
        .signed_in("demo@plaudit.example", password)
        .await;
    let (_, list) = api.get("/workspaces").await;
    let ws = list["items"][0]["id"].as_str().unwrap().to_string();
    crate::support::until_ok(Duration::from_secs(60), "a full demo inbox", async || {
        let items = all_items(&api, &ws, "").await;
        let google = items.iter().filter(|i| i["source"] == "google").count();
        let facebook = items.iter().filter(|i| i["source"] == "facebook").count();
        let seen = format!("{google} google, {facebook} facebook");
        if google == 420 && facebook > 50 {
            Ok(())
        } else {
            Err(seen)
        }
    })
    .await;
}

/// Waits until the item's reply is published at the provider.
async fn published(s: &Setup, id: &str) {
    crate::support::until_ok(Duration::from_secs(20), "published", async || {
        let (_, i) = s.api.get(&format!("/workspaces/{}/items/{id}", s.ws)).await;
        if i["reply"]["state"] == "published" {
            Ok(())
        } else {
            Err(i)
        }
    })
    .await;
}

fn demo_server(dir: &std::path::Path, config: &std::path::Path) -> crate::support::Server {
    crate::support::Server::spawn_args(dir, config.to_path_buf(), &[], &["--demo"])
        .unwrap_or_else(|(o, e)| panic!("demo did not start:\n{o}\n{e}"))
}
