//! Campaign controls (schedule, daily cap, pause, resume, reminder), the public feedback page
//! (no review gating, scales, hostile input), low-score alerts and header injection attempts.

use crate::inproc::{InProc, PUBLIC_URL};
use crate::support::token_in;
use crate::support::{Smtp, eventually_async};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

async fn smtp_harness(smtp: &Smtp) -> InProc {
    let port = smtp.port;
    InProc::start(move |c| {
        c.smtp.host = Some("127.0.0.1".into());
        c.smtp.port = port;
        c.smtp.security = plaudit::config::SmtpSecurity::None;
        c.smtp.from = "Reviews <reviews@shop.example>".into();
        c.smtp.unsubscribe_mailto = Some("unsubscribe@shop.example".into());
    })
    .await
}

/// The header block of a raw message, unfolded: (name, value) per header.
fn headers(raw: &str) -> Vec<(String, String)> {
    let head = raw.split("\r\n\r\n").next().unwrap();
    let mut out: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            out.last_mut().unwrap().1.push_str(line);
        } else {
            let (k, v) = line.split_once(':').unwrap_or((line, ""));
            out.push((k.to_string(), v.to_string()));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_subjects_and_templates_cannot_add_a_header() {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(tmp.path());
    let h = smtp_harness(&smtp).await;
    let (owner, t) = h.user("owner@agency.example", false);
    let w = h.workspace("Shop", &owner);
    let ws = w.id.to_string();
    let api = h.api().as_(&t);
    // Raw line breaks in one-line fields are refused at the door (the API's schema says so)…
    let settings = json!({
        "sender_name": "Shop",
        "subject": "Hi {name}",
        "body_text": "Hello {first_name}\r\n\r\nX-Injected: body\r\n{feedback_link}",
        "body_html": "<p>Hi {name}</p>\r\nX-Injected: html",
        "brand_color": "#123456",
        "postal_address": "1 Road",
        "scale": "stars",
    });
    for (field, value) in [
        ("sender_name", "Shop\r\nReply-To: evil@attacker.example"),
        ("subject", "Hi {name}\r\nX-Injected: subject"),
        ("postal_address", "1 Road\r\nX-Injected: address"),
    ] {
        let mut body = settings.clone();
        body[field] = json!(value);
        let (s, v) = api
            .call(
                Method::PUT,
                &format!("/workspaces/{ws}/feedback-settings"),
                Some(body),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {v}");
        assert!(
            v["error"]["message"].as_str().unwrap().starts_with(field),
            "{v}"
        );
    }
    // …and what passes the door (a Unicode line separator, an encoded word spelling a line
    // break) still cannot add a header once in the mail.
    let mut body = settings.clone();
    body["sender_name"] = json!("Shop\u{2028}Reply-To: evil@attacker.example");
    body["subject"] =
        json!("Hi {name}\u{2028}X-Injected: subject =?utf-8?q?=0D=0ABcc:_x@attacker.example?=");
    body["postal_address"] = json!("1 Road\u{2028}X-Injected: address");
    let (s, v) = api
        .call(
            Method::PUT,
            &format!("/workspaces/{ws}/feedback-settings"),
            Some(body),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let names = [
        "Eve\r\nBcc: victim@attacker.example",
        "=?utf-8?q?Eve=0D=0ABcc:_victim@attacker.example?=",
        "Eve\nX-Injected: 1",
        "\"Eve\" <x@attacker.example>, Bcc: y@attacker.example",
        "Ève 😀 \u{2028}X-Injected: 2",
    ];
    let contacts: Vec<Value> = names
        .iter()
        .enumerate()
        .map(|(i, n)| json!({"email": format!("p{i}@example.net"), "name": n}))
        .collect();
    let (s, r) = api
        .post(
            &format!("/workspaces/{ws}/contacts"),
            Value::Array(contacts),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["created"], names.len());
    let (_, c) = api
        .post(
            &format!("/workspaces/{ws}/campaigns"),
            json!({"name": "Inject\u{2028}X-Injected: name"}),
        )
        .await;
    let cid = c["id"].as_str().unwrap();
    api.post(
        &format!("/workspaces/{ws}/campaigns/{cid}/send?without_review_link=true"),
        json!({}),
    )
    .await;
    assert!(
        eventually_async(Duration::from_secs(30), async || smtp.messages().len()
            >= names.len())
        .await
    );
    let allowed = [
        "from",
        "to",
        "subject",
        "message-id",
        "date",
        "list-unsubscribe",
        "list-unsubscribe-post",
        "x-plaudit-workspace",
        "x-plaudit-campaign",
        "x-plaudit-contact",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
    ];
    for raw in smtp.messages() {
        let hs = headers(&raw);
        for (name, value) in &hs {
            assert!(
                allowed.contains(&name.to_ascii_lowercase().as_str()),
                "extra header {name}:{value} in\n{raw}"
            );
        }
        let mut seen: Vec<String> = hs.iter().map(|(n, _)| n.to_ascii_lowercase()).collect();
        seen.sort();
        let before = seen.len();
        seen.dedup();
        assert_eq!(before, seen.len(), "a header appears twice:\n{raw}");
        let to = &hs.iter().find(|(n, _)| n == "To").unwrap().1;
        assert_eq!(
            to.matches('@').count() - to.matches("attacker.example").count(),
            1,
            "{to}"
        );
        assert!(to.contains("@example.net>"), "one recipient: {to}");
        let from = &hs.iter().find(|(n, _)| n == "From").unwrap().1;
        assert!(from.ends_with("<reviews@shop.example>"), "{from}");
        let lu = &hs.iter().find(|(n, _)| n == "List-Unsubscribe").unwrap().1;
        assert!(lu.contains(&format!("<{PUBLIC_URL}/u/")), "{lu}");
        assert!(
            lu.contains("<mailto:unsubscribe@shop.example?subject=unsubscribe>"),
            "{lu}"
        );
    }
}

/// A campaign "Ask" sent to the workspace's contacts: its id and the queued mail, once the
/// worker has queued `n` campaign messages (the outbox keeps them: these tests poll it slowly).
pub async fn ask(
    h: &InProc,
    api: &crate::caller::Api,
    ws: &str,
    n: usize,
) -> (String, Vec<plaudit::domain::OutboxMessage>) {
    // A postal address for the footer, if the test's workspace has none yet.
    let settings_path = format!("/workspaces/{ws}/feedback-settings");
    let (_, mut settings) = api.get(&settings_path).await;
    if settings["postal_address"] == "" {
        settings["postal_address"] = json!("1 Test Street");
        let (s, v) = api
            .call(reqwest::Method::PUT, &settings_path, Some(settings))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (_, c) = api
        .post(
            &format!("/workspaces/{ws}/campaigns"),
            // Asks again whoever an earlier test step asked (no frequency cap).
            json!({"name": "Ask", "not_asked_days": 0}),
        )
        .await;
    let cid = c["id"].as_str().unwrap().to_string();
    api.post(
        &format!("/workspaces/{ws}/campaigns/{cid}/send?without_review_link=true"),
        json!({}),
    )
    .await;
    let store = h.store.clone();
    let queued = move || {
        store
            .outbox()
            .all()
            .unwrap()
            .iter()
            .filter(|m| m.campaign.is_some())
            .count()
    };
    assert!(eventually_async(Duration::from_secs(20), async || queued() >= n).await);
    (cid, h.store.outbox().all().unwrap())
}

async fn setup_shop(h: &InProc, token: &str) -> (String, String) {
    let api = h.api().as_(token);
    let (_, w) = api.post("/workspaces", json!({"name": "Café"})).await;
    let ws = w["id"].as_str().unwrap().to_string();
    let (s, loc) = api
        .post(
            &format!("/workspaces/{ws}/locations"),
            json!({"name": "Café <b>Central</b>", "timezone": "UTC",
                   "google_review_url": "https://g.page/r/cafe/review",
                   "facebook_page_url": "https://www.facebook.com/cafecentral"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{loc}");
    let address = json!({"sender_name": "Café", "subject": "How was {location}?",
        "body_text": "Hi {first_name},\n\n{feedback_link}", "brand_color": "#2563eb",
        "postal_address": "2 Place du Marché, Lyon", "scale": "stars"});
    let (s, v) = api
        .call(
            reqwest::Method::PUT,
            &format!("/workspaces/{ws}/feedback-settings"),
            Some(address),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    (ws, loc["id"].as_str().unwrap().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feedback_page_never_gates_reviews_and_low_scores_alert_the_managers() {
    let h = InProc::start(|c| {
        // Keep queued mail in the outbox (sending clears its text): this test reads it there.
        c.outbox.poll_interval_ms = 600_000;
    })
    .await;
    let (_, t) = h.user("owner@agency.example", false);
    let api = h.api().as_(&t);
    let (ws, loc) = setup_shop(&h, &t).await;
    let (_, r) = api
        .post(
            &format!("/workspaces/{ws}/contacts"),
            json!([{"email": "ana@example.net", "name": "Ana", "location": loc},
                   {"email": "bo@example.net", "name": "Bo", "location": loc}]),
        )
        .await;
    assert_eq!(r["created"], 2, "{r}");
    // A hostile name (the edge would refuse it in a request; an import or a till may not).
    let ws_id = ws.parse().unwrap();
    let email = plaudit::domain::Email::parse("ana@example.net").unwrap();
    let mut ana = h
        .store
        .contacts()
        .by_email(&ws_id, &email)
        .unwrap()
        .unwrap();
    ana.name = "Ana <script>alert(1)</script>".into();
    h.store.contacts().put(&ana).unwrap();
    let (cid, mail) = ask(&h, &api, &ws, 2).await;
    let ana = mail
        .iter()
        .find(|m| m.to.contains("<ana@example.net>"))
        .unwrap();
    assert!(
        !ana.html.as_ref().unwrap().contains("<script>"),
        "names are escaped in HTML mail"
    );
    let token = token_in(&ana.text, "/f/");
    let http = h.http();
    let page_url = format!("{}/f/{token}", h.url);

    let page = http.get(&page_url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers().get("set-cookie").is_none());
    let body = page.text().await.unwrap();
    assert!(
        body.contains("https://g.page/r/cafe/review")
            && body.contains("https://www.facebook.com/cafecentral")
    );
    assert!(
        body.contains("Central") && !body.contains("<b>Central"),
        "{body}"
    );
    assert!(!body.contains("<script>alert(1)"));

    // Out of range: a readable refusal, nothing stored.
    let r = http
        .post(&page_url)
        .form(&[("score", "9"), ("comment", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("from 1 to 5"));
    // The worst score still sees the public review links: no gating.
    let hostile = "Coffee <3 & \"cold\" \u{0}— 2 > 1";
    let r = http
        .post(&page_url)
        .form(&[("score", "1"), ("comment", hostile)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let thanks = r.text().await.unwrap();
    assert!(thanks.contains("Thank you"));
    assert!(
        thanks.contains("https://g.page/r/cafe/review")
            && thanks.contains("https://www.facebook.com/cafecentral")
    );
    assert!(
        thanks.contains("Coffee ") && !thanks.contains("Coffee <3"),
        "{thanks}"
    );

    let (_, fb) = api.get(&format!("/workspaces/{ws}/feedback")).await;
    assert_eq!(fb["items"].as_array().unwrap().len(), 1, "{fb}");
    assert_eq!(fb["items"][0]["score"], 1);
    assert_eq!(fb["items"][0]["comment"], "Coffee <3 & \"cold\" — 2 > 1");
    // Publishing needs the customer's consent: off by default, offered, not ticked here.
    assert!(
        body.contains("name=\"publish\" value=\"1\">"),
        "offered, unticked: {body}"
    );
    assert_eq!(fb["items"][0]["publish_consent"], Value::Null, "{fb}");
    // The managers heard of it by email, with the comment as text.
    let alert = h
        .store
        .outbox()
        .all()
        .unwrap()
        .into_iter()
        .find(|m| m.to == "owner@agency.example")
        .expect("an alert to the owner");
    assert!(alert.subject.contains("1 of 5 stars"), "{}", alert.subject);
    let html = alert.html.unwrap();
    assert!(
        html.contains("Coffee ") && !html.contains("Coffee <3"),
        "{html}"
    );
    // Changing one's mind replaces the answer; this time they agree to its publication, and
    // the words they ticked are kept with it.
    let r = http
        .post(&page_url)
        .form(&[
            ("score", "5"),
            ("comment", "better after all"),
            ("publish", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("name=\"publish\" value=\"1\" checked>"),
        "the box stays ticked"
    );
    let (_, fb) = api.get(&format!("/workspaces/{ws}/feedback")).await;
    assert_eq!(fb["items"].as_array().unwrap().len(), 1);
    assert_eq!(fb["items"][0]["score"], 5);
    let consent = fb["items"][0]["publish_consent"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        consent.contains("may show my rating and comment"),
        "{consent}"
    );
    let (_, got) = api.get(&format!("/workspaces/{ws}/campaigns/{cid}")).await;
    assert_eq!(got["counts"]["clicked"], 1, "{got}");
    assert_eq!(got["counts"]["rated"], 1, "{got}");
    assert_eq!(got["counts"]["opened"], 0, "tracking is off by default");

    // NPS: 0 to 10.
    let (s, v) = api
        .call(
            Method::PUT,
            &format!("/workspaces/{ws}/feedback-settings"),
            Some(
                json!({"sender_name": "Café", "subject": "Hi", "body_text": "{feedback_link}",
                        "brand_color": "#000000", "scale": "nps"}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let bo = mail
        .iter()
        .find(|m| m.to.contains("<bo@example.net>"))
        .unwrap();
    let bo_url = format!("{}/f/{}", h.url, token_in(&bo.text, "/f/"));
    let r = http
        .post(&bo_url)
        .form(&[("score", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = http
        .post(&bo_url)
        .form(&[("score", "11")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // Someone else's page, a forged token: the generic answer.
    let r = http
        .get(format!("{}/f/{}x", h.url, token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let unsub = token_in(&bo.text, "/u/");
    let r = http
        .get(format!("{}/f/{unsub}", h.url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        404,
        "an unsubscribe token does not open the feedback page"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedule_daily_cap_pause_resume_and_one_reminder() {
    let h = InProc::start(|_| {}).await;
    let (owner, t) = h.user("owner@agency.example", false);
    // Sessions last hours and this test moves the clock by days: a fresh one for each call.
    let api = || {
        let now = plaudit::Clock::now(&h.clock);
        let (t, _) = h.keys.issue(&h.store, &owner.id, "127.0.0.1", now).unwrap();
        h.api().as_(&t)
    };
    let (ws, loc) = setup_shop(&h, &t).await;
    let contacts: Vec<Value> = (0..10)
        .map(|n| json!({"email": format!("k{n}@example.net"), "location": loc}))
        .collect();
    api()
        .post(
            &format!("/workspaces/{ws}/contacts"),
            Value::Array(contacts),
        )
        .await;
    let later = (plaudit::Clock::now(&h.clock) + time::Duration::hours(2))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let (s, c) = api()
        .post(
            &format!("/workspaces/{ws}/campaigns"),
            json!({"name": "Capped", "daily_cap": 4, "reminder_days": 3, "send_at": later}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let cid = c["id"].as_str().unwrap().to_string();
    let path = format!("/workspaces/{ws}/campaigns/{cid}");
    let (s, c) = api()
        .post(&format!("{path}/send?without_review_link=true"), json!({}))
        .await;
    assert_eq!(
        (s, c["status"].as_str()),
        (StatusCode::ACCEPTED, Some("scheduled"))
    );
    let counts = async || api().get(&path).await.1;
    h.run_jobs().await;
    assert_eq!(counts().await["counts"]["queued"], 0, "not before its time");
    h.clock.advance(time::Duration::hours(3));
    assert!(
        eventually_async(
            Duration::from_secs(20),
            async || counts().await["counts"]["queued"] == 4
        )
        .await
    );
    h.run_jobs().await;
    assert_eq!(counts().await["counts"]["queued"], 4, "the daily cap holds");
    let (s, c) = api().post(&format!("{path}/pause"), json!({})).await;
    assert_eq!((s, c["status"].as_str()), (StatusCode::OK, Some("paused")));
    h.clock.advance(time::Duration::days(1));
    h.run_jobs().await;
    assert_eq!(
        counts().await["counts"]["queued"],
        4,
        "a paused campaign queues nothing"
    );
    let (s, _) = api().post(&format!("{path}/pause"), json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, c) = api().post(&format!("{path}/resume"), json!({})).await;
    assert_eq!((s, c["status"].as_str()), (StatusCode::OK, Some("sending")));
    assert!(
        eventually_async(
            Duration::from_secs(20),
            async || counts().await["counts"]["queued"] == 8
        )
        .await
    );
    h.clock.advance(time::Duration::days(1));
    assert!(
        eventually_async(Duration::from_secs(20), async || counts().await["status"]
            == "waiting_reminder")
        .await
    );
    assert_eq!(counts().await["counts"]["queued"], 10);
    assert!(
        eventually_async(
            Duration::from_secs(20),
            async || counts().await["counts"]["delivered"] == 10
        )
        .await
    );
    // A started campaign cannot be edited.
    let (s, _) = api()
        .call(Method::PUT, &path, Some(json!({"name": "Changed"})))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    // Three days after the first pass: one reminder each, up to the cap a day.
    h.clock.advance(time::Duration::days(3));
    assert!(
        eventually_async(
            Duration::from_secs(20),
            async || counts().await["counts"]["reminded"] == 4
        )
        .await
    );
    h.clock.advance(time::Duration::days(1));
    assert!(
        eventually_async(
            Duration::from_secs(20),
            async || counts().await["counts"]["reminded"] == 8
        )
        .await
    );
    h.clock.advance(time::Duration::days(1));
    assert!(
        eventually_async(Duration::from_secs(20), async || counts().await["status"]
            == "done")
        .await
    );
    assert_eq!(counts().await["counts"]["reminded"], 10);
    let reminders = h
        .store
        .outbox()
        .all()
        .unwrap()
        .into_iter()
        .filter(|m| m.subject.starts_with("Reminder: "))
        .count();
    assert_eq!(reminders, 10);
    // Bad input is refused with a reason.
    for bad in [
        json!({"name": ""}),
        json!({"name": "x", "daily_cap": 0}),
        json!({"name": "x", "location": "0123456789abcdef0123456789abcdef"}),
        json!({"name": "x", "send_at": "tomorrow"}),
        json!({"name": "x", "subject": "\r\n"}),
    ] {
        let (s, v) = api()
            .post(&format!("/workspaces/{ws}/campaigns"), bad.clone())
            .await;
        assert!(
            s == StatusCode::UNPROCESSABLE_ENTITY
                || s == StatusCode::BAD_REQUEST
                || s == StatusCode::NOT_FOUND,
            "{bad} → {s} {v}"
        );
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
}

/// Customers write prose: comments that merely look like code must reach the business, not be
/// refused by the edge guard.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_customer_comments_pass_the_edge_guard() {
    let h = InProc::start(|c| {
        c.outbox.poll_interval_ms = 600_000;
    })
    .await;
    let (_, t) = h.user("owner@agency.example", false);
    let api = h.api().as_(&t);
    let (ws, loc) = setup_shop(&h, &t).await;
    api.post(
        &format!("/workspaces/{ws}/contacts"),
        json!([{"email": "pat@example.net", "name": "Pat", "location": loc}]),
    )
    .await;
    let (_, mail) = ask(&h, &api, &ws, 1).await;
    let text = &mail.iter().find(|m| m.campaign.is_some()).unwrap().text;
    let url = format!("{}/f/{}", h.url, token_in(text, "/f/"));
    for comment in [
        "Loved it <3 <3",
        "I'd say 1=1 for the best croissant in town; drop by again!",
        "Service was slow -- 20 min -- but worth it",
        "Ask for Maria, she's great :) (ask her about the cake)",
        "50% off on Tuesdays? We'll be back & bring friends.",
        "Select the almond one, you won't regret it.",
        "Le café était excellent, l'accueil aussi ! 5/5",
        "コーヒーが美味しかったです。また来ます。",
        "Please email me at pat.smith@example.net about catering",
        "Order #1234 was wrong: I got 2 x latte instead of 1 x tea.",
        "Script for the kids' party was fun; the <b>best</b> day",
    ] {
        let r = h
            .http()
            .post(&url)
            .form(&[("score", "5"), ("comment", comment)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{comment:?} was refused");
    }
}

/// A bounce that comes back later as a delivery-status email is matched to its campaign
/// message by the X-Plaudit-* headers it quotes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn late_bounces_are_matched_back_and_suppress_the_address() {
    let h = InProc::start(|c| {
        c.outbox.poll_interval_ms = 600_000;
    })
    .await;
    let (_, t) = h.user("owner@agency.example", false);
    let api = h.api().as_(&t);
    let (ws, loc) = setup_shop(&h, &t).await;
    api.post(
        &format!("/workspaces/{ws}/contacts"),
        json!([{"email": "gone@example.net", "location": loc}, {"email": "busy@example.net", "location": loc}]),
    )
    .await;
    let (cid, mail) = ask(&h, &api, &ws, 2).await;
    let dsn = |to: &str, status: &str| {
        let m = mail.iter().find(|m| m.to.contains(to)).unwrap();
        let quoted: String = m
            .headers
            .iter()
            .map(|(k, v)| format!("{k}: {v}\r\n"))
            .collect();
        format!(
            "From: MAILER-DAEMON@relay.example\r\nSubject: Undelivered Mail Returned to Sender\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSorry.\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; relay.example\r\n\r\nFinal-Recipient: rfc822; {to}\r\nAction: {}\r\nStatus: {status}\r\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n--b\r\nContent-Type: text/rfc822-headers\r\n\r\nTo: {to}\r\n{quoted}\r\n--b--\r\n",
            if status.starts_with('5') {
                "failed"
            } else {
                "delayed"
            }
        )
    };
    let now = plaudit::Clock::now(&h.clock);
    let temp = plaudit::services::bounces::record(&h.store, &dsn("busy@example.net", "4.2.2"), now)
        .unwrap();
    assert_eq!(temp.kind, "temporary");
    let busy = plaudit::domain::Email::parse("busy@example.net").unwrap();
    let wsid = ws.parse().unwrap();
    assert!(
        h.store
            .contacts()
            .suppression(&wsid, &busy)
            .unwrap()
            .is_none()
    );
    // Through the CLI, to the running server's control socket.
    let file = h.dir.path().join("bounce.eml");
    std::fs::write(&file, dsn("gone@example.net", "5.1.1")).unwrap();
    let config = crate::support::write_config(h.dir.path(), "");
    let out = crate::support::plaudit(
        &[
            "admin",
            "bounce",
            file.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
        ],
        &[],
        None,
        h.dir.path(),
    );
    let (o, e) = crate::support::text(&out);
    assert_eq!(out.status.code(), Some(0), "{o}{e}");
    assert!(o.contains("permanent"), "{o}");
    let gone = plaudit::domain::Email::parse("gone@example.net").unwrap();
    assert_eq!(
        h.store
            .contacts()
            .suppression(&wsid, &gone)
            .unwrap()
            .unwrap()
            .reason,
        plaudit::domain::SuppressionReason::Bounced
    );
    let (_, got) = api.get(&format!("/workspaces/{ws}/campaigns/{cid}")).await;
    assert_eq!(got["counts"]["bounced"], 1, "{got}");
    // Anything else is refused clearly.
    std::fs::write(&file, "From: someone\r\nSubject: hello\r\n\r\nnot a bounce").unwrap();
    let out = crate::support::plaudit(
        &[
            "admin",
            "bounce",
            file.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
        ],
        &[],
        None,
        h.dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
}
