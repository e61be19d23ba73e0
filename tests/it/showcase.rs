//! Showcase sets end to end through the API and the public embeds: chosen by rule and by
//! hand, approval, what must leave at once, caching, CORS, framing, the script's size.

use crate::inproc::{InProc, PUBLIC_URL};
use plaudit::Clock;
use plaudit::domain::{
    Author, Fetched, Id, Item, ItemStatus, Kind, Location, Origin, Rating, Workspace,
};
use plaudit::store::Destination;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::Write;
use time::OffsetDateTime;

/// Reviews at `loc`, one a minute from `start` (the last is the newest): (author, stars, text).
pub fn reviews(
    h: &InProc,
    ws: &Workspace,
    loc: &Location,
    start: OffsetDateTime,
    rows: &[(&str, Rating, &str)],
) -> Vec<Id<Item>> {
    let fetched: Vec<Fetched> = rows
        .iter()
        .enumerate()
        .map(|(i, (author, rating, text))| {
            let at = start + time::Duration::minutes(i as i64);
            Fetched {
                kind: Kind::Review,
                external_id: format!("accounts/1/locations/2/reviews/{author}-{i}"),
                parent_external_id: None,
                author: Author {
                    name: (*author).into(),
                    ..Author::default()
                },
                rating: Some(*rating),
                text: (*text).into(),
                link: Some(format!("https://maps.example.com/review/{i}")),
                created_at: at,
                updated_at: at,
                reply: None,
                reply_authoritative: true,
            }
        })
        .collect();
    let dest = Destination {
        workspace: ws.id,
        location: loc.id,
        origin: Origin::Google,
        feed: "accounts/1/locations/2",
        connection: None,
        alert: false,
    };
    h.store
        .items()
        .ingest(&dest, &fetched, h.clock.now())
        .unwrap();
    fetched
        .iter()
        .map(|f| {
            h.store
                .items()
                .by_external(
                    &ws.id,
                    Origin::Google,
                    dest.feed,
                    &f.external_id,
                    (f.created_at, f.created_at),
                )
                .unwrap()
                .unwrap()
                .id
        })
        .collect()
}

/// The public URL of a set turned into this server's.
pub fn local(h: &InProc, url: &str) -> String {
    url.replace(PUBLIC_URL, &h.url)
}

