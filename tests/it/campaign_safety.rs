//! Campaigns that cannot misfire: the frequency cap across campaigns (against a real SMTP
//! server), the refusals while the footer's address or the review links are missing, the
//! preview's count, and drafts deleted, schedules cancelled.

use crate::campaigns::{campaign_harness, dkim_key};
use crate::support::{Smtp, eventually};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_campaigns_in_two_minutes_ask_one_customer_once() {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(tmp.path());
    let (key, _) = dkim_key(tmp.path());
    let h = campaign_harness(&smtp, &key).await;
    let (owner, token) = h.user("owner@agency.example", false);
    let w = h.workspace("Bakery", &owner);
    let ws = w.id.to_string();
    let api = h.api().as_(&token);
    let (s, loc) = api
        .post(
            &format!("/workspaces/{ws}/locations"),
            json!({"name": "Main St", "timezone": "UTC",
                   "google_review_url": "https://g.page/r/bakery/review"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{loc}");
    api.post(
        &format!("/workspaces/{ws}/contacts"),
        json!([{"email": "ana@example.net", "name": "Ana", "location": loc["id"]}]),
    )
    .await;
    let mut ids = Vec::new();
    for n in 0..4 {
        let (s, c) = api
            .post(
                &format!("/workspaces/{ws}/campaigns"),
                json!({"name": format!("Ask {n}")}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        let cid = c["id"].as_str().unwrap().to_string();
        let (s, v) = api
            .post(&format!("/workspaces/{ws}/campaigns/{cid}/send"), json!({}))
            .await;
        assert_eq!(s, StatusCode::ACCEPTED, "{v}");
        ids.push(cid);
        // Thirty seconds apart on the server's clock: four campaigns in two minutes.
        h.clock.advance(time::Duration::seconds(30));
        h.run_jobs().await;
    }
    assert!(eventually(Duration::from_secs(20), || !smtp.messages().is_empty()).await);
    h.run_jobs().await;
    let to_ana = smtp
        .messages()
        .iter()
        .filter(|m| m.contains("ana@example.net"))
        .count();
    assert_eq!(to_ana, 1, "one message for four campaigns");
    let mut queued = 0;
    for cid in &ids {
        let (_, c) = api.get(&format!("/workspaces/{ws}/campaigns/{cid}")).await;
        queued += c["counts"]["queued"].as_u64().unwrap();
        assert_eq!(c["status"], "done", "{c}");
    }
    assert_eq!(queued, 1, "only the first campaign queued her");
    // The cap is the workspace's: 90 days unless changed; a campaign may set its own.
    let (_, settings) = api
        .get(&format!("/workspaces/{ws}/feedback-settings"))
        .await;
    assert_eq!(settings["ask_cap_days"], 90, "{settings}");
    let (s, c) = api
        .post(
            &format!("/workspaces/{ws}/campaigns"),
            json!({"name": "Again", "not_asked_days": 0}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let (_, p) = api
        .get(&format!(
            "/workspaces/{ws}/campaigns/{}/preview",
            c["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(p["audience"]["will_mail"], 1, "{p}");
    assert_eq!(p["email"]["to"], "ana@example.net", "{p}");
    let (_, p) = api
        .get(&format!("/workspaces/{ws}/campaigns/{}/preview", ids[3]))
        .await;
    assert!(
        p["email"].is_null(),
        "a finished campaign previews nobody: {p}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_without_address_or_review_link_is_refused_until_fixed_or_confirmed() {
    let h = crate::inproc::InProc::start(|c| c.outbox.poll_interval_ms = 600_000).await;
    let (_, token) = h.user("owner@agency.example", false);
    let api = h.api().as_(&token);
    let (_, w) = api.post("/workspaces", json!({"name": "Café"})).await;
    let ws = w["id"].as_str().unwrap().to_string();
    let (_, loc) = api
        .post(
            &format!("/workspaces/{ws}/locations"),
            json!({"name": "Quay", "timezone": "UTC"}),
        )
        .await;
    let loc = loc["id"].as_str().unwrap().to_string();
    api.post(
        &format!("/workspaces/{ws}/contacts"),
        json!([{"email": "a@example.net", "location": loc},
               {"email": "b@example.net", "location": loc}]),
    )
    .await;
    let (_, c) = api
        .post(
            &format!("/workspaces/{ws}/campaigns"),
            json!({"name": "Spring"}),
        )
        .await;
    let cid = c["id"].as_str().unwrap().to_string();
    let path = format!("/workspaces/{ws}/campaigns/{cid}");
    let (_, p) = api.get(&format!("{path}/preview")).await;
    let fields: Vec<&str> = p["blockers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["postal_address", "review_link"], "{p}");
    assert_eq!(p["audience"]["will_mail"], 2, "{p}");
    assert!(
        p["email"]["text"].as_str().unwrap().contains("/f/preview"),
        "{p}"
    );
    // No address: refused, even with the review-link waiver.
    for q in ["", "?without_review_link=true"] {
        let (s, e) = api.post(&format!("{path}/send{q}"), json!({})).await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        assert!(
            e["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("postal_address"),
            "{e}"
        );
    }
    let settings_path = format!("/workspaces/{ws}/feedback-settings");
    let (_, mut settings) = api.get(&settings_path).await;
    settings["postal_address"] = json!("4 Quay Road, Harbourtown");
    let (s, _) = api.call(Method::PUT, &settings_path, Some(settings)).await;
    assert_eq!(s, StatusCode::OK);
    // The review link: refused unless the sender confirms the warning.
    let (s, e) = api.post(&format!("{path}/send"), json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("review_link: Quay has no public review link"),
        "{e}"
    );
    let (_, c) = api.get(&path).await;
    assert_eq!(c["status"], "draft", "nothing was sent: {c}");
    let (s, c) = api
        .post(&format!("{path}/send?without_review_link=true"), json!({}))
        .await;
    assert_eq!(
        (s, c["status"].as_str()),
        (StatusCode::ACCEPTED, Some("sending"))
    );
    // A sent campaign keeps its record; a draft can be deleted, a schedule cancelled.
    let (s, _) = api.call(Method::DELETE, &path, None).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let later = (plaudit::Clock::now(&h.clock) + time::Duration::days(2))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let (_, c2) = api
        .post(
            &format!("/workspaces/{ws}/campaigns"),
            json!({"name": "Later", "send_at": later}),
        )
        .await;
    let p2 = format!("/workspaces/{ws}/campaigns/{}", c2["id"].as_str().unwrap());
    let (_, c) = api
        .post(&format!("{p2}/send?without_review_link=true"), json!({}))
        .await;
    assert_eq!(c["status"], "scheduled", "{c}");
    let (s, c) = api.post(&format!("{p2}/cancel"), json!({})).await;
    assert_eq!(
        (s, c["status"].as_str()),
        (StatusCode::OK, Some("draft")),
        "{c}"
    );
    let (s, _) = api.call(Method::DELETE, &p2, None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = api.get(&p2).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_the_relay_defers_waits_for_it_and_is_never_shown_delivered() {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(tmp.path());
    std::fs::create_dir_all(&smtp.maildir).unwrap();
    std::fs::write(smtp.maildir.join("DEFER"), "").unwrap();
    let (key, _) = dkim_key(tmp.path());
    let h = campaign_harness(&smtp, &key).await;
    let (page, _) = crate::pages::signed_in(&h, "Ana").await;
    let email = plaudit::domain::Email::parse("ana@example.com").unwrap();
    let mut admin = h.store.users().by_email(&email).unwrap().unwrap();
    admin.instance_admin = true;
    h.store.users().put(&admin).unwrap();
    let w = h.workspace("Bakery", &admin);
    h.add(&w, &admin, plaudit::domain::Role::Owner);
    let now = plaudit::Clock::now(&h.clock);
    let (token, _) = h.keys.issue(&h.store, &admin.id, "127.0.0.1", now).unwrap();
    let api = h.api().as_(&token);
    let ws = w.id.to_string();
    let (_, loc) = api
        .post(
            &format!("/workspaces/{ws}/locations"),
            json!({"name": "Main St", "timezone": "UTC",
                   "google_review_url": "https://g.page/r/bakery/review"}),
        )
        .await;
    api.post(
        &format!("/workspaces/{ws}/contacts"),
        json!([{"email": "bo@example.net", "location": loc["id"]},
               {"email": "cy@example.net", "location": loc["id"]}]),
    )
    .await;
    let (_, c) = api
        .post(
            &format!("/workspaces/{ws}/campaigns"),
            json!({"name": "Spring"}),
        )
        .await;
    let cid = c["id"].as_str().unwrap().to_string();
    let (s, _) = api
        .post(&format!("/workspaces/{ws}/campaigns/{cid}/send"), json!({}))
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    h.run_jobs().await;
    assert!(smtp.messages().is_empty(), "the relay deferred everything");
    let get = |path: String| {
        let page = page.clone();
        async move {
            let r = page.get(path).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            r.text().await.unwrap()
        }
    };
    let base = format!("{}/w/{ws}", h.url);
    // The outbox's first try may still be on its way to the relay when the jobs go idle on a
    // loaded machine: the page says so once the relay has answered.
    let detail = crate::support::until_ok(
        std::time::Duration::from_secs(10),
        "the relay's deferral shown",
        async || {
            let d = get(format!("{base}/campaigns/{cid}")).await;
            if d.contains("waiting for the mail relay") {
                Ok(d)
            } else {
                Err("not yet")
            }
        },
    )
    .await;
    for shown in [
        "waiting for the mail relay",
        "Mail is not going out",
        "(451): 4.7.1",
        "Next try:",
    ] {
        assert!(detail.contains(shown), "{shown:?} missing: {detail}");
    }
    assert!(!detail.contains(">delivered<"), "{detail}");
    let list = get(format!("{base}/campaigns")).await;
    assert!(list.contains("id=\"relay-banner\""), "{list}");
    assert!(list.contains("waiting for the mail relay"), "{list}");
    let overview = get(base.clone()).await;
    assert!(
        overview.contains("Campaign mail is waiting for the mail relay"),
        "{overview}"
    );
    let mail = get(format!("{}/admin/mail", h.url)).await;
    assert!(mail.contains("id=\"relay-banner\""), "{mail}");
    assert!(
        mail.contains("(451): 4.7.1"),
        "the outbox's last errors: {mail}"
    );
    assert!(mail.contains("Oldest message waiting: 20"), "{mail}");

    // The relay takes mail again: after the next try, delivered and no banner.
    std::fs::remove_file(smtp.maildir.join("DEFER")).unwrap();
    h.clock.advance(time::Duration::hours(2));
    h.run_jobs().await;
    assert!(eventually(Duration::from_secs(20), || smtp.messages().len() == 2).await);
    h.run_jobs().await;
    let detail = get(format!("{base}/campaigns/{cid}")).await;
    assert!(!detail.contains("Mail is not going out"), "{detail}");
    assert!(!detail.contains("waiting for the mail relay"), "{detail}");
    assert!(detail.contains("delivered"), "{detail}");
    let overview = get(base).await;
    assert!(
        !overview.contains("waiting for the mail relay"),
        "{overview}"
    );
    assert!(overview.contains("2 delivered"), "{overview}");
}
