//! The edge guard over real HTTP: client addresses and buckets, floods, bans, headers, the
//! request log and metrics, and the attack replay and benign suites with their rates.

use crate::inproc::InProc;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// A client whose requests come from 127.0.0.`last`.
pub(crate) fn from(last: u8) -> Client {
    Client::builder()
        .local_address(IpAddr::from([127, 0, 0, last]))
        .build()
        .unwrap()
}

async fn get(c: &Client, url: &str, xff: Option<&str>) -> reqwest::Response {
    let mut r = c.get(url);
    if let Some(x) = xff {
        r = r.header("X-Forwarded-For", x);
    }
    r.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    // Untrusted peer: a forged X-Forwarded-For stays in the peer's own bucket.
    let h = InProc::start(|c| {
        c.limits.per_ip_per_minute = 5;
        c.limits.per_ip_burst = 5;
    })
    .await;
    let url = format!("{}/healthz", h.url);
    let c = from(20);
    for i in 0..5 {
        assert_eq!(
            get(&c, &url, Some(&format!("198.51.100.{i}")))
                .await
                .status(),
            200
        );
    }
    let r = get(&c, &url, Some("198.51.100.99")).await;
    assert_eq!(r.status(), 429, "forged header did not buy a new bucket");
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=12).contains(&retry), "integer Retry-After: {retry}");
    // One client's flood leaves another client's requests untouched.
    assert_eq!(get(&from(21), &url, None).await.status(), 200);

    // Trusted proxy: its two clients get separate buckets.
    let h = InProc::start(|c| {
        c.limits.per_ip_per_minute = 5;
        c.limits.per_ip_burst = 5;
        c.security.trusted_proxies = vec!["127.0.0.30/32".into()];
    })
    .await;
    let url = format!("{}/healthz", h.url);
    let proxy = from(30);
    for _ in 0..5 {
        assert_eq!(get(&proxy, &url, Some("203.0.113.1")).await.status(), 200);
    }
    assert_eq!(get(&proxy, &url, Some("203.0.113.1")).await.status(), 429);
    assert_eq!(
        get(&proxy, &url, Some("203.0.113.2")).await.status(),
        200,
        "the proxy's other client"
    );
    assert_eq!(
        get(&proxy, &url, Some("garbage")).await.status(),
        200,
        "malformed header: the proxy's own bucket"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_blocks_ban_a_client_until_an_admin_lifts_it_and_allow_listed_clients_pass() {
    let h = InProc::start(|c| {
        c.limits.ban_after = 3;
        c.security.allow_list = vec!["127.0.0.41/32".into()];
    })
    .await;
    let (_, admin) = h.user("root@example.com", true);
    let attack = format!(
        "{}/api/v1/workspaces?filter=%27%20or%20%271%27%3D%271",
        h.url
    );
    let attacker = from(40);
    for _ in 0..3 {
        let r = attacker.get(&attack).send().await.unwrap();
        assert_eq!(r.status(), 403);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "blocked");
        assert!(body["error"]["request_id"].as_str().unwrap().len() == 16);
    }
    let r = attacker
        .get(format!("{}/healthz", h.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "banned");
    assert!(r.headers().contains_key("retry-after"));
    let bans: Value = from(1)
        .get(format!("{}/api/v1/admin/bans", h.url))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(bans["items"][0]["client"], "127.0.0.40");
    let r = from(1)
        .delete(format!("{}/api/v1/admin/bans/127.0.0.40", h.url))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        attacker
            .get(format!("{}/healthz", h.url))
            .send()
            .await
            .unwrap()
            .status(),
        200,
        "lifted"
    );
    // An allow-listed client is never banned (its attacks are still refused).
    let trusted = from(41);
    for _ in 0..5 {
        assert_eq!(trusted.get(&attack).send().await.unwrap().status(), 403);
    }
    assert_eq!(
        trusted
            .get(format!("{}/healthz", h.url))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_headers_on_every_response_and_no_store_where_private() {
    let h = InProc::start(|_| {}).await;
    let c = from(50);
    for (path, private) in [
        ("/healthz", false),
        ("/no-such-page", false),
        ("/api/v1/nope", true),
        ("/api/v1/me", true),
    ] {
        let r = c.get(format!("{}{path}", h.url)).send().await.unwrap();
        let hd = r.headers();
        let csp = hd["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("script-src 'self' 'unsafe-inline'"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(hd["x-content-type-options"], "nosniff");
        assert_eq!(hd["referrer-policy"], "same-origin");
        assert!(hd.contains_key("permissions-policy") && hd.contains_key("x-request-id"));
        assert!(
            !hd.contains_key("strict-transport-security"),
            "no HSTS without TLS"
        );
        if private {
            assert_eq!(hd["cache-control"], "no-store", "{path}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_logged_rolled_up_and_counted_without_secrets() {
    let h = InProc::start(|_| {}).await;
    let (_, admin) = h.user("root@example.com", true);
    let c = from(60);
    c.get(format!("{}/reset/super-secret-token", h.url))
        .send()
        .await
        .unwrap();
    c.get(format!("{}/auth/google/callback?code=abc&state=def", h.url))
        .send()
        .await
        .unwrap();
    c.get(format!(
        "{}/api/v1/workspaces?q=<script>alert(1)</script>",
        h.url
    ))
    .send()
    .await
    .unwrap();
    let admin_c = from(61);
    let mut summary = Value::Null;
    assert!(crate::support::wait_until(
        std::time::Duration::from_secs(5),
        || {
            let recent = h.store.traffic().recent(100).unwrap();
            recent
                .iter()
                .any(|r| r.path.contains("/auth/google/callback"))
        }
    ));
    let recent = h.store.traffic().recent(100).unwrap();
    assert!(
        recent
            .iter()
            .all(|r| !r.path.contains("super-secret-token") && !r.path.contains("code=abc"))
    );
    assert!(recent.iter().any(|r| r.path == "/reset/REDACTED"));
    assert!(
        !recent.iter().any(|r| r.acted.is_some() && r.status == 403),
        "refused requests are counted in the rollups (below), not stored one by one"
    );
    for _ in 0..50 {
        summary = admin_c
            .get(format!("{}/api/v1/admin/traffic?minutes=5", h.url))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if summary["requests"].as_u64().unwrap_or(0) >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(summary["requests"].as_u64().unwrap() >= 3, "{summary}");
    assert!(summary["acted"].to_string().contains("xss-script"));
    assert_eq!(summary["requests_per_minute"].as_array().unwrap().len(), 5);
    // Metrics from loopback; the rule that acted is counted.
    let m = c
        .get(format!("{}/metrics", h.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for name in [
        "plaudit_http_requests_total",
        "plaudit_http_request_duration_seconds_bucket",
        "plaudit_waf_blocks_total{rule=\"xss-script\"} 1",
        "plaudit_outbox_depth",
        "plaudit_store_size_bytes",
        "plaudit_limiter_keys",
    ] {
        assert!(m.contains(name), "{name} missing");
    }
    // The traffic page renders its charts for an admin, from the same rollups.
    let page = admin_c
        .get(format!("{}/admin/traffic", h.url))
        .header("Cookie", format!("__Host-plaudit_session={admin}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<path class=\"s-requests line\"")
            && page.contains("<desc id=\"traffic-d\">")
            && page.contains("xss-script"),
        "{page}"
    );
}

/// Behind nginx (or Caddy, Traefik, HAProxy's forwardfor), a client's own `Forwarded` header
/// reaches Plaudit untouched: it must not open loopback-only doors or buy fresh buckets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spoofed_forwarded_header_is_ignored_behind_an_x_forwarded_for_proxy() {
    let h = InProc::start(|c| {
        c.security.trusted_proxies = vec!["127.0.0.1/32".into()];
        c.accounts.auth_attempts_per_ip = 10;
    })
    .await;
    let c = from(1);
    let spoof = |path: &str, xff: &str, fwd: &str| {
        c.get(format!("{}{path}", h.url))
            .header("X-Forwarded-For", xff.to_string())
            .header("Forwarded", fwd.to_string())
    };
    let r = spoof("/metrics", "203.0.113.5", "for=127.0.0.1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "the client claimed loopback in Forwarded");
    // 40 registrations, each with a new Forwarded address, from one real client: limited.
    let mut limited = 0;
    for i in 0..40 {
        let r = c
            .post(format!("{}/api/v1/auth/register", h.url))
            .header("X-Forwarded-For", "203.0.113.6")
            .header("Forwarded", format!("for=198.51.100.{i}"))
            .json(&json!({"email": format!("p{i}@example.com"), "password": "a fine password 1", "name": "P"}))
            .send()
            .await
            .unwrap();
        limited += usize::from(r.status() == 429);
    }
    assert!(limited >= 25, "only {limited} of 40 were limited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_beyond_loopback_need_the_token() {
    let h = InProc::start(|c| {
        c.security.trusted_proxies = vec!["127.0.0.70/32".into()];
        c.security.metrics_token = Some(plaudit::config::Secret::new("metrics-token-123"));
    })
    .await;
    let proxy = from(70);
    let url = format!("{}/metrics", h.url);
    assert_eq!(get(&proxy, &url, Some("203.0.113.5")).await.status(), 401);
    let r = proxy
        .get(&url)
        .header("X-Forwarded-For", "203.0.113.5")
        .bearer_auth("metrics-token-123")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        from(71).get(&url).send().await.unwrap().status(),
        200,
        "loopback"
    );
}

fn corpus(name: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(format!(
        "{}/tests/it/corpus/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| match l.split_once('\t') {
            Some((f, p)) => (f.to_string(), p.to_string()),
            None => ("benign".to_string(), l.to_string()),
        })
        .collect()
}

/// Refused by a WAF rule: JSON on the API, a readable page elsewhere.
fn blocked(status: StatusCode, body: &str) -> bool {
    status == 403 && (body.contains("\"blocked\"") || body.contains("blocked by rule"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attack_replay_and_benign_suites() {
    let h = InProc::start(|c| {
        c.limits.per_ip_per_minute = 100_000;
        c.limits.per_ip_burst = 100_000;
        c.limits.ban_after = 1_000_000;
    })
    .await;
    let c = from(80);
    let api = format!("{}/api/v1/workspaces", h.url);
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    // (family) -> (detected, total)
    let mut rates: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (family, payload) in corpus("attacks.txt") {
        // Each payload as a query value, a JSON field and a form field (not free text).
        let placements = [
            c.get(format!(
                "{api}?filter={}",
                if payload.contains('%') {
                    payload.clone()
                } else {
                    enc(&payload)
                }
            )),
            c.post(&api).json(&json!({"filter": payload})),
            c.post(format!("{}/login", h.url))
                .form(&[("email", payload.as_str()), ("password", "x")]),
        ];
        for req in placements {
            let r = req.send().await.unwrap();
            let (status, body) = (r.status(), r.text().await.unwrap());
            let e = rates.entry(family.clone()).or_default();
            e.1 += 1;
            if blocked(status, &body) {
                e.0 += 1;
            } else {
                println!("missed {family}: {payload}");
            }
        }
    }
    // Scanners by user agent, and protocol abuse on raw connections.
    for ua in [
        "sqlmap/1.7.2#stable (https://sqlmap.org)",
        "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None)",
        "Nuclei - Open-source project",
        "gobuster/3.6",
        "WPScan v3.8.22",
        "masscan/1.3",
        "Mozilla/5.0 zgrab/0.x",
        "() { :; }; /bin/bash -c 'cat /etc/passwd'",
    ] {
        let r = c
            .get(format!("{}/", h.url))
            .header("User-Agent", ua)
            .send()
            .await
            .unwrap();
        let (status, body) = (r.status(), r.text().await.unwrap());
        let e = rates.entry("scanner".into()).or_default();
        e.1 += 1;
        e.0 += usize::from(blocked(status, &body));
    }
    let addr = h.url.trim_start_matches("http://").to_string();
    let raw = [
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nabcd",
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        "TRACE / HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /%00/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /.env HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /.git/config HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
    ];
    for request in raw {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let mut answer = vec![0u8; 512];
        let n = s.read(&mut answer).unwrap_or(0);
        let head = String::from_utf8_lossy(&answer[..n]).to_string();
        let code: u16 = head
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let e = rates.entry("protocol".into()).or_default();
        e.1 += 1;
        // Refused by the WAF (403), or by the HTTP parser before it (400), or the connection cut.
        if code == 403 || code == 400 || code == 0 {
            e.0 += 1;
        } else {
            println!("missed protocol: {request:?} -> {code}");
        }
    }

    // Benign: review and reply texts in free-text fields, searches, and ordinary browsing.
    let mut false_positives = vec![];
    let benign = corpus("benign.txt");
    for (_, text) in &benign {
        let tries = [
            c.post(&api)
                .json(&json!({"text": text, "comment": text, "reply": text})),
            c.get(format!("{api}?q={}&limit=50", enc(text))),
            c.post(format!("{}/w/x/locations", h.url)).form(&[
                ("name", text.as_str()),
                ("address", text.as_str()),
                ("timezone", "Europe/Paris"),
            ]),
        ];
        for req in tries {
            let r = req.send().await.unwrap();
            let (status, body) = (r.status(), r.text().await.unwrap());
            if blocked(status, &body) {
                false_positives.push((text.clone(), body));
            }
        }
    }
    for path in [
        "/",
        "/login",
        "/register",
        "/reset",
        "/assets/css/app.css",
        "/api/v1/openapi.json",
        "/healthz",
        "/w?x=1",
    ] {
        let r = c
            .get(format!("{}{path}", h.url))
            .header(
                "User-Agent",
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/156.0 Safari/537.36",
            )
            .send()
            .await
            .unwrap();
        let (status, body) = (r.status(), r.text().await.unwrap());
        if blocked(status, &body) {
            false_positives.push((path.to_string(), body));
        }
    }
    let benign_total = benign.len() * 3 + 8;
    println!("WAF attack replay, detection per family:");
    for (family, (hit, total)) in &rates {
        println!(
            "  {family:10} {hit:3}/{total:3} = {:.1}%",
            *hit as f64 * 100.0 / *total as f64
        );
    }
    println!(
        "benign suite: {} false positives out of {benign_total} requests",
        false_positives.len()
    );
    assert!(
        false_positives.is_empty(),
        "benign requests blocked: {false_positives:#?}"
    );
    for (family, (hit, total)) in &rates {
        assert!(
            *hit as f64 / *total as f64 >= 0.9,
            "{family}: only {hit}/{total} detected"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn addresses_can_be_logged_as_keyed_hashes() {
    let h = InProc::start(|c| c.logs.hash_ips = true).await;
    from(90)
        .get(format!("{}/healthz", h.url))
        .send()
        .await
        .unwrap();
    assert!(crate::support::wait_until(
        std::time::Duration::from_secs(5),
        || h.store.traffic().stored_requests() > 0
    ));
    let r = &h.store.traffic().recent(1).unwrap()[0];
    assert!(
        r.client.starts_with("ip-") && !r.client.contains("127.0.0.90"),
        "{}",
        r.client
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_can_be_disabled_by_id_and_the_waf_can_only_log() {
    let attack = "/api/v1/workspaces?filter=%3Cscript%3Ealert(1)%3C%2Fscript%3E";
    let h = InProc::start(|c| {
        // Ours, and CRS's (by number) that also read a script tag and a call.
        c.waf.disabled_rules = ["xss-script", "xss-js-call", "941110", "941160", "941390"]
            .map(String::from)
            .to_vec()
    })
    .await;
    let r = from(100)
        .get(format!("{}{attack}", h.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "rule off: the request reaches the API");
    let h = InProc::start(|c| c.waf.mode = plaudit::config::WafMode::LogOnly).await;
    let r = from(101)
        .get(format!("{}{attack}", h.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "log_only: not refused");
    let m = from(101)
        .get(format!("{}/metrics", h.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        m.contains("plaudit_waf_blocks_total{rule=\"xss-script\"} 1"),
        "but counted"
    );
    assert!(
        crate::support::wait_until(std::time::Duration::from_secs(5), || {
            h.store
                .traffic()
                .recent(10)
                .unwrap()
                .iter()
                .any(|r| r.acted.as_deref() == Some("xss-script"))
        }),
        "and logged with the rule"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_and_headers_are_refused_before_any_handler() {
    let h = InProc::start(|c| c.server.max_body_kb = 4).await;
    let c = from(110);
    let r = c
        .post(format!("{}/api/v1/auth/login", h.url))
        .header("content-type", "application/json")
        .body(format!("{{\"email\":\"{}\"}}", "a".repeat(8000)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let mut req = c.get(format!("{}/healthz", h.url));
    for i in 0..80 {
        req = req.header(format!("x-h{i}"), "v");
    }
    assert_eq!(req.send().await.unwrap().status(), 403, "too many headers");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bans_survive_a_restart() {
    use crate::support::Server;
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path(), "[limits]\nban_after = 2\n");
    let attacker = from(120);
    for _ in 0..2 {
        let r = attacker
            .get(format!("{}/?q=%3Cscript%3E", server.url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
    }
    assert_eq!(
        attacker
            .get(format!("{}/healthz", server.url))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let (status, _) = server.terminate(std::time::Duration::from_secs(15));
    assert!(status.unwrap().success());
    let server = Server::spawn(tmp.path(), tmp.path().join("plaudit.toml"), &[]).unwrap();
    let r = attacker
        .get(format!("{}/healthz", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "still banned after the restart");
    assert_eq!(
        from(121)
            .get(format!("{}/healthz", server.url))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

/// Someone hammering an account slows only their own address: the owner, from an address
/// that has not failed, signs in with the right password; reset stays open to everyone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attacker_cannot_lock_the_owner_out_of_their_account() {
    let h = InProc::start(|c| {
        c.security.trusted_proxies = vec!["127.0.0.1/32".into()];
        c.accounts.login_attempts_per_account = 5;
        c.accounts.auth_attempts_per_ip = 1000;
    })
    .await;
    let (mut owner, _) = h.user("owner@example.com", false);
    owner.password_hash = plaudit::services::passwords::hash_password(
        &plaudit::domain::Password::parse("the right password".into()).unwrap(),
    )
    .unwrap();
    h.store.users().put(&owner).unwrap();
    let c = from(1);
    let login = |addr: &'static str, password: &'static str| {
        c.post(format!("{}/api/v1/auth/login", h.url))
            .header("X-Forwarded-For", addr)
            .json(&json!({"email": "owner@example.com", "password": password}))
            .send()
    };
    let mut throttled = 0;
    for _ in 0..12 {
        let s = login("198.51.100.66", "guess").await.unwrap().status();
        assert!(s == 401 || s == 429, "{s}");
        throttled += usize::from(s == 429);
    }
    assert!(
        throttled >= 6,
        "the attacker's address is slowed ({throttled})"
    );
    assert_eq!(
        login("198.51.100.66", "the right password")
            .await
            .unwrap()
            .status(),
        429,
        "even a right guess from the attacker's address waits"
    );
    assert_eq!(
        login("203.0.113.10", "the right password")
            .await
            .unwrap()
            .status(),
        200,
        "the owner, from their own address, gets in"
    );
    let r = c
        .post(format!("{}/api/v1/auth/password-reset", h.url))
        .header("X-Forwarded-For", "198.51.100.66")
        .json(&json!({"email": "owner@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202, "reset has no account brake");
}

fn dir_size(p: &std::path::Path) -> u64 {
    let mut n = 0;
    for e in std::fs::read_dir(p).into_iter().flatten().flatten() {
        let path = e.path();
        n += if path.is_dir() {
            dir_size(&path)
        } else {
            e.metadata().map(|m| m.len()).unwrap_or(0)
        };
    }
    n
}

/// A banned address sending huge headers cannot fill the disk through the request log, and
/// what is logged is bounded and redacted, Referer included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_log_cannot_be_used_to_fill_the_disk_or_leak_tokens() {
    let h = InProc::start(|c| {
        c.limits.ban_after = 3;
        c.waf.max_header_bytes = 128 * 1024;
    })
    .await;
    let url = format!("{}/healthz", h.url);
    let c = from(90);
    for _ in 0..3 {
        let r = c
            .get(format!("{}/w?id=1%20union%20select%201,2", h.url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
    }
    assert_eq!(c.get(&url).send().await.unwrap().status(), 403, "banned");
    h.store.flush_blocking().unwrap();
    let before = dir_size(h.dir.path());
    let ua = "U".repeat(60 * 1024);
    let referer = format!("https://evil.example/{}", "r".repeat(30 * 1024));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (c, url, ua, referer) = (from(90), url.clone(), ua.clone(), referer.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..1250 {
                let r = c
                    .get(&url)
                    .header("user-agent", &ua)
                    .header("referer", &referer)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 403);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    h.store.flush_blocking().unwrap();
    let grown = dir_size(h.dir.path()).saturating_sub(before);
    assert!(
        grown < 5 * 1024 * 1024,
        "10,000 huge requests grew the data folder by {grown} bytes"
    );

    // An allowed request with a token in its Referer and a huge user agent: logged bounded
    // and redacted; pages holding a token tell browsers to send no Referer at all.
    let ok = from(91);
    let r = ok
        .get(&url)
        .header("user-agent", &ua)
        .header(
            "referer",
            "https://reviews.example.test/reset/SECRETTOKEN123?next=/w",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(crate::support::wait_until(
        std::time::Duration::from_secs(5),
        || {
            h.store
                .traffic()
                .recent(50)
                .unwrap()
                .iter()
                .any(|r| r.referrer.contains("/reset/"))
        }
    ));
    let logged = h.store.traffic().recent(50).unwrap();
    let rec = logged
        .iter()
        .find(|r| r.referrer.contains("/reset/"))
        .unwrap();
    assert_eq!(
        rec.referrer,
        "https://reviews.example.test/reset/REDACTED?next=/w"
    );
    assert!(rec.user_agent.len() <= 600, "{}", rec.user_agent.len());
    let page = ok
        .get(format!("{}/reset/SECRETTOKEN123", h.url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
}

/// 200 cross-site GETs with attack strings (an <img> wall on any web page) are refused but
/// ban nobody; the same requests from a tool do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_requests_cannot_get_an_address_banned() {
    let h = InProc::start(|c| c.limits.ban_after = 10).await;
    let c = from(95);
    for _ in 0..200 {
        let r = c
            .get(format!("{}/w?id=1%20union%20select%201,2", h.url))
            .header("sec-fetch-site", "cross-site")
            .header("sec-fetch-mode", "no-cors")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
    }
    assert_eq!(
        c.get(format!("{}/healthz", h.url))
            .send()
            .await
            .unwrap()
            .status(),
        200,
        "not banned"
    );
    let tool = from(96);
    for _ in 0..10 {
        tool.get(format!("{}/w?id=1%20union%20select%201,2", h.url))
            .send()
            .await
            .unwrap();
    }
    assert_eq!(
        tool.get(format!("{}/healthz", h.url))
            .send()
            .await
            .unwrap()
            .status(),
        403,
        "a tool's attacks still ban"
    );
}

/// The request log has a total cap: past `logs.max_requests`, the oldest go first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_log_keeps_at_most_its_cap_dropping_the_oldest() {
    let h = InProc::start(|c| c.logs.max_requests = 1_000).await;
    let c = from(97);
    for i in 0..1_300 {
        let r = c
            .get(format!("{}/healthz?n={i}", h.url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    assert!(crate::support::wait_until(
        std::time::Duration::from_secs(10),
        || { h.store.traffic().count().unwrap() >= 1_300 }
    ));
    let trimmed = h.store.traffic().trim_to(1_000).unwrap();
    assert!(trimmed >= 300, "{trimmed}");
    assert!(h.store.traffic().stored_requests() <= 1_000);
    let newest = h.store.traffic().recent(1).unwrap();
    assert!(
        newest[0].path.ends_with("n=1299"),
        "the newest stay: {}",
        newest[0].path
    );
    assert!(
        !h.store
            .traffic()
            .recent(1_000)
            .unwrap()
            .iter()
            .any(|r| r.path.ends_with("n=0")),
        "the oldest went"
    );
}

/// `plaudit waf test FILE` replays a corpus in-process and prints per-family rates; a broken
/// line is a usage error naming it.
#[test]
fn waf_test_replays_a_corpus_and_prints_rates() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sample.jsonl");
    std::fs::write(
        &file,
        concat!(
            r#"{"family":"942","expect":"block","method":"GET","uri":"/search?q=1%27%20or%201=1--","headers":{"Host":"x"},"body":""}"#, "\n",
            r#"{"family":"942","expect":"pass","method":"GET","uri":"/search?q=coffee","headers":{"Host":"x"},"body":""}"#, "\n",
            r#"{"family":"913","expect":"block","method":"GET","uri":"/","headers":{"User-Agent":"sqlmap/1.7"},"body":""}"#, "\n",
        ),
    )
    .unwrap();
    let out = crate::support::plaudit(
        &["waf", "test", file.to_str().unwrap()],
        &[],
        None,
        dir.path(),
    );
    let (stdout, stderr) = crate::support::text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("913") && stdout.contains("1/1  100.0 %"),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("942") && l.contains("0/1")),
        "no look-alike caught: {stdout}"
    );
    std::fs::write(&file, "{not json\n").unwrap();
    let out = crate::support::plaudit(
        &["waf", "test", file.to_str().unwrap()],
        &[],
        None,
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(crate::support::text(&out).1.contains("sample.jsonl:1"));
}

/// Half of OWASP CRS's paranoia-level-1 regression stages (tests/it/corpus), replayed at
/// the real server with the client allow-listed (bans and limits out of the count; the WAF
/// still inspects). Floors are today's rates, so no change makes them worse; issue 8's goal
/// (97 % per family, 932 90 %, look-alikes at most 10 %) is above them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crs_regression_stages_are_blocked_at_least_as_well_as_before() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/waf-corpus/crs-pl1-train.jsonl"
    );
    let Ok(text) = std::fs::read_to_string(path) else {
        // The corpus lives beside the checkout (shared by the project's sessions); a checkout
        // copied elsewhere has no corpus to replay.
        eprintln!("skipped: no corpus at {path}");
        return;
    };
    let h = InProc::start(|c| c.security.allow_list = vec!["127.0.0.0/8".into()]).await;
    let c = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut rates: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).unwrap();
        if v.get("raw_b64").is_some() {
            continue;
        }
        let method = reqwest::Method::from_bytes(v["method"].as_str().unwrap().as_bytes()).unwrap();
        let uri = v["uri"].as_str().unwrap();
        let mut req = c.request(
            method,
            format!(
                "{}{}",
                h.url,
                if uri.starts_with('/') {
                    uri.to_string()
                } else {
                    format!("/{uri}")
                }
            ),
        );
        for (k, val) in v["headers"].as_object().into_iter().flatten() {
            let k = k.to_ascii_lowercase();
            if [
                "host",
                "content-length",
                "connection",
                "transfer-encoding",
                "keep-alive",
                "proxy-connection",
            ]
            .contains(&k.as_str())
            {
                continue;
            }
            if let Some(val) = val.as_str() {
                req = req.header(k, val);
            }
        }
        let body = v["body"].as_str().unwrap_or("");
        if !body.is_empty() {
            req = req.body(body.to_string());
        }
        let Ok(r) = req.send().await else { continue };
        let e = rates
            .entry((
                v["family"].as_str().unwrap().to_string(),
                v["expect"].as_str().unwrap().to_string(),
            ))
            .or_default();
        e.0 += usize::from(r.status() == 403);
        e.1 += 1;
    }
    let pct = |f: &str, e: &str| {
        let (n, of) = rates
            .get(&(f.to_string(), e.to_string()))
            .copied()
            .unwrap_or((0, 1));
        100.0 * n as f64 / of as f64
    };
    println!("{rates:?}");
    for (family, floor) in [
        ("913", 100.0),
        ("930", 97.0),
        ("932", 97.0),
        ("941", 97.0),
        ("942", 97.0),
    ] {
        assert!(
            pct(family, "block") >= floor,
            "{family}: {:.1} % < {floor} %: {rates:?}",
            pct(family, "block")
        );
        assert!(
            pct(family, "pass") <= 10.0,
            "{family} look-alikes: {:.1} %",
            pct(family, "pass")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multipart_fields_are_inspected_by_name_and_files_by_file_name() {
    let h = InProc::start(|c| {
        c.limits.per_ip_per_minute = 100_000;
        c.limits.per_ip_burst = 100_000;
        c.limits.ban_after = 1_000_000;
    })
    .await;
    let c = from(120);
    let send = |fields: Vec<(&'static str, Option<&'static str>, &'static str)>| {
        let mut body = String::new();
        for (name, file, value) in fields {
            body.push_str("--b0undary\r\nContent-Disposition: form-data; name=\"");
            body.push_str(name);
            body.push('"');
            if let Some(f) = file {
                body.push_str(&format!("; filename=\"{f}\"\r\nContent-Type: text/csv"));
            }
            body.push_str("\r\n\r\n");
            body.push_str(value);
            body.push_str("\r\n");
        }
        body.push_str("--b0undary--\r\n");
        let req = c
            .post(format!("{}/w/x/import", h.url))
            .header("content-type", "multipart/form-data; boundary=b0undary")
            .body(body);
        async move {
            let r = req.send().await.unwrap();
            let status = r.status();
            let text = r.text().await.unwrap();
            if blocked(status, &text) {
                println!("blocked: {text}");
            }
            blocked(status, &text)
        }
    };
    // Attacks in ordinary fields and in file names are refused.
    assert!(send(vec![("dry_run", None, "1' or '1'='1")]).await);
    assert!(
        send(vec![
            ("csrf", None, "x"),
            ("file", Some("../../../etc/passwd"), "a,b")
        ])
        .await
    );
    assert!(send(vec![("workspace", None, "<script>alert(1)</script>")]).await);
    // A file's content is the handler's business; prose fields are read as prose.
    assert!(
        !send(vec![
            ("csrf", None, "abc"),
            ("file", Some("reviews.csv"), "location,text\nShop,\"Select the union of 1=1 flavours; drop by!\"\nShop,<script>alert(1)</script>"),
        ])
        .await
    );
    assert!(
        !send(vec![(
            "text",
            None,
            "Best croissants in town <3 -- select the almond one; 10/10"
        )])
        .await
    );
}

/// An attack corpus the rules were not written from (PayloadsAllTheThings' payload lists, see
/// tests/it/corpus/README.md), replayed in-process: the rates stay at or above their floors.
#[test]
fn payloads_the_rules_were_not_written_from_are_blocked() {
    let corpus =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/corpus/extra-patt.jsonl");
    let dir = tempfile::tempdir().unwrap();
    let out = crate::support::plaudit(
        &["waf", "test", corpus.to_str().unwrap()],
        &[],
        None,
        dir.path(),
    );
    let (stdout, stderr) = crate::support::text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    println!("{stdout}");
    let rate = |family: &str| -> f64 {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(family))
            .unwrap_or_else(|| panic!("{family}: {stdout}"));
        let (n, of) = line
            .split_whitespace()
            .nth(1)
            .unwrap()
            .split_once('/')
            .unwrap();
        100.0 * n.parse::<f64>().unwrap() / of.parse::<f64>().unwrap()
    };
    for (family, floor) in [
        ("930", 89.0),
        ("932", 85.0),
        ("941", 97.0),
        ("942", 93.0),
        ("all", 91.0),
    ] {
        assert!(
            rate(family) >= floor,
            "{family}: {:.1} % < {floor} %",
            rate(family)
        );
    }
}
