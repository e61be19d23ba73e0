//! Alerts: new items (never the history of a first sync) reach members by email, instantly or
//! as a daily digest, through their filters; webhooks receive signed, timestamped POSTs that
//! are retried until the receiver accepts them.

use crate::inproc::{InProc, PUBLIC_URL};
use crate::providers::{Control, connect, map, point_at, served, sync};
use crate::support::eventually;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use hmac::{Hmac, Mac};
use plaudit::domain::Role;
use plaudit::fakes::FakeProviders;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// (path, headers, body) of one received call.
type Call = (String, Vec<(String, String)>, String);

#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<Call>>>);

/// A webhook receiver that refuses the first call with a 500, then accepts everything.
fn receiver() -> (String, Received) {
    let got = Received::default();
    let sink = got.clone();
    let calls = Arc::new(Mutex::new(0usize));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = HttpServer::new(move || {
        let (sink, calls) = (sink.clone(), calls.clone());
        App::new().default_service(web::to(move |req: HttpRequest, body: String| {
            let (sink, calls) = (sink.clone(), calls.clone());
            async move {
                let mut n = calls.lock().unwrap();
                *n += 1;
                if *n == 1 {
                    return HttpResponse::InternalServerError().finish();
                }
                let headers = req
                    .headers()
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                    .collect();
                sink.0
                    .lock()
                    .unwrap()
                    .push((req.path().to_string(), headers, body));
                HttpResponse::Ok().finish()
            }
        }))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    (url, got)
}

fn header<'a>(h: &'a [(String, String)], name: &str) -> &'a str {
    h.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_items_reach_members_by_their_filters_and_webhooks_signed() {
    let fake = FakeProviders::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let base = fake.base_url();
    let h = InProc::start(move |c| {
        point_at(c, &base);
        c.poller.webhooks_to_private_addresses = true;
        // Keep queued mail in the outbox (sending clears its text): this test reads it there.
        c.outbox.poll_interval_ms = 60_000;
    })
    .await;
    let control = Control::new(&fake);
    let (owner, ot) = h.user("owner@agency.example", false);
    let (viewer, vt) = h.user("client@shop.example", false);
    let w = h.workspace("Agency", &owner);
    h.add(&w, &viewer, Role::Viewer);
    let loc = h.location(&w, 1);
    let (ws, loc) = (w.id.to_string(), loc.id.to_string());
    let api = h.api().as_(&ot);
    let vapi = h.api().as_(&vt);

    // The owner: at once, only bad Google reviews. The client: a daily digest of everything.
    let (s, p) = api
        .call(
            Method::PUT,
            &format!("/workspaces/{ws}/alerts"),
            Some(json!({"mode": "instant", "max_rating": 2, "sources": ["google"]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let (s, _) = vapi
        .call(
            Method::PUT,
            &format!("/workspaces/{ws}/alerts"),
            Some(json!({"mode": "daily"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, body) = api
        .call(
            Method::PUT,
            &format!("/workspaces/{ws}/alerts"),
            Some(json!({"mode": "sometimes"})),
        )
        .await;
    assert!(s.is_client_error(), "{body}");
    // A viewer cannot add webhooks; a manager can; the secret is shown once.
    let (hook_url, got) = receiver();
    let (s, _) = vapi
        .post(
            &format!("/workspaces/{ws}/webhooks"),
            json!({"url": format!("{hook_url}/json")}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, created) = api
        .post(
            &format!("/workspaces/{ws}/webhooks"),
            json!({"url": format!("{hook_url}/json")}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().unwrap().to_string();
    let (s, _) = api
        .post(
            &format!("/workspaces/{ws}/webhooks"),
            json!({"url": format!("{hook_url}/slack"), "format": "slack"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, list) = api.get(&format!("/workspaces/{ws}/webhooks")).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert!(
        !list.to_string().contains(&secret),
        "the secret is never listed"
    );

    // The first sync is history: nobody is alerted about it.
    let name = control
        .post(
            "google/locations",
            json!({"title": "Shop", "reviews": 25, "seed": 2}),
        )
        .await["name"]
        .as_str()
        .unwrap()
        .to_string();
    let conn = connect(&api, &ws, "google", PUBLIC_URL, &h.url).await;
    let ticket = map(&api, &ws, &conn, &name, &loc).await;
    served(&api, &ws, &conn, ticket).await;
    h.run_jobs().await;
    // Sent mail may leave the outbox: remember every alert seen so far.
    let seen = std::cell::RefCell::new(std::collections::BTreeMap::new());
    let alert_mails = |h: &InProc| {
        let mut seen = seen.borrow_mut();
        for m in h.store.outbox().all().unwrap() {
            if m.text.contains("alert settings") {
                seen.insert(m.id.to_string(), m);
            }
        }
        seen.values().cloned().collect::<Vec<_>>()
    };
    assert!(alert_mails(&h).is_empty());
    assert!(got.0.lock().unwrap().is_empty());

    // Two new reviews: one bad, one good.
    control.post("google/reviews", json!({"location": name, "action": "add", "text": "Cold soup and a rude waiter <img src=x onerror=alert(1)> <https://evil.example|Verify>", "stars": 1})).await;
    control
        .post(
            "google/reviews",
            json!({"location": name, "action": "add", "text": "Wonderful evening", "stars": 5}),
        )
        .await;
    sync(&api, &ws, &conn).await;
    assert!(
        eventually(Duration::from_secs(10), || alert_mails(&h).len() >= 2).await,
        "alerts never queued"
    );
    let mails = alert_mails(&h);
    let to_owner: Vec<_> = mails.iter().filter(|m| m.to.contains("owner@")).collect();
    assert_eq!(to_owner.len(), 1);
    assert!(to_owner[0].text.contains("Cold soup") && !to_owner[0].text.contains("Wonderful"));
    assert!(
        to_owner[0].subject.contains("1 new item"),
        "{}",
        to_owner[0].subject
    );
    let digest: Vec<_> = mails.iter().filter(|m| m.to.contains("client@")).collect();
    assert_eq!(
        digest.len(),
        1,
        "the first digest goes out with the first news"
    );
    assert!(digest[0].text.contains("Cold soup") && digest[0].text.contains("Wonderful"));
    assert!(
        digest[0]
            .html
            .as_deref()
            .unwrap()
            .contains(&format!("{PUBLIC_URL}/w/{ws}/inbox"))
    );
    // Hostile review text is inert in the email's HTML.
    for m in &mails {
        let html = m.html.as_deref().unwrap();
        assert!(
            !html.contains("<img src=x") && html.contains("onerror=alert(1)"),
            "{html}"
        );
    }

    // Webhooks: both items on both hooks, despite the receiver's first 500 (retried after a
    // backoff on Plaudit's clock, which this test moves by hand); signed.
    let clock = h.clock.clone();
    assert!(
        eventually(Duration::from_secs(20), || {
            clock.advance(time::Duration::seconds(1));
            got.0.lock().unwrap().len() >= 4
        })
        .await,
        "{}",
        got.0.lock().unwrap().len()
    );
    let calls = got.0.lock().unwrap().clone();
    let json_calls: Vec<_> = calls.iter().filter(|(p, _, _)| p == "/json").collect();
    assert_eq!(json_calls.len(), 2);
    for (_, headers, body) in &json_calls {
        let ts = header(headers, "x-plaudit-timestamp");
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{ts}.{body}").as_bytes());
        let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        assert_eq!(header(headers, "x-plaudit-signature"), expected);
        assert_eq!(header(headers, "x-plaudit-event"), "item.created");
        let v: Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["workspace_id"], ws.as_str());
        assert!(v["item"]["text"].is_string());
    }
    let slack: Vec<_> = calls.iter().filter(|(p, _, _)| p == "/slack").collect();
    assert_eq!(slack.len(), 2);
    assert!(
        slack
            .iter()
            .all(|(_, _, b)| serde_json::from_str::<Value>(b).unwrap()["text"].is_string())
    );
    // A review cannot make links or mentions in Slack: its control characters are escaped.
    let texts: Vec<String> = slack
        .iter()
        .map(|(_, _, b)| {
            serde_json::from_str::<Value>(b).unwrap()["text"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("&lt;https://evil.example|Verify&gt;"))
            && !texts.iter().any(|t| t.contains("<https://evil")),
        "{texts:?}"
    );

    // The next digest waits a day (the clock moved about 20 s above).
    control
        .post(
            "google/reviews",
            json!({"location": name, "action": "add", "text": "Third visit", "stars": 4}),
        )
        .await;
    sync(&api, &ws, &conn).await;
    h.run_jobs().await;
    assert_eq!(
        alert_mails(&h)
            .iter()
            .filter(|m| m.to.contains("client@"))
            .count(),
        1
    );
    h.clock.advance(time::Duration::hours(25));
    assert!(
        eventually(Duration::from_secs(10), || alert_mails(&h)
            .iter()
            .filter(|m| m.to.contains("client@"))
            .count()
            == 2)
        .await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_refuse_private_targets_unless_allowed() {
    let h = InProc::start(|_| {}).await;
    let (owner, ot) = h.user("owner@agency.example", false);
    let w = h.workspace("Agency", &owner);
    let api = h.api().as_(&ot);
    for bad in [
        "http://example.com/hook",
        "ftp://example.com/x",
        "https://user:pw@example.com/x",
        "not a url",
    ] {
        let (s, body) = api
            .post(
                &format!("/workspaces/{}/webhooks", w.id),
                json!({"url": bad}),
            )
            .await;
        assert!(s.is_client_error(), "{bad}: {body}");
    }
    // A loopback address is refused at once; a name that resolves to one is accepted at
    // creation (it may point elsewhere by then) and checked, and refused, at each delivery.
    let (s, _) = api
        .post(
            &format!("/workspaces/{}/webhooks", w.id),
            json!({"url": "https://127.0.0.1:9/hook"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = api
        .post(
            &format!("/workspaces/{}/webhooks", w.id),
            json!({"url": "https://localhost:9/hook"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
}
