//! Helpers for connector tests: point Plaudit at the fake providers, run the consent flow of
//! a connection as a browser would, drive the fake's control panel.

use crate::caller::Api;
use plaudit::config::{Config, Secret};
use plaudit::fakes::FakeProviders;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

/// Every provider URL of `c` on the fake at `base`.
pub fn point_at(c: &mut Config, base: &str) {
    let g = &mut c.providers.google;
    g.client_id = Some("fake-google-client".into());
    g.client_secret = Some(Secret::new("fake-google-secret"));
    g.auth_url = format!("{base}/o/oauth2/v2/auth").parse().unwrap();
    g.token_url = format!("{base}/token").parse().unwrap();
    g.userinfo_url = format!("{base}/v1/userinfo").parse().unwrap();
    g.revoke_url = format!("{base}/revoke").parse().unwrap();
    g.accounts_api = format!("{base}/v1").parse().unwrap();
    g.locations_api = format!("{base}/v1").parse().unwrap();
    g.reviews_api = format!("{base}/v4").parse().unwrap();
    let f = &mut c.providers.facebook;
    f.client_id = Some("fake-facebook-app".into());
    f.client_secret = Some(Secret::new("fake-facebook-secret"));
    f.dialog_url = base.parse().unwrap();
    f.graph_url = base.parse().unwrap();
    c.poller.tick_ms = 50;
    c.poller.backoff_base_ms = 50;
    c.poller.google_per_minute = 300;
    c.poller.facebook_per_minute = 6000;
}

/// The fake's control panel.
pub struct Control {
    pub base: String,
    client: reqwest::Client,
}

impl Control {
    pub fn new(fake: &FakeProviders) -> Self {
        Self {
            base: fake.base_url(),
            client: reqwest::Client::new(),
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let r = self
            .client
            .post(format!("{}/_fake/{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "fake {path}: {}", r.status());
        r.json().await.unwrap()
    }

    pub async fn state(&self) -> Value {
        self.client
            .get(format!("{}/_fake/state", self.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

/// Starts a connection through the API and consents at the fake as a person would; returns
/// the connection id. `local` is the server's own URL (the callback is addressed to
/// `public`, the configured public URL, which the test cannot reach by name).
/// Starts a connection through the API and consents at the fake provider; returns the
/// connection's id and the callback URL the provider sends the browser to.
pub async fn consent(
    api: &Api,
    ws: &str,
    provider: &str,
    public: &str,
    local: &str,
) -> (String, String) {
    let (s, started) = api
        .post(
            &format!("/workspaces/{ws}/connections"),
            json!({ "provider": provider }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{started}");
    let id = started["id"].as_str().unwrap().to_string();
    let authorize = url::Url::parse(started["authorize_url"].as_str().unwrap()).unwrap();
    let q: HashMap<String, String> = authorize.query_pairs().into_owned().collect();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut form: Vec<(String, String)> = ["client_id", "redirect_uri", "state", "code_challenge"]
        .iter()
        .map(|k| (k.to_string(), q[*k].clone()))
        .collect();
    for (k, v) in [
        ("provider", provider),
        ("subject", "owner-1"),
        ("email", "owner@agency.example"),
        ("name", "Agency Owner"),
        ("fail", ""),
        ("decision", "allow"),
    ] {
        form.push((k.into(), v.into()));
    }
    let origin = authorize.origin().ascii_serialization();
    let r = browser
        .post(format!("{origin}/consent"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let back = r.headers()["location"]
        .to_str()
        .unwrap()
        .replace(public, local);
    (id, back)
}

/// The session cookie of `token`, under both names (plain HTTP and HTTPS instances).
pub fn session_cookie(token: &str) -> String {
    format!("plaudit_session={token}; __Host-plaudit_session={token}")
}

/// Connects through the API and finishes in the starter's signed-in browser.
pub async fn connect(api: &Api, ws: &str, provider: &str, public: &str, local: &str) -> String {
    let (id, back) = consent(api, ws, provider, public, local).await;
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = browser
        .get(&back)
        .header("cookie", session_cookie(api.token()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "callback: {}", r.text().await.unwrap());
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.contains(&format!("/connections/{id}")), "{to}");
    id
}

/// Polls the connection until `done` holds (or panics after `limit`); returns it.
pub async fn wait_connection(
    api: &Api,
    ws: &str,
    id: &str,
    limit: Duration,
    done: impl Fn(&Value) -> bool,
) -> Value {
    crate::support::until_ok(limit, "got there (the connection)", async || {
        let (s, c) = api.get(&format!("/workspaces/{ws}/connections/{id}")).await;
        assert_eq!(s, StatusCode::OK, "{c}");
        if done(&c) { Ok(c) } else { Err(c) }
    })
    .await
}

/// Asks for a sync and waits until a sync that started after the request has completed;
/// returns the connection after it.
pub async fn sync(api: &Api, ws: &str, id: &str) -> Value {
    let (s, body) = api
        .post(
            &format!("/workspaces/{ws}/connections/{id}/sync"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{body}");
    served(api, ws, id, body["sync_requests"].as_u64().unwrap()).await
}

/// Waits until sync request number `ticket` has been served.
pub async fn served(api: &Api, ws: &str, id: &str, ticket: u64) -> Value {
    wait_connection(api, ws, id, Duration::from_secs(120), |c| {
        c["sync_requests_served"].as_u64().unwrap() >= ticket
    })
    .await
}

/// Feeds location `loc` from `external` of connection `conn`; returns the sync ticket the
/// mapping asked for.
pub async fn map(api: &Api, ws: &str, conn: &str, external: &str, loc: &str) -> u64 {
    let (st, body) = api
        .call(
            reqwest::Method::PUT,
            &format!("/workspaces/{ws}/locations/{loc}/sources"),
            Some(json!({ "connection_id": conn, "external_id": external })),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    body["sync_requests"].as_u64().unwrap()
}

/// Every item of the workspace (walking every page).
pub async fn all_items(api: &Api, ws: &str, query: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let (s, page) = api
            .get(&format!(
                "/workspaces/{ws}/items?limit=200&cursor={cursor}{query}"
            ))
            .await;
        assert_eq!(s, StatusCode::OK, "{page}");
        out.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => return out,
        }
    }
}
