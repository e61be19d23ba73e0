//! Accounts end to end over HTTP: registration, verification, sign-in, sessions and their
//! revocation, forged tokens, single-use links, brute-force brakes, CSRF, OpenAPI and CORS.

use crate::inproc::{InProc, PUBLIC_URL};
use crate::support::wait_for_link;
use base64::Engine;
use plaudit::config::Registration;
use plaudit::http::api;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::net::IpAddr;

async fn post(c: &Client, url: String, body: Value) -> (StatusCode, Value) {
    let r = c.post(url).json(&body).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn login(h: &InProc, email: &str, password: &str) -> (StatusCode, Value) {
    post(
        &h.http(),
        format!("{}/api/v1/auth/login", h.url),
        json!({"email": email, "password": password}),
    )
    .await
}

async fn me(h: &InProc, token: &str) -> StatusCode {
    h.http()
        .get(format!("{}/api/v1/me", h.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

/// Registers and verifies `email` through the real mail flow; returns a session token.
async fn signed_up(
    h: &InProc,
    email: &str,
    password: &str,
    seen: &mut Vec<std::path::PathBuf>,
) -> String {
    let (s, _) = post(
        &h.http(),
        format!("{}/api/v1/auth/register", h.url),
        json!({"email": email, "password": password, "name": "Ana"}),
    )
    .await;
    assert_eq!(s, 202);
    let (_, token) = wait_for_link(&h.dir.path().join("data/mail"), email, "/verify/", seen);
    let (s, _) = post(
        &h.http(),
        format!("{}/api/v1/auth/verify", h.url),
        json!({"token": token}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, body) = login(h, email, password).await;
    assert_eq!(s, 200, "{body}");
    body["token"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_verify_sign_in_and_out() {
    let h = InProc::start(|c| c.accounts.registration = Registration::Open).await;
    let c = h.http();
    let maildir = h.dir.path().join("data/mail");
    let mut seen = vec![];
    let reg = |email: &str| json!({"email": email, "password": "a fine password", "name": "Ana"});
    let (s1, b1) = post(
        &c,
        format!("{}/api/v1/auth/register", h.url),
        reg("ana@example.com"),
    )
    .await;
    assert_eq!(s1, 202);
    // Signing in before verifying is refused with a clear message.
    let (s, b) = login(&h, "ana@example.com", "a fine password").await;
    assert_eq!(s, 403, "{b}");
    let (link, token) = wait_for_link(&maildir, "ana@example.com", "/verify/", &mut seen);
    assert!(
        link.starts_with(&format!("{PUBLIC_URL}/verify/")),
        "{link} is built from server.public_url"
    );
    // The token is stored only as a hash, and the delivered mail keeps no body.
    let now = plaudit::Clock::now(&h.clock);
    assert!(
        h.store
            .access()
            .peek_link(&plaudit::services::link_secrets::hash(&token), now)
            .unwrap()
            .is_some()
    );
    assert!(h.store.access().peek_link(&token, now).unwrap().is_none());
    assert!(crate::support::wait_until(
        std::time::Duration::from_secs(5),
        || h.store.outbox().counts().unwrap().sent == 1
    ));

    // A known email gets the same answer; its owner gets a different mail.
    let (s2, b2) = post(
        &c,
        format!("{}/api/v1/auth/register", h.url),
        reg("ana@example.com"),
    )
    .await;
    assert_eq!((s2, &b2), (s1, &b1));
    wait_for_link(&maildir, "ana@example.com", "/reset", &mut seen);

    let (s, _) = post(
        &c,
        format!("{}/api/v1/auth/verify", h.url),
        json!({"token": token}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = post(
        &c,
        format!("{}/api/v1/auth/verify", h.url),
        json!({"token": token}),
    )
    .await;
    assert_eq!(s, 404, "a verification link works once");

    let (s, body) = login(&h, "ana@example.com", "a fine password").await;
    assert_eq!(s, 200);
    let token = body["token"].as_str().unwrap();
    assert!(body["expires_at"].is_string());
    let profile: Value = h
        .http()
        .get(format!("{}/api/v1/me", h.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(profile["email"], "ana@example.com");
    assert_eq!(profile["workspaces"], json!([]));

    let (s, b) = login(&h, "ana@example.com", "a wrong password").await;
    assert_eq!(s, 401);
    let (s2, b2) = login(&h, "nobody@example.com", "a wrong password").await;
    assert_eq!((s, b), (s2, b2), "same answer for unknown emails");

    let r = c
        .post(format!("{}/api/v1/auth/logout", h.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        me(&h, token).await,
        401,
        "a token from before sign-out is refused"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_modes_are_enforced() {
    for (mode, expect) in [
        (Registration::Invite, 403),
        (Registration::Closed, 403),
        (Registration::Open, 202),
    ] {
        let h = InProc::start(|c| c.accounts.registration = mode).await;
        let (s, b) = post(
            &h.http(),
            format!("{}/api/v1/auth/register", h.url),
            json!({"email": "x@example.com", "password": "a fine password"}),
        )
        .await;
        assert_eq!(s.as_u16(), expect, "{mode:?}: {b}");
    }
}

fn sign(claims: &Value, key: &[u8], kid: &str, alg: jsonwebtoken::Algorithm) -> String {
    let mut header = jsonwebtoken::Header::new(alg);
    header.kid = Some(kid.to_string());
    jsonwebtoken::encode(
        &header,
        claims,
        &jsonwebtoken::EncodingKey::from_secret(key),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_tampered_expired_and_revoked_tokens_are_refused() {
    use hmac::Mac;
    use sha2::Digest;
    let h = InProc::start(|c| c.accounts.registration = Registration::Open).await;
    let mut seen = vec![];
    let token = signed_up(&h, "ana@example.com", "a fine password", &mut seen).await;
    assert_eq!(me(&h, &token).await, 200);

    // Rebuild the instance's signing key the way the server derives it, to forge precisely.
    let secret = h.store.meta().instance_secret().unwrap();
    let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&secret).unwrap();
    mac.update(b"plaudit session signing v1");
    let key = mac.finalize().into_bytes().to_vec();
    let kid = hex::encode(&sha2::Sha256::digest(&key)[..4]);
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let payload: Value =
        serde_json::from_slice(&b64.decode(token.split('.').nth(1).unwrap()).unwrap()).unwrap();
    let with = |k: &str, v: Value| {
        let mut p = payload.clone();
        p[k] = v;
        p
    };
    // Sanity: a correctly re-signed copy of the real claims is accepted.
    assert_eq!(
        me(
            &h,
            &sign(&payload, &key, &kid, jsonwebtoken::Algorithm::HS256)
        )
        .await,
        200
    );

    let none = format!(
        "{}.{}.",
        b64.encode(br#"{"alg":"none","typ":"JWT"}"#),
        token.split('.').nth(1).unwrap()
    );
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    parts[1] = b64.encode(serde_json::to_vec(&with("sub", json!("0".repeat(32)))).unwrap());
    let tampered = parts.join(".");
    let forged = [
        ("alg none", none),
        (
            "wrong key",
            sign(
                &payload,
                b"not the key",
                &kid,
                jsonwebtoken::Algorithm::HS256,
            ),
        ),
        ("tampered payload", tampered),
        (
            "HS384",
            sign(&payload, &key, &kid, jsonwebtoken::Algorithm::HS384),
        ),
        (
            "unknown kid",
            sign(&payload, &key, "deadbeef", jsonwebtoken::Algorithm::HS256),
        ),
        (
            "wrong audience",
            sign(
                &with("aud", json!("other-app")),
                &key,
                &kid,
                jsonwebtoken::Algorithm::HS256,
            ),
        ),
        (
            "wrong issuer",
            sign(
                &with("iss", json!("https://evil.example")),
                &key,
                &kid,
                jsonwebtoken::Algorithm::HS256,
            ),
        ),
        (
            "wrong type",
            sign(
                &with("typ", json!("refresh")),
                &key,
                &kid,
                jsonwebtoken::Algorithm::HS256,
            ),
        ),
        (
            "expired claim",
            sign(
                &with("exp", json!(payload["iat"].as_i64().unwrap() - 10)),
                &key,
                &kid,
                jsonwebtoken::Algorithm::HS256,
            ),
        ),
        (
            "unknown session",
            sign(
                &with("sid", json!("1".repeat(32))),
                &key,
                &kid,
                jsonwebtoken::Algorithm::HS256,
            ),
        ),
        ("garbage", "abc.def.ghi".to_string()),
    ];
    for (what, t) in forged {
        assert_eq!(me(&h, &t).await, 401, "{what}");
        let cookie = h
            .http()
            .get(format!("{}/api/v1/me", h.url))
            .header("Cookie", format!("__Host-plaudit_session={t}"))
            .send()
            .await
            .unwrap();
        assert_eq!(cookie.status(), 401, "{what} as a cookie");
    }

    // Expiry by the server's clock.
    h.clock.advance(time::Duration::hours(13));
    assert_eq!(me(&h, &token).await, 401, "expired");

    // A token from before a password change is refused; the new one works.
    let (_, body) = login(&h, "ana@example.com", "a fine password").await;
    let before = body["token"].as_str().unwrap().to_string();
    let (s, body) = post(
        &h.http(),
        format!("{}/api/v1/me/password", h.url),
        json!({"current_password": "a fine password", "new_password": "a newer password"}),
    )
    .await
    .clone();
    assert_eq!(s, 401, "needs auth: {body}");
    let r = h
        .http()
        .post(format!("{}/api/v1/me/password", h.url))
        .bearer_auth(&before)
        .json(&json!({"current_password": "a fine password", "new_password": "a newer password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let after: Value = r.json().await.unwrap();
    h.clock.advance(time::Duration::seconds(1));
    assert_eq!(
        me(&h, &before).await,
        401,
        "token from before the password change"
    );
    assert_eq!(me(&h, after["token"].as_str().unwrap()).await, 200);
    assert_eq!(login(&h, "ana@example.com", "a fine password").await.0, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_links_are_single_use_expire_and_keep_working_under_attack() {
    let h = InProc::start(|c| {
        c.accounts.registration = Registration::Open;
        c.accounts.login_attempts_per_account = 3;
        c.accounts.auth_attempts_per_ip = 1000;
    })
    .await;
    let mut seen = vec![];
    signed_up(&h, "ana@example.com", "a fine password", &mut seen).await;
    let maildir = h.dir.path().join("data/mail");

    // Wrong passwords spread over many addresses slow the account down (at ten times the
    // per-address allowance of 3, so one attacker's address can never use it up): past that,
    // every attempt waits first, but none is refused, so the owner is never locked out.
    let from = |last: u8| {
        reqwest::Client::builder()
            .local_address(IpAddr::from([127, 0, 0, last]))
            .build()
            .unwrap()
    };
    let mut statuses = vec![];
    for i in 0..32u8 {
        let started = std::time::Instant::now();
        let r = from(10 + i)
            .post(format!("{}/api/v1/auth/login", h.url))
            .json(&json!({"email": "ana@example.com", "password": "guess"}))
            .send()
            .await
            .unwrap();
        statuses.push((r.status().as_u16(), started.elapsed()));
    }
    let delay = plaudit::services::limits::ACCOUNT_WIDE_DELAY;
    // (the sign-up's own successful sign-in is not a failure)
    assert!(
        statuses[..30].iter().all(|s| s.0 == 401 && s.1 < delay),
        "{statuses:?}"
    );
    assert!(
        statuses[30..].iter().all(|s| s.0 == 401 && s.1 >= delay),
        "{statuses:?}"
    );
    let (s, _) = login(&h, "ana@example.com", "a fine password").await;
    assert_eq!(s, 200, "the right password still gets in");
    // ...but never lock the owner out of a reset.
    let (s, _) = post(
        &h.http(),
        format!("{}/api/v1/auth/password-reset", h.url),
        json!({"email": "ana@example.com"}),
    )
    .await;
    assert_eq!(s, 202);
    let (s2, _) = post(
        &h.http(),
        format!("{}/api/v1/auth/password-reset", h.url),
        json!({"email": "nobody@example.com"}),
    )
    .await;
    assert_eq!(s2, 202, "same answer for unknown emails");
    let (link, token) = wait_for_link(&maildir, "ana@example.com", "/reset/", &mut seen);
    assert!(link.starts_with(PUBLIC_URL));
    let client = h.http();
    let confirm = |t: &str, p: &str| {
        post(
            &client,
            format!("{}/api/v1/auth/password-reset/confirm", h.url),
            json!({"token": t, "password": p}),
        )
    };
    assert_eq!(
        confirm(&token, "short").await.0,
        422,
        "bad password keeps the link"
    );
    assert_eq!(confirm(&token, "reset password 1").await.0, 200);
    assert_eq!(
        confirm(&token, "reset password 2").await.0,
        404,
        "single use"
    );

    // An expired link is refused.
    post(
        &h.http(),
        format!("{}/api/v1/auth/password-reset", h.url),
        json!({"email": "ana@example.com"}),
    )
    .await;
    let (_, token) = wait_for_link(&maildir, "ana@example.com", "/reset/", &mut seen);
    h.clock.advance(time::Duration::minutes(61));
    assert_eq!(confirm(&token, "reset password 3").await.0, 404, "expired");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_attempts_from_one_address_hit_the_address_limit() {
    let h = InProc::start(|c| c.accounts.auth_attempts_per_ip = 5).await;
    let mut last = None;
    for i in 0..6 {
        let r = h
            .http()
            .post(format!("{}/api/v1/auth/login", h.url))
            .json(&json!({"email": format!("u{i}@example.com"), "password": "whatever pw"}))
            .send()
            .await
            .unwrap();
        last = Some((r.status(), r.headers().get("retry-after").cloned()));
    }
    let (status, retry) = last.unwrap();
    assert_eq!(status, 429);
    assert!(retry.unwrap().to_str().unwrap().parse::<u64>().unwrap() >= 1);
    let metrics = h
        .http()
        .get(format!("{}/metrics", h.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("plaudit_rate_limited_total{quota=\"accounts\"} 1"),
        "counted with the edge's limits"
    );
    // Another address is unaffected.
    let other = reqwest::Client::builder()
        .local_address(IpAddr::from([127, 0, 0, 9]))
        .build()
        .unwrap();
    let r = other
        .post(format!("{}/api/v1/auth/login", h.url))
        .json(&json!({"email": "u@example.com", "password": "whatever pw"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitations_are_single_use_links_from_the_public_url() {
    let h = InProc::start(|_| {}).await; // registration = invite
    let (owner, owner_t) = h.user("owner@example.com", false);
    let ws = h.workspace("Bakery", &owner);
    let c = h.http();
    let r = c
        .post(format!("{}/api/v1/workspaces/{}/members", h.url, ws.id))
        .bearer_auth(&owner_t)
        .json(&json!({"email": "new@example.com", "role": "manager"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let mut seen = vec![];
    let (link, token) = wait_for_link(
        &h.dir.path().join("data/mail"),
        "new@example.com",
        "/invite/",
        &mut seen,
    );
    assert!(link.starts_with(&format!("{PUBLIC_URL}/invite/")));
    // Registration by invitation works in invite mode, for the invited address only.
    let (s, _) = post(
        &c,
        format!("{}/api/v1/auth/register", h.url),
        json!({"email": "other@example.com", "password": "a fine password", "invitation": token}),
    )
    .await;
    assert_eq!(s, 422);
    // The link's page names the workspace, the inviter and the role; registering from it
    // fills in the invited address and says what happens next.
    let page = |path: String| {
        let c = c.clone();
        async move { c.get(path).send().await.unwrap().text().await.unwrap() }
    };
    let invite_page = page(format!("{}/invite/{token}", h.url)).await;
    for shown in [
        "Join Bakery",
        "<strong>owner</strong> invites",
        "as <strong>manager</strong>",
        "new@example.com",
    ] {
        assert!(invite_page.contains(shown), "{shown:?}: {invite_page}");
    }
    let form = page(format!("{}/register?invitation={token}", h.url)).await;
    assert!(
        form.contains("value=\"new@example.com\"") && form.contains("readonly"),
        "{form}"
    );
    assert!(form.contains("You are joining <strong>Bakery</strong> as <strong>manager</strong>"));
    let done = c
        .post(format!("{}/register", h.url))
        .form(&[
            ("email", "new@example.com"),
            ("name", "Nina"),
            ("password", "a fine password"),
            ("password_confirm", "a fine password"),
            ("invitation", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200);
    let done = done.text().await.unwrap();
    assert!(
        done.contains("Your account is ready and you are a member of <strong>Bakery</strong>"),
        "{done}"
    );
    let used = page(format!("{}/invite/{token}", h.url)).await;
    assert!(used.contains("This invitation link is not valid"), "{used}");
    let (s, body) = login(&h, "new@example.com", "a fine password").await;
    assert_eq!(s, 200, "an invited account starts verified");
    let t = body["token"].as_str().unwrap();
    let me: Value = c
        .get(format!("{}/api/v1/me", h.url))
        .bearer_auth(t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["workspaces"][0]["role"], "manager");
    // The link is used up.
    let r = c
        .post(format!("{}/api/v1/invitations/accept", h.url))
        .bearer_auth(t)
        .json(&json!({"token": token}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Audit log shows the invitation, visible to the owner only.
    let audit: Value = c
        .get(format!("{}/api/v1/workspaces/{}/audit", h.url, ws.id))
        .bearer_auth(&owner_t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"member.invited"), "{actions:?}");
    assert_eq!(audit["items"][0]["ip"], "127.0.0.1");
    assert_eq!(
        c.get(format!("{}/api/v1/workspaces/{}/audit", h.url, ws.id))
            .bearer_auth(t)
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookie_sessions_need_the_csrf_proof_for_writes() {
    let h = InProc::start(|c| c.accounts.registration = Registration::Open).await;
    let mut seen = vec![];
    let token = signed_up(&h, "ana@example.com", "a fine password", &mut seen).await;
    let cookie = format!("__Host-plaudit_session={token}");
    let c = h.http();
    let url = format!("{}/api/v1/workspaces", h.url);
    // Reading with the cookie is fine.
    assert_eq!(
        c.get(&url)
            .header("Cookie", &cookie)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // Writing without the token, or from another site, is refused.
    let r = c
        .post(&url)
        .header("Cookie", &cookie)
        .json(&json!({"name": "X"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "csrf_failed"
    );
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let claims: Value =
        serde_json::from_slice(&b64.decode(token.split('.').nth(1).unwrap()).unwrap()).unwrap();
    let sid: plaudit::domain::Id<plaudit::domain::Session> =
        claims["sid"].as_str().unwrap().parse().unwrap();
    let csrf = h.keys.csrf_token(&sid);
    let r = c
        .post(&url)
        .header("Cookie", &cookie)
        .header("X-CSRF-Token", &csrf)
        .header("Origin", "https://evil.example")
        .json(&json!({"name": "X"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = c
        .post(&url)
        .header("Cookie", &cookie)
        .header("X-CSRF-Token", "0".repeat(64))
        .json(&json!({"name": "X"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = c
        .post(&url)
        .header("Cookie", &cookie)
        .header("X-CSRF-Token", &csrf)
        .header("Sec-Fetch-Site", "same-origin")
        .json(&json!({"name": "X"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_lists_exactly_the_registered_routes() {
    let h = InProc::start(|_| {}).await;
    let doc: Value = h
        .http()
        .get(format!("{}/api/v1/openapi.json", h.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut documented = vec![];
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            documented.push((method.to_uppercase(), path.clone()));
        }
    }
    let mut registered: Vec<(String, String)> = api::routes()
        .iter()
        .map(|r| (r.method.to_string(), format!("/api/v1{}", r.path)))
        .collect();
    documented.sort();
    registered.sort();
    assert_eq!(documented, registered);
    // Every documented route is really served: it answers something other than 404/405.
    let id = "0".repeat(32);
    for (method, path) in documented {
        let url = format!(
            "{}{}",
            h.url,
            path.replace("{ws}", &id)
                .replace("{user}", &id)
                .replace("{id}", &id)
                .replace("{loc}", &id)
        );
        let r = h
            .http()
            .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url)
            .send()
            .await
            .unwrap();
        assert!(
            ![404, 405].contains(&r.status().as_u16()),
            "{method} {path} is documented but not served"
        );
    }
    // And a route that is not documented is not served.
    let r = h
        .http()
        .get(format!("{}/api/v1/secret-admin", h.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_headers_only_for_configured_origins_and_only_on_the_api() {
    let h =
        InProc::start(|c| c.security.cors_origins = vec!["https://dash.example.com".into()]).await;
    let c = h.http();
    let pre = |origin: &str, path: &str| {
        c.request(reqwest::Method::OPTIONS, format!("{}{path}", h.url))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "GET")
            .send()
    };
    let ok = pre("https://dash.example.com", "/api/v1/me").await.unwrap();
    assert_eq!(
        ok.headers().get("access-control-allow-origin").unwrap(),
        "https://dash.example.com"
    );
    let other = pre("https://evil.example", "/api/v1/me").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    let page = c
        .get(format!("{}/healthz", h.url))
        .header("Origin", "https://dash.example.com")
        .send()
        .await
        .unwrap();
    assert!(page.headers().get("access-control-allow-origin").is_none());
}
