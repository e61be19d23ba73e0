//! SIGKILL at random moments while a 1,000-message campaign is sent, 30 times, while customers
//! unsubscribe: in the end every contact got the message, repeats are only messages in flight
//! at a kill (same Message-ID), and nobody got anything after their unsubscribe was answered.

use crate::caller::Api;
use crate::support::{ADMIN_EMAIL, ADMIN_PASSWORD, Smtp, message_id, restartable};
use rand::Rng;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant, SystemTime};

const CYCLES: usize = 30;

/// Header `name` of a raw message (the first one).
pub(crate) fn header(raw: &str, name: &str) -> Option<String> {
    raw.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
    })
}

/// The address a raw message went to.
pub(crate) fn recipient(raw: &str) -> String {
    let to = header(raw, "To").unwrap();
    to.rsplit('<')
        .next()
        .unwrap()
        .trim_end_matches('>')
        .to_string()
}

/// (recipient, campaign, Message-ID, arrival) of every received message.
fn received(smtp: &Smtp) -> Vec<(String, String, String, SystemTime)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(&smtp.maildir)
        .into_iter()
        .flatten()
        .flatten()
    {
        if !e.file_name().to_string_lossy().ends_with(".eml") {
            continue;
        }
        let raw = std::fs::read_to_string(e.path()).unwrap();
        let at = e.metadata().unwrap().modified().unwrap();
        out.push((
            recipient(&raw),
            header(&raw, "X-Plaudit-Campaign").unwrap_or_default(),
            message_id(&raw).unwrap(),
            at,
        ));
    }
    out
}

