//! The crash tests' shared scene: a diner with a Google location and a Facebook page at the
//! fake providers, connected and mapped; activity stirred between kills (a new review, replies
//! written, syncs asked for); and what must hold afterwards about the replies.

use crate::caller::Api;
use crate::providers::{Control, all_items, connect, map, served};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The diner at the fake providers and in a workspace of Plaudit.
pub struct Diner {
    pub ws: String,
    /// The Google location's name at the provider.
    pub gname: String,
    /// The Google and Facebook connections.
    pub g: String,
    pub f: String,
    /// Items a reply may be written to (comments, Google reviews), taken from the end.
    pub targets: Vec<String>,
    /// The replies Plaudit acknowledged (202).
    pub acknowledged: BTreeSet<String>,
}

impl Diner {
    /// Makes the diner at the providers (`reviews` Google reviews, a Facebook page with
    /// comments) and in a new workspace through `api`, whose server's public URL is `public`;
    /// connects and maps both, and waits for their first syncs.
    pub async fn open(api: &Api, control: &Control, public: &str, reviews: u32) -> Self {
        let gname = control
            .post(
                "google/locations",
                json!({"title": "Diner", "reviews": reviews, "seed": 11}),
            )
            .await["name"]
            .as_str()
            .unwrap()
            .to_string();
        let page = control
            .post(
                "facebook/pages",
                json!({"name": "Diner FB", "ratings": 10, "posts": 6, "comments": 12, "tagged": 2, "seed": 5}),
            )
            .await["id"]
            .as_str()
            .unwrap()
            .to_string();
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
        let g = connect(api, &ws, "google", public, public).await;
        let f = connect(api, &ws, "facebook", public, public).await;
        for (conn, ext) in [(&g, &gname), (&f, &page)] {
            let ticket = map(api, &ws, conn, ext, &loc).await;
            served(api, &ws, conn, ticket).await;
        }
        let targets = all_items(api, &ws, "")
            .await
            .iter()
            .filter(|i| {
                i["kind"] == "comment" || (i["source"] == "google" && i["kind"] == "review")
            })
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect();
        Self {
            ws,
            gname,
            g,
            f,
            targets,
            acknowledged: BTreeSet::new(),
        }
    }

    /// One cycle's activity, asked of `api`: a new Google review, two replies, a sync of
    /// each connection.
    pub async fn stir(&mut self, api: &Api, control: &Control, cycle: usize) {
        let ws = &self.ws;
        control
            .post(
                "google/reviews",
                json!({"location": self.gname, "action": "add", "text": format!("visit {cycle}")}),
            )
            .await;
        for _ in 0..2 {
            let Some(target) = self.targets.pop() else {
                break;
            };
            let (s, _) = api
                .post(
                    &format!("/workspaces/{ws}/items/{target}/reply"),
                    json!({"text": format!("Thanks! ({cycle})")}),
                )
                .await;
            if s == StatusCode::ACCEPTED {
                self.acknowledged.insert(target);
            }
        }
        for conn in [&self.g, &self.f] {
            let _ = api
                .post(
                    &format!("/workspaces/{ws}/connections/{conn}/sync"),
                    json!({}),
                )
                .await;
        }
    }

    /// Replies still on their way to the providers.
    pub async fn replies_sending(&self, api: &Api) -> usize {
        all_items(api, &self.ws, "")
            .await
            .iter()
            .filter(|i| i["reply"]["state"] == "sending")
            .count()
    }

    /// Every acknowledged reply published — Facebook's exactly once, Google's at least once
    /// (its PUT replaces) — and Facebook holds no reply Plaudit does not know of.
    pub async fn assert_replies_landed(&self, api: &Api, control: &Control) {
        let ws = &self.ws;
        let state = control.state().await;
        let counts = &state["counts"];
        for target in &self.acknowledged {
            let (_, i) = api.get(&format!("/workspaces/{ws}/items/{target}")).await;
            assert_eq!(
                i["reply"]["state"], "published",
                "an acknowledged reply was lost: {i}"
            );
            let ext = i["external_id"].as_str().unwrap();
            if i["source"] == "facebook" {
                assert_eq!(counts["facebook_replies"][ext], 1, "exactly once: {ext}");
            } else {
                assert!(
                    counts["google_reply_puts"][ext].as_u64().unwrap() >= 1,
                    "{ext}"
                );
            }
        }
        let items = all_items(api, ws, "").await;
        assert!(
            !items.iter().any(|i| i["reply"]["state"] == "failed"),
            "a reply failed"
        );
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
        assert_eq!(
            known, fb_published,
            "a Facebook reply Plaudit does not know of"
        );
    }

    /// After one more sync of Google: every review there once here, and no item twice.
    pub async fn assert_items_match(&self, api: &Api, control: &Control) {
        crate::providers::sync(api, &self.ws, &self.g).await;
        let items = all_items(api, &self.ws, "").await;
        let state = control.state().await;
        assert_eq!(
            items.iter().filter(|i| i["source"] == "google").count() as u64,
            state["google_locations"][0]["reviews"].as_u64().unwrap(),
            "every review, once"
        );
        let external: BTreeSet<&str> = items
            .iter()
            .map(|i| i["external_id"].as_str().unwrap())
            .collect();
        assert_eq!(external.len(), items.len(), "no item twice");
    }

    /// The items of the diner's workspace.
    pub async fn items(&self, api: &Api) -> Vec<Value> {
        all_items(api, &self.ws, "").await
    }
}
