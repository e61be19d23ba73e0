//! Feedback campaigns against a real SMTP server (aiosmtpd), with every message checked by
//! tools we did not write: Python's MIME parser and dkimpy's DKIM verifier.

use crate::inproc::{InProc, PUBLIC_URL};
use crate::support::{Smtp, eventually};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A fresh RSA key as OpenSSL 3 writes it (PKCS#8) and its public half.
pub fn dkim_key(dir: &Path) -> (PathBuf, PathBuf) {
    let key = dir.join("dkim.pem");
    let public = dir.join("dkim.pub.pem");
    let ok = Command::new("openssl")
        .args(["genrsa", "-out"])
        .arg(&key)
        .arg("2048")
        .output()
        .unwrap();
    assert!(ok.status.success(), "{ok:?}");
    let ok = Command::new("openssl")
        .args(["rsa", "-pubout", "-in"])
        .arg(&key)
        .arg("-out")
        .arg(&public)
        .output()
        .unwrap();
    assert!(ok.status.success(), "{ok:?}");
    (key, public)
}

/// The JSON report of tests/support/check_mail.py over the received mail.
pub fn check_mail(smtp: &Smtp, public: &Path) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/check_mail.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(&smtp.maildir)
        .arg(public)
        .args(["mail", "shop.example"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

pub async fn campaign_harness(smtp: &Smtp, key: &Path) -> InProc {
    let (port, key) = (smtp.port, key.to_path_buf());
    InProc::start(move |c| {
        c.smtp.host = Some("127.0.0.1".into());
        c.smtp.port = port;
        c.smtp.security = plaudit::config::SmtpSecurity::None;
        c.smtp.from = "Reviews <reviews@shop.example>".into();
        c.smtp.pool_size = 8;
        c.smtp.dkim_domain = Some("shop.example".into());
        c.smtp.dkim_selector = Some("mail".into());
        c.smtp.dkim_key_file = Some(key);
        plaudit::mail::dkim::validate(&mut c.smtp).unwrap();
        c.outbox.concurrency = 8;
    })
    .await
}

fn unsubscribe_url(raw: &str, base: &str) -> String {
    let start = raw.find("List-Unsubscribe: <").unwrap() + "List-Unsubscribe: <".len();
    let end = start + raw[start..].find('>').unwrap();
    raw[start..end].replace(PUBLIC_URL, base)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_contact_campaign_is_delivered_signed_and_unsubscribe_sticks() {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(tmp.path());
    let (key, public) = dkim_key(tmp.path());
    let h = campaign_harness(&smtp, &key).await;
    let (owner, token) = h.user("owner@agency.example", false);
    let w = h.workspace("Bakery", &owner);
    let other = h.workspace("Other", &owner);
    let ws = w.id.to_string();
    let api = h.api().as_(&token);
    let (s, loc) = api
        .post(
            &format!("/workspaces/{ws}/locations"),
            json!({"name": "Bakery Main St", "timezone": "Europe/Paris",
                   "google_review_url": "https://g.page/r/bakery/review"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{loc}");
    let loc = loc["id"].as_str().unwrap().to_string();
    let (s, settings) = api
        .call(
            Method::PUT,
            &format!("/workspaces/{ws}/feedback-settings"),
            Some(json!({
                "sender_name": "Bakery on Main",
                "subject": "How was {location}, {first_name}?",
                "body_text": "Hi {first_name},\n\nHow was your visit?\n\n{feedback_link}\n\nThanks!",
                "brand_color": "#aa3300",
                "postal_address": "1 Main St, Springfield",
                "scale": "stars",
            })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{settings}");

    let contacts: Vec<Value> = (0..1000)
        .map(|n| json!({"email": format!("customer{n}@example.net"), "name": format!("Customer {n}"), "location": loc}))
        .collect();
    let (s, added) = api
        .post(
            &format!("/workspaces/{ws}/contacts"),
            Value::Array(contacts),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{added}");
    assert_eq!(added["created"], 1000);
    // The same address again (other case) updates instead of adding.
    let (_, again) = api
        .post(
            &format!("/workspaces/{ws}/contacts"),
            json!([{"email": "CUSTOMER7@example.net", "name": "Seven"}, {"email": "nope"}]),
        )
        .await;
    assert_eq!(again["created"], 0);
    assert_eq!(again["updated"], 1);
    assert_eq!(again["rejected"][0]["index"], 1);

    let (s, c) = api
        .post(
            &format!("/workspaces/{ws}/campaigns"),
            json!({"name": "Spring", "location": loc}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let cid = c["id"].as_str().unwrap().to_string();
    let (s, sent) = api
        .post(
            &format!("/workspaces/{ws}/campaigns/{cid}/send?without_review_link=true"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{sent}");
    assert!(
        eventually(Duration::from_secs(180), || smtp.messages().len() >= 1000).await,
        "only {} messages arrived",
        smtp.messages().len()
    );
    // Nothing more goes out once every job is idle.
    h.run_jobs().await;
    let report = check_mail(&smtp, &public);
    assert_eq!(report["count"], 1000, "exactly 1,000 messages");
    let problems = report["problems"].as_array().unwrap();
    assert!(
        problems.is_empty(),
        "{:?}",
        &problems[..problems.len().min(5)]
    );
    let mut to: Vec<&str> = report["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    to.sort();
    to.dedup();
    assert_eq!(to.len(), 1000, "one message per contact");

    // The funnel counts what happened.
    let (_, got) = api.get(&format!("/workspaces/{ws}/campaigns/{cid}")).await;
    assert_eq!(got["counts"]["queued"], 1000, "{got}");
    assert_eq!(got["counts"]["delivered"], 1000, "{got}");
    assert_eq!(got["counts"]["bounced"], 0, "{got}");
    assert_eq!(got["status"], "done", "{got}");

    // One-click unsubscribe: 200, no redirect, no cookie, durable.
    let raw = smtp
        .messages()
        .into_iter()
        .find(|m| {
            m.contains("To: \"Customer 42\" <customer42@example.net>")
                || m.contains("customer42@example.net")
        })
        .unwrap();
    let url = unsubscribe_url(&raw, &h.url);
    let http = h.http();
    let page = http.get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Unsubscribe"));
    let (_, before) = api
        .get(&format!("/workspaces/{ws}/contacts?limit=200"))
        .await;
    assert!(
        before["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["suppressed"].is_null()),
        "a GET must change nothing"
    );
    let r = http
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("location").is_none());
    assert!(r.headers().get("set-cookie").is_none());
    assert!(r.text().await.unwrap().contains("You are unsubscribed"));
    // Opening the link again says so, rather than asking again.
    let again = http.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(again.contains("You are already unsubscribed"), "{again}");
    assert!(!again.contains("<form"), "{again}");
    let suppressed = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| !c["suppressed"].is_null())
            .map(|c| c["email"].as_str().unwrap().to_string())
            .collect()
    };
    let mut all = Vec::new();
    let mut cursor = String::new();
    loop {
        let (_, page) = api
            .get(&format!(
                "/workspaces/{ws}/contacts?limit=200&cursor={cursor}"
            ))
            .await;
        all.extend(suppressed(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }
    assert_eq!(all, vec!["customer42@example.net".to_string()]);

    // Tampered, truncated, wrong-kind and other-workspace tokens: one generic answer, no change.
    let token = url.rsplit('/').next().unwrap().to_string();
    let mut flipped = token.clone().into_bytes();
    flipped[10] = if flipped[10] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    let feedback_token = {
        let start = raw.find("/f/").unwrap() + 3;
        raw[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect::<String>()
    };
    let link = plaudit::mail::signed_links::verify(
        &h.store,
        plaudit::mail::signed_links::LinkKind::Unsubscribe,
        &token,
    )
    .unwrap()
    .unwrap();
    let foreign = plaudit::mail::signed_links::sign(
        &h.store,
        plaudit::mail::signed_links::LinkKind::Unsubscribe,
        &plaudit::mail::signed_links::LinkRef {
            workspace: other.id,
            ..link
        },
    )
    .unwrap();
    let mut answers = Vec::new();
    for bad in [
        flipped,
        token[..token.len() - 3].to_string(),
        feedback_token,
        foreign,
        "x".repeat(5000),
        "AAAA".into(),
    ] {
        let r = http
            .post(format!("{}/u/{bad}", h.url))
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .unwrap();
        answers.push((r.status(), r.text().await.unwrap()));
    }
    let first = answers[0].clone();
    assert_eq!(first.0, StatusCode::NOT_FOUND);
    for a in &answers {
        assert_eq!(a, &first, "every bad token gets the same answer");
    }

    // The next campaign skips the unsubscribed contact.
    let received = smtp.messages().len();
    let (_, c2) = api
        .post(
            &format!("/workspaces/{ws}/campaigns"),
            json!({"name": "Summer", "subject": "Again?", "body_text": "Tell us: {feedback_link}", "not_asked_days": 0}),
        )
        .await;
    let c2 = c2["id"].as_str().unwrap().to_string();
    let (s, _) = api
        .post(
            &format!("/workspaces/{ws}/campaigns/{c2}/send?without_review_link=true"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    assert!(
        eventually(Duration::from_secs(180), || smtp.messages().len()
            >= received + 999)
        .await,
        "second campaign: {} of 999",
        smtp.messages().len() - received
    );
    h.run_jobs().await;
    let all = smtp.messages();
    assert_eq!(all.len(), received + 999);
    let to_42 = all
        .iter()
        .filter(|m| m.contains("customer42@example.net"))
        .count();
    assert_eq!(
        to_42, 1,
        "only the first campaign's message reached the unsubscribed contact"
    );
    let (_, got) = api.get(&format!("/workspaces/{ws}/campaigns/{c2}")).await;
    assert_eq!(got["status"], "done");
    assert_eq!(got["counts"]["queued"], 999, "{got}");
    let (_, first) = api.get(&format!("/workspaces/{ws}/campaigns/{cid}")).await;
    assert_eq!(first["counts"]["unsubscribed"], 1, "{first}");
}