fn unsubscribe_link(smtp: &Smtp, to: &str) -> Option<String> {
    smtp.messages().into_iter().find_map(|raw| {
        if recipient(&raw) != to {
            return None;
        }
        let start = raw.find("List-Unsubscribe: <")? + "List-Unsubscribe: <".len();
        let end = start + raw[start..].find('>')?;
        Some(raw[start..end].to_string())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kills_during_a_campaign_lose_no_message_and_never_mail_the_unsubscribed() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(dir.path());
    let start = restartable(
        dir.path(),
        &format!(
            "{}pool_size = 4\n[outbox]\nconcurrency = 4\npoll_interval_ms = 50\n[limits]\nper_ip_per_minute = 1000000\nper_ip_burst = 1000000\n",
            smtp.config()
        ),
    );
    let mut server = start();
    let api = Api::new(&server.url)
        .signed_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    let (_, ws) = api.post("/workspaces", json!({"name": "Shops"})).await;
    let ws = ws["id"].as_str().unwrap().to_string();
    let (s, v) = api
        .call(
            reqwest::Method::PUT,
            &format!("/workspaces/{ws}/feedback-settings"),
            Some(json!({"sender_name": "Shops", "subject": "How was it?",
                "body_text": "{feedback_link}", "brand_color": "#2563eb",
                "postal_address": "3 High Street", "scale": "stars"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, a) = api
        .post(
            &format!("/workspaces/{ws}/locations"),
            json!({"name": "First", "timezone": "UTC"}),
        )
        .await;
    let a = a["id"].as_str().unwrap().to_string();
    let contacts: Vec<Value> = (0..1000)
        .map(|n| {
            let mut c = json!({"email": format!("c{n:04}@example.net"), "name": format!("C {n}")});
            if n % 10 == 0 {
                c["location"] = json!(a);
            }
            c
        })
        .collect();
    let (s, r) = api
        .post(
            &format!("/workspaces/{ws}/contacts"),
            Value::Array(contacts),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");

    // A first, small campaign gives 100 customers an unsubscribe link to use later.
    let (_, c1) = api
        .post(
            &format!("/workspaces/{ws}/campaigns"),
            json!({"name": "First", "location": a}),
        )
        .await;
    let c1 = c1["id"].as_str().unwrap().to_string();
    api.post(
        &format!("/workspaces/{ws}/campaigns/{c1}/send?without_review_link=true"),
        json!({}),
    )
    .await;
    let end = Instant::now() + Duration::from_secs(60);
    while smtp.messages().len() < 100 {
        assert!(Instant::now() < end, "the first campaign did not arrive");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut links: Vec<(String, String)> = (0..1000)
        .step_by(10)
        .map(|n| {
            let to = format!("c{n:04}@example.net");
            let link = unsubscribe_link(&smtp, &to).unwrap();
            (to, link)
        })
        .collect();
    // Unsubscribe in a shuffled order: some before, some after their turn.
    let mut rng = crate::support::seeded_rng("campaigns_crash");
    for i in (1..links.len()).rev() {
        links.swap(i, rng.random_range(0..=i));
    }

    let (_, c2) = api
        .post(
            &format!("/workspaces/{ws}/campaigns"),
            json!({"name": "Everyone", "subject": "How did we do?", "body_text": "{feedback_link}", "not_asked_days": 0}),
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

    let http = crate::support::http();
    let mut unsubscribed: BTreeMap<String, SystemTime> = BTreeMap::new();
    for _ in 0..CYCLES {
        for _ in 0..3 {
            let Some((to, link)) = links.pop() else { break };
            let r = http
                .post(&link)
                .body("List-Unsubscribe=One-Click")
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            unsubscribed.insert(to, SystemTime::now());
        }
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..400))).await;
        server.kill9();
        server = start();
    }

    // Let the last process finish, then compare.
    let (everyone, unsub): (BTreeSet<String>, BTreeSet<String>) = (
        (0..1000).map(|n| format!("c{n:04}@example.net")).collect(),
        unsubscribed.keys().cloned().collect(),
    );
    let api = Api::new(&server.url).as_(api.token());
    let end = Instant::now() + Duration::from_secs(120);
    loop {
        let (_, c) = api.get(&format!("/workspaces/{ws}/campaigns/{c2}")).await;
        let got: BTreeSet<String> = received(&smtp)
            .into_iter()
            .filter(|m| m.1 == c2)
            .map(|m| m.0)
            .collect();
        if c["status"] == "done" && everyone.difference(&unsub).all(|e| got.contains(e)) {
            break;
        }
        assert!(
            Instant::now() < end,
            "the campaign never finished: {c}; {} of {} received",
            got.len(),
            everyone.len() - unsub.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Every job idle: nothing more would go out.
    server.run_jobs_async().await;
    let mut ids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (to, campaign, id, at) in received(&smtp) {
        if campaign != c2 {
            continue;
        }
        ids.entry(to.clone()).or_default().insert(id);
        if let Some(when) = unsubscribed.get(&to) {
            // A message handed to the relay as the unsubscribe arrived may land just after it.
            assert!(
                at <= *when + Duration::from_millis(1000),
                "{to} got a message {:?} after unsubscribing",
                at.duration_since(*when).unwrap_or_default()
            );
        }
    }
    for (to, set) in &ids {
        assert_eq!(set.len(), 1, "{to} got different messages: {set:?}");
    }
    let total = received(&smtp).iter().filter(|m| m.1 == c2).count();
    eprintln!(
        "{} contacts, {} unsubscribed during the run, {} messages, {} repeats of in-flight ones",
        ids.len(),
        unsub.len(),
        total,
        total - ids.len()
    );
    // Each kill can repeat at most the messages its four senders had in flight.
    assert!(
        total - ids.len() <= 4 * (CYCLES + 1),
        "{} repeats",
        total - ids.len()
    );
    let (_, c) = api.get(&format!("/workspaces/{ws}/campaigns/{c2}")).await;
    let queued = c["counts"]["queued"].as_u64().unwrap() as usize;
    let skipped = c["counts"]["skipped"].as_u64().unwrap() as usize;
    assert!(queued >= ids.len() && queued <= ids.len() + skipped, "{c}");
    let (status, _) = server.terminate(Duration::from_secs(15));
    assert!(status.unwrap().success());
}