pub async fn shown(h: &InProc, set: &Value) -> Vec<String> {
    let r = h
        .http()
        .get(local(h, set["json_url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("set-cookie").is_none(), "no cookie");
    let body: Value = r.json().await.unwrap();
    body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["author"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_set_shows_by_rule_and_by_hand_and_drops_what_must_go_at_once() {
    let h = InProc::start(|_| {}).await;
    let (owner, token) = h.user("owner@example.com", false);
    let ws = h.workspace("Bakery", &owner);
    let loc = h.location(&ws, 1);
    let other = h.location(&ws, 2);
    let api = h.api().as_(&token);
    let t0 = h.clock.now() - time::Duration::days(2);
    let ids = reviews(
        &h,
        &ws,
        &loc,
        t0,
        &[
            ("Ada", Rating::Stars(5), "Best croissants in town"),
            ("Bo", Rating::Stars(3), "Fine"),
            ("Cy", Rating::Stars(4), ""),
            (
                "Di",
                Rating::Stars(4),
                "Friendly staff <script>alert(1)</script>",
            ),
            ("Ed", Rating::Recommends(true), "Recommended!"),
            ("Fay", Rating::Stars(5), "Lovely"),
        ],
    );
    reviews(
        &h,
        &ws,
        &other,
        t0,
        &[("Gus", Rating::Stars(5), "Other shop")],
    );

    let (s, set) = api
        .post(
            &format!("/workspaces/{}/showcases", ws.id),
            json!({"name": "Homepage", "location_ids": [loc.id.to_string()], "min_stars": 4}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{set}");
    let sid = set["id"].as_str().unwrap().to_string();
    // The public address is the set's id: `/s/{id}.json`, `/s/{id}/frame`, `/s/{id}.js`, `/s/{id}`.
    assert_eq!(set["json_url"], format!("{PUBLIC_URL}/s/{sid}.json"));
    assert_eq!(set["frame_url"], format!("{PUBLIC_URL}/s/{sid}/frame"));
    // Newest first; 3★, no-text and the other location's are out; a recommendation counts as 5.
    assert_eq!(shown(&h, &set).await, ["Fay", "Ed", "Di", "Ada"]);

    // Bad input is refused with the reason, and changes nothing.
    for bad in [
        json!({"min_stars": 9}),
        json!({"colour": "red"}),
        json!({"allowed_origins": ["https://example.com/page"]}),
        json!({"location_ids": [Id::<Location>::generate(h.clock.now()).to_string()]}),
        json!({"surprise": true}),
    ] {
        let (s, body) = api
            .patch(
                &format!("/workspaces/{}/showcases/{sid}", ws.id),
                bad.clone(),
            )
            .await;
        assert!(s.is_client_error(), "{bad}: {s} {body}");
    }

    // Pinned first whatever the rule; hidden never.
    let pick = |id: &Id<Item>| format!("item:{id}");
    let path = format!("/workspaces/{}/showcases/{sid}/picks", ws.id);
    let (s, _) = api
        .post(&path, json!({"pick": pick(&ids[1]), "action": "pin"}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = api
        .post(&path, json!({"pick": pick(&ids[5]), "action": "hide"}))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(shown(&h, &set).await, ["Bo", "Ed", "Di", "Ada"]);
    // Another workspace's item cannot be picked.
    let (stranger, _) = h.user("x@example.com", false);
    let ws2 = h.workspace("Other", &stranger);
    let loc2 = h.location(&ws2, 1);
    let foreign = reviews(&h, &ws2, &loc2, t0, &[("Zed", Rating::Stars(5), "Mine")]);
    let (s, _) = api
        .post(&path, json!({"pick": pick(&foreign[0]), "action": "pin"}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Approve first: a new matching review waits until approved.
    let (s, _) = api
        .patch(
            &format!("/workspaces/{}/showcases/{sid}", ws.id),
            json!({"approval": "approve_first"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let fresh = reviews(
        &h,
        &ws,
        &loc,
        h.clock.now(),
        &[("Hal", Rating::Stars(5), "Just visited")],
    );
    assert_eq!(shown(&h, &set).await, ["Bo"], "only the pinned one shows");
    let (s, entries) = api
        .get(&format!("/workspaces/{}/showcases/{sid}/entries", ws.id))
        .await;
    assert_eq!(s, StatusCode::OK);
    let waiting: Vec<&str> = entries["waiting"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["author"].as_str().unwrap())
        .collect();
    assert!(
        waiting.contains(&"Hal") && !waiting.contains(&"Fay"),
        "{entries}"
    );
    api.post(&path, json!({"pick": pick(&fresh[0]), "action": "approve"}))
        .await;
    api.post(&path, json!({"pick": pick(&ids[3]), "action": "approve"}))
        .await;
    assert_eq!(shown(&h, &set).await, ["Bo", "Hal", "Di"]);

    // Erased, restricted and removed-at-the-provider reviews leave at once.
    let (s, _) = api
        .post(
            &format!("/workspaces/{}/privacy/reviewers/erase", ws.id),
            json!({"name": "Hal"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = api
        .post(
            &format!("/workspaces/{}/privacy/reviewers/restrict", ws.id),
            json!({"name": "Bo"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let mut di = h.store.items().get(&ws.id, &ids[3]).unwrap().unwrap();
    di.status = ItemStatus::Removed;
    h.store.items().replace(&di).unwrap();
    assert!(shown(&h, &set).await.is_empty());

    // Deleted: every form answers 404.
    let (s, _) = api
        .delete(&format!("/workspaces/{}/showcases/{sid}", ws.id))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    for url in ["json_url", "wall_url", "frame_url", "script_url"] {
        let r = h
            .http()
            .get(local(&h, set[url].as_str().unwrap()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{url}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embeds_cache_by_etag_answer_any_origin_and_frame_only_where_allowed() {
    let h = InProc::start(|_| {}).await;
    let (owner, token) = h.user("owner@example.com", false);
    let ws = h.workspace("Bakery", &owner);
    let loc = h.location(&ws, 1);
    let api = h.api().as_(&token);
    reviews(
        &h,
        &ws,
        &loc,
        h.clock.now() - time::Duration::hours(1),
        &[
            (
                "Ada",
                Rating::Stars(5),
                "Great <b>bread</b> & </script><script>alert(1)</script>",
            ),
            ("Bo", Rating::Stars(4), "Good"),
        ],
    );
    let (_, set) = api
        .post(
            &format!("/workspaces/{}/showcases", ws.id),
            json!({"name": "Site", "allowed_origins": ["https://shop.example.com"], "layout": "grid"}),
        )
        .await;
    let c = h.http();
    let json_url = local(&h, set["json_url"].as_str().unwrap());
    let r = c
        .get(&json_url)
        .header("origin", "https://elsewhere.example.org")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["count"], 2);
    assert_eq!(body["average"], 4.5);
    assert_eq!(body["entries"][0]["source_name"], "Google");
    assert_eq!(
        (&body["entries"][0]["author"], &body["entries"][0]["stars"]),
        (&json!("Bo"), &json!(4))
    );
    assert_eq!(body["entries"][1]["stars"], 5, "newest first");
    let again = c
        .get(&json_url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    // The iframe page: framed only by the listed site (and the set's own page), no script.
    let frame = c
        .get(local(&h, set["frame_url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(frame.status(), StatusCode::OK);
    let csp = frame.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("frame-ancestors 'self' https://shop.example.com"),
        "{csp}"
    );
    assert!(
        !csp.contains("script-src"),
        "default-src 'none' forbids scripts: {csp}"
    );
    assert!(frame.headers().get("x-frame-options").is_none());
    assert!(frame.headers().get("set-cookie").is_none());
    let html = frame.text().await.unwrap();
    assert!(
        !html.contains("<script"),
        "no JavaScript in the iframe embed"
    );
    assert!(!html.contains("<b>bread"), "review text is escaped");
    assert!(html.contains("sc-grid"));
    // A query picks another layout for one embed.
    let badge = crate::support::get_text(
        &c,
        format!(
            "{}?layout=badge",
            local(&h, set["frame_url"].as_str().unwrap())
        ),
    )
    .await;
    assert!(
        badge.contains("4.5") && badge.contains("from 2 reviews"),
        "{badge}"
    );

    // The script: one file, small when gzipped, cacheable, no cookie.
    let js = c
        .get(local(&h, set["script_url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(js.status(), StatusCode::OK);
    assert!(
        js.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert!(js.headers().get("etag").is_some() && js.headers().get("set-cookie").is_none());
    let src = js.bytes().await.unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&src).unwrap();
    let size = gz.finish().unwrap().len();
    assert!(size < 10 * 1024, "{size} bytes gzipped");
    let text = String::from_utf8_lossy(&src);
    assert!(text.contains("attachShadow") && text.contains("credentials: \"omit\""));
    assert!(!text.contains("innerHTML"), "text is set as text");

    // The wall: no JSON-LD for third-party reviews, even when asked for.
    let sid = set["id"].as_str().unwrap();
    api.patch(
        &format!("/workspaces/{}/showcases/{sid}", ws.id),
        json!({"json_ld": true}),
    )
    .await;
    let wall = c
        .get(local(&h, set["wall_url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert!(
        wall.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    let wall = wall.text().await.unwrap();
    assert!(wall.contains("Bakery") && wall.contains("Good"));
    assert!(
        !wall.contains("application/ld+json"),
        "no markup of Google reviews"
    );

    // Unknown or forged keys: 404, JSON for JSON.
    for bad in [
        "/s/nope.json",
        "/s/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.json",
    ] {
        let r = c.get(format!("{}{bad}", h.url)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], "not_found");
    }
}
