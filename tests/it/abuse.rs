//! The public doors as an attacker tries them: redirect targets in every spelling, pages that
//! try to get their visitors banned, trickling bodies, account lock-outs, reset-mail floods,
//! relayed unsubscribes, and uploads at the size the pages promise.

use crate::inproc::{InProc, PUBLIC_URL};
use crate::support::Server;
use reqwest::{Client, StatusCode, redirect::Policy};
use serde_json::json;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpSocket, TcpStream};

fn from(last: u8) -> Client {
    Client::builder()
        .local_address(IpAddr::from([127, 0, 0, last]))
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// Spellings whose resolved path starts with `//` or `/\`: dot segments, percent-encoded dots
/// and slashes, mixed.
const OFF_SITE: &[&str] = &[
    "/.//evil.example/",
    "/%2e//evil.example/",
    "/%2E//evil.example/x",
    "/./%2e//evil.example",
    "/a/..//evil.example/",
    "/a/%2e%2e//evil.example/",
    "/%2e%2e//evil.example",
    "/.%2e//evil.example/",
    "/x/.././/evil.example",
    "/./\\evil.example",
    "/%2e/\\evil.example",
    "//evil.example",
    "/\\/evil.example",
    "https://evil.example/",
];

/// Where a browser given `location` goes, from a page of this instance.
fn followed(location: &str) -> url::Url {
    url::Url::parse(PUBLIC_URL).unwrap().join(location).unwrap()
}

/// A redirect that stays on this instance, or a refusal by the WAF (which reads dot segments
/// as a climb out of the root); never a way off-site.
fn judged(r: &reqwest::Response, next: &str) {
    match r.status() {
        StatusCode::SEE_OTHER => stays_here(r.headers()["location"].to_str().unwrap()),
        StatusCode::FORBIDDEN => {}
        s => panic!("{next}: {s}"),
    }
}

fn stays_here(location: &str) {
    let to = followed(location);
    let here = url::Url::parse(PUBLIC_URL).unwrap();
    assert_eq!(
        to.origin(),
        here.origin(),
        "Location {location:?} leaves: {to}"
    );
}

async fn owner_with_password(h: &InProc, email: &str, password: &str) -> plaudit::domain::User {
    let (mut user, _) = h.user(email, false);
    user.password_hash = plaudit::services::passwords::hash_password(
        &plaudit::domain::Password::parse(password.into()).unwrap(),
    )
    .unwrap();
    h.store.users().put(&user).unwrap();
    user
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_spelling_of_next_sends_the_browser_to_another_site() {
    let h = InProc::start(|_| {}).await;
    owner_with_password(&h, "owner@example.com", "the right password").await;
    let (_, token) = h.user("signed-in@example.com", false);
    let c = from(1);
    for next in OFF_SITE {
        let q: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
        // Signed in already: GET /login sends the browser on at once.
        let r = c
            .get(format!("{}/login?next={q}", h.url))
            .header("cookie", format!("__Host-plaudit_session={token}"))
            .send()
            .await
            .unwrap();
        judged(&r, next);
        // Signing in: POST /login.
        let r = c
            .post(format!("{}/login", h.url))
            .form(&[
                ("email", "owner@example.com"),
                ("password", "the right password"),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        judged(&r, next);
        // The sign-in page's own form carries the value it will follow.
        let page = c
            .get(format!("{}/login?next={q}", h.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!page.contains("evil.example"), "{next}: {page}");
    }
    // An honest target survives.
    let r = c
        .get(format!("{}/login?next=%2Fw%2Fabc%3Fx%3D1", h.url))
        .header("cookie", format!("__Host-plaudit_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/w/abc?x=1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_elsewhere_cannot_get_their_visitors_banned_by_throttling() {
    let h = InProc::start(|c| {
        c.limits.public_per_ip_per_minute = 20;
        c.limits.ban_after = 10;
    })
    .await;
    let loads = |c: Client, headers: &'static [(&'static str, &'static str)]| {
        let url = h.url.clone();
        async move {
            let mut throttled = 0;
            for n in 0..120 {
                let mut r = c.get(format!("{url}/o/pixel{n}"));
                for (k, v) in headers {
                    r = r.header(*k, *v);
                }
                throttled += usize::from(r.send().await.unwrap().status() == 429);
            }
            throttled
        }
    };
    let image = &[
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-dest", "image"),
        ("sec-fetch-mode", "no-cors"),
    ];
    // A browser too old for Sec-Fetch-*: the Referer names the other site.
    let old_iframe = &[("referer", "https://evil.example/page.html")];
    for (n, headers) in [(2u8, &image[..]), (3, &old_iframe[..])] {
        let c = from(n);
        assert!(loads(c.clone(), headers).await > 50, "throttled, as anyone");
        let r = c.get(format!("{}/healthz", h.url)).send().await.unwrap();
        assert_eq!(r.status(), 200, "client {n} is not banned");
    }
    // The same loads from a tool are its own, and do ban.
    let tool = from(4);
    loads(tool.clone(), &[]).await;
    let r = tool.get(format!("{}/healthz", h.url)).send().await.unwrap();
    assert_eq!(r.status(), 403, "a tool's flood still bans");
}

/// A POST whose body never finishes: headers, then `sent` bytes of a longer body.
async fn slow_post(server: SocketAddr, from: IpAddr, chunked: bool) -> Option<TcpStream> {
    let socket = TcpSocket::new_v4().ok()?;
    socket.bind(SocketAddr::new(from, 0)).ok()?;
    let mut s = socket.connect(server).await.ok()?;
    let framing = if chunked {
        "Transfer-Encoding: chunked\r\n"
    } else {
        "Content-Length: 100000\r\n"
    };
    let head = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n{framing}\r\n"
    );
    s.write_all(head.as_bytes()).await.ok()?;
    Some(s)
}

/// Whether the server has closed this connection (its answer, if any, read and discarded):
/// answering while still draining a trickled body would not do.
fn finished(s: &TcpStream) -> bool {
    let mut buf = [0u8; 4096];
    loop {
        match s.try_read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) => return e.kind() != std::io::ErrorKind::WouldBlock,
        }
    }
}

/// 300 trickling bodies from `sources`, one byte a second: `/healthz` from elsewhere answers
/// within a second throughout, and every trickling connection is answered and closed by the
/// body deadline (4 s here) plus a margin.
async fn trickle_from(server: &Server, sources: &[IpAddr]) {
    let addr: SocketAddr = server.url.trim_start_matches("http://").parse().unwrap();
    let mut conns = Vec::new();
    for n in 0..300 {
        let from = sources[n % sources.len()];
        if let Some(s) = slow_post(addr, from, n % 10 == 0).await {
            conns.push((s, n % 10 == 0));
        }
    }
    assert!(conns.len() >= 290, "opened {}", conns.len());
    let probe = from(1);
    let started = Instant::now();
    let mut worst = Duration::ZERO;
    while started.elapsed() < Duration::from_secs(8) {
        for (s, chunked) in conns.iter_mut() {
            let piece: &[u8] = if *chunked { b"1\r\nx\r\n" } else { b"x" };
            let _ = s.try_write(piece);
        }
        let t = Instant::now();
        let r = tokio::time::timeout(
            Duration::from_secs(5),
            probe.get(format!("{}/healthz", server.url)).send(),
        )
        .await;
        let took = t.elapsed();
        worst = worst.max(took);
        assert!(
            matches!(&r, Ok(Ok(r)) if r.status() == 200),
            "healthz: {r:?}"
        );
        tokio::time::sleep(Duration::from_millis(1000).saturating_sub(took)).await;
    }
    assert!(worst < Duration::from_secs(1), "healthz took {worst:?}");
    let open = conns.iter_mut().filter(|(s, _)| !finished(s)).count();
    assert_eq!(open, 0, "{open} trickling connections still open after 8 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trickling_bodies_are_cut_off_and_never_starve_other_clients() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        "[server]\nlisten = \"127.0.0.1:0\"\nbody_idle_secs = 2\nbody_timeout_secs = 4\n\
         [limits]\nmax_requests_per_client = 64\n",
    );
    trickle_from(&server, &[IpAddr::from([127, 0, 0, 2])]).await;
    let thirty: Vec<IpAddr> = (10..40).map(|n| IpAddr::from([127, 0, 0, n])).collect();
    trickle_from(&server, &thirty).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_from_many_addresses_never_lock_the_owner_out() {
    let h = InProc::start(|c| c.security.trusted_proxies = vec!["127.0.0.1/32".into()]).await;
    owner_with_password(&h, "owner@example.com", "the right password").await;
    let c = from(1);
    let login = |addr: String, password: &'static str| {
        c.post(format!("{}/api/v1/auth/login", h.url))
            .header("X-Forwarded-For", addr)
            .json(&json!({"email": "owner@example.com", "password": password}))
            .send()
    };
    for a in 0..10 {
        for _ in 0..50 {
            let s = login(format!("198.51.100.{a}"), "guess")
                .await
                .unwrap()
                .status();
            assert!(s == 401 || s == 429, "{s}");
        }
    }
    let t = Instant::now();
    let r = login("203.0.113.10".into(), "the right password")
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the owner gets in from a fresh address");
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    // The browser form too.
    let r = c
        .post(format!("{}/login", h.url))
        .header("X-Forwarded-For", "203.0.113.11")
        .form(&[
            ("email", "owner@example.com"),
            ("password", "the right password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn successful_sign_ins_never_count_as_failures() {
    let h = InProc::start(|c| {
        c.accounts.login_attempts_per_account = 3;
        c.accounts.auth_attempts_per_ip = 1000;
    })
    .await;
    owner_with_password(&h, "owner@example.com", "the right password").await;
    let c = from(5);
    let login = |password: &'static str| {
        c.post(format!("{}/api/v1/auth/login", h.url))
            .json(&json!({"email": "owner@example.com", "password": password}))
            .send()
    };
    for _ in 0..8 {
        assert_eq!(login("the right password").await.unwrap().status(), 200);
    }
    assert_eq!(login("guess").await.unwrap().status(), 401, "not braked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_mail_to_one_account_is_capped_whoever_asks() {
    let h = InProc::start(|c| {
        c.security.trusted_proxies = vec!["127.0.0.1/32".into()];
        c.outbox.poll_interval_ms = 600_000;
    })
    .await;
    owner_with_password(&h, "owner@example.com", "the right password").await;
    let c = from(1);
    for n in 0..20 {
        for email in ["owner@example.com", "nobody@example.com"] {
            let r = c
                .post(format!("{}/api/v1/auth/password-reset", h.url))
                .header("X-Forwarded-For", format!("198.51.100.{n}"))
                .json(&json!({ "email": email }))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 202, "the same answer for every request");
        }
    }
    let to_owner = h
        .store
        .outbox()
        .all()
        .unwrap()
        .iter()
        .filter(|m| m.to.contains("owner@example.com"))
        .count();
    assert!((1..=3).contains(&to_owner), "{to_owner} reset mails");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relayed_one_click_unsubscribes_all_succeed_and_never_ban_the_relay() {
    let h = InProc::start(|c| c.outbox.poll_interval_ms = 600_000).await;
    let (_, token) = h.user("owner@agency.example", false);
    let api = h.api().as_(&token);
    let (_, w) = api.post("/workspaces", json!({"name": "Shop"})).await;
    let ws = w["id"].as_str().unwrap().to_string();
    let contacts: Vec<_> = (0..80)
        .map(|n| json!({"email": format!("c{n}@example.net"), "name": format!("C {n}")}))
        .collect();
    let mail = crate::privacy::mail_a_campaign(&h, &api, &ws, json!(contacts)).await;
    let tokens: Vec<String> = mail
        .iter()
        .filter(|m| m.campaign.is_some())
        .map(|m| crate::support::token_in(&m.text, "/u/"))
        .collect();
    assert_eq!(tokens.len(), 80);
    let relay = from(7);
    for t in &tokens {
        let r = relay
            .post(format!("{}/u/{t}", h.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "every valid unsubscribe succeeds");
    }
    let r = relay
        .get(format!("{}/healthz", h.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the relay is not banned");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_take_the_size_the_pages_promise_and_no_more() {
    let h = InProc::start(|_| {}).await;
    let (owner, token) = h.user("owner@agency.example", false);
    let ws = h.workspace("Imports", &owner);
    h.location(&ws, 1);
    let api = format!("{}/api/v1/workspaces/{}/imports/reviews", h.url, ws.id);
    let mut csv = String::from("location,author,rating,text,created_at\n");
    let mut n = 0;
    while csv.len() < 1024 * 1024 {
        csv.push_str(&format!(
            "Shop 1,Guest {n},4,\"Good coffee and a friendly welcome, number {n}\",2026-01-02\n"
        ));
        n += 1;
    }
    let c = from(1);
    let r = c
        .post(format!("{api}?dry_run=true"))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        200,
        "a 1 MB file is taken: {}",
        r.text().await.unwrap()
    );
    let r = c
        .post(&api)
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body(vec![b'x'; 6 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let body = r.text().await.unwrap();
    assert!(body.contains("5120 KB"), "{body}");
    // The page says the limit the server holds to.
    let page = c
        .get(format!("{}/w/{}/import", h.url, ws.id))
        .header("cookie", format!("__Host-plaudit_session={token}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Files up to 5 MB"), "{page}");
    // Other routes keep the ordinary limit.
    let r = c
        .post(format!("{}/api/v1/workspaces", h.url))
        .bearer_auth(&token)
        .json(&json!({"name": "x".repeat(300 * 1024)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
}

/// The decompressed snapshot inside an unencrypted backup file, and its records by tree.
/// (tree, key, value)
type Entry = (String, Vec<u8>, Vec<u8>);

fn backup_contents(file: &std::path::Path) -> (Vec<u8>, Vec<Entry>) {
    let raw = std::fs::read(file).unwrap();
    let head = b"PLAUDIT-BACKUP 2\n";
    assert_eq!(&raw[..head.len()], head);
    assert_eq!(raw[head.len()], 0, "not encrypted");
    let body = zstd::stream::decode_all(&raw[head.len() + 1..raw.len() - 33]).unwrap();
    let mut records = Vec::new();
    let mut tree = String::new();
    plaudit::store::snapshot::read_from(&mut body.as_slice(), |r| {
        match r {
            plaudit::store::snapshot::Record::Tree { name, .. } => {
                tree = String::from_utf8_lossy(name).into_owned()
            }
            plaudit::store::snapshot::Record::Entry([k, v]) => {
                records.push((tree.clone(), k.clone(), v.clone()))
            }
            _ => {}
        }
        Ok(())
    })
    .unwrap();
    (body, records)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stolen_unencrypted_backup_unseals_nothing() {
    let h = InProc::start(|c| c.outbox.poll_interval_ms = 600_000).await;
    let (_, token) = h.user("owner@agency.example", false);
    let api = h.api().as_(&token);
    let (_, w) = api.post("/workspaces", json!({"name": "Shop"})).await;
    let ws = w["id"].as_str().unwrap().to_string();
    let (s, _) = api
        .post(
            &format!("/workspaces/{ws}/contacts"),
            json!([{"email": "ana@example.net", "name": "Ana"}]),
        )
        .await;
    assert_eq!(s, 200);
    let out = h.dir.path().join("backups");
    let now = plaudit::Clock::now(&h.clock);
    let file = plaudit::workers::backup::write(&h.store, &out, now, None, |_| {}).unwrap();
    let secret = h.store.meta().instance_secret().unwrap();
    let (body, records) = backup_contents(&file);
    assert!(
        !body.windows(secret.len()).any(|w| w == secret.as_slice()),
        "the instance secret is not in the file"
    );
    assert!(
        !records
            .iter()
            .any(|(t, k, _)| t == "meta" && k == b"instance_secret")
    );
    let keys: Vec<_> = records
        .iter()
        .filter(|(t, _, _)| t == "person_keys")
        .collect();
    assert!(!keys.is_empty(), "the customer has a key");
    for (_, k, v) in keys {
        // 0xB7, a nonce, the sealed 32-byte key and its tag: never the key itself.
        assert_eq!((v[0], v.len()), (0xB7, 1 + 12 + 32 + 16), "{k:?}");
    }
    // Restored elsewhere, only the instance secret opens them again.
    let restore = |into: &str, secret: Option<Vec<u8>>| {
        plaudit::workers::backup::restore(
            &file,
            &h.dir.path().join(into),
            None,
            &plaudit::workers::backup::Secret(secret),
            now,
        )
    };
    let err = restore("thief", None).unwrap_err();
    assert!(format!("{err:#}").contains("--secret-file"), "{err:#}");
    assert!(
        restore("thief-2", Some(vec![7; 32])).is_err(),
        "another instance's secret"
    );
    restore("owner", Some(secret)).unwrap();
    let store = plaudit::store::Store::open(&h.dir.path().join("owner"), 16, now).unwrap();
    let ws: plaudit::domain::Id<plaudit::domain::Workspace> = ws.parse().unwrap();
    let ana = plaudit::domain::Email::parse("ana@example.net").unwrap();
    assert_eq!(
        store.contacts().by_email(&ws, &ana).unwrap().unwrap().name,
        "Ana"
    );
    store.close().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backups_started_in_the_same_second_keep_both_files() {
    let h = InProc::start(|_| {}).await;
    let out = h.dir.path().join("backups");
    let now = plaudit::Clock::now(&h.clock);
    let files: Vec<_> = (0..4)
        .map(|_| {
            let (store, out) = (h.store.clone(), out.clone());
            std::thread::spawn(move || {
                plaudit::workers::backup::write(&store, &out, now, None, |_| {}).unwrap()
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap())
        .collect();
    let mut names: Vec<_> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_owned())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 4, "{names:?}");
    for f in &files {
        plaudit::workers::backup::verify(f, None).unwrap();
    }
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        4,
        "no temporary file left"
    );
}

/// A crafted backup (valid whole-file checksum, lying lengths, a gzip bomb of changes) is
/// refused without allocating what it claims.
#[test]
fn crafted_backups_are_read_in_bounded_memory() {
    use sha2::Digest;
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    // Both versions: zstd (2) and gzip (1, what releases before wrote).
    let craft = |name: &str, snapshot: &[u8], version: u8| {
        let mut file = format!("PLAUDIT-BACKUP {version}\n\x00").into_bytes();
        if version == 1 {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            gz.write_all(snapshot).unwrap();
            file.extend(gz.finish().unwrap());
        } else {
            file.extend(zstd::stream::encode_all(snapshot, 19).unwrap());
        }
        let digest = sha2::Sha256::digest(&file);
        file.push(b'Z');
        file.extend_from_slice(&digest);
        let path = dir.path().join(name);
        std::fs::write(&path, file).unwrap();
        path
    };
    let magic = b"PLAUDIT-SNAPSHOT 2\n";
    // A tree name that claims a gigabyte.
    let mut lying = magic.to_vec();
    lying.extend_from_slice(b"T\x3f\xff\xff\xff");
    // Changes of 1 MiB each, far more than any backup's redo section: 1.5 GB unpacked.
    let mut bomb = magic.to_vec();
    let change = [
        b"R\x00\x00\x00\x04meta\x00\x00\x00\x01k\x01\x00\x10\x00\x00".as_slice(),
        &vec![0u8; 1 << 20],
    ]
    .concat();
    for _ in 0..1500 {
        bomb.extend_from_slice(&change);
    }
    for (name, snapshot, version) in [
        ("lying", &lying, 1),
        ("bomb", &bomb, 1),
        ("lying-2", &lying, 2),
        ("bomb-2", &bomb, 2),
    ] {
        let path = craft(name, snapshot, version);
        assert!(std::fs::metadata(&path).unwrap().len() < 4 << 20);
        let before = rss_kb();
        let err = plaudit::workers::backup::verify(&path, None).unwrap_err();
        let grew = rss_kb().saturating_sub(before);
        assert!(grew < 64 * 1024, "{name}: RSS grew by {grew} KiB ({err:#})");
    }
}

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consent_url_handed_to_someone_else_connects_nothing() {
    let s = crate::connectors::setup().await;
    let (ws, owner_token) = (&s.ws, s.api.token().to_string());
    let (other, other_token) = s.h.user("colleague@agency.example", false);
    let wid: plaudit::domain::Id<plaudit::domain::Workspace> = ws.parse().unwrap();
    let w = s.h.store.workspaces().get(&wid).unwrap().unwrap();
    s.h.add(&w, &other, plaudit::domain::Role::Owner);
    let browser = from(1);
    let status_of = async |id: &str| {
        let (_, c) = s
            .api
            .get(&format!("/workspaces/{ws}/connections/{id}"))
            .await;
        c["status"].as_str().unwrap().to_string()
    };
    for who in [None, Some(other_token.as_str())] {
        let (id, back) =
            crate::providers::consent(&s.api, ws, "google", PUBLIC_URL, &s.h.url).await;
        let mut r = browser.get(&back);
        if let Some(t) = who {
            r = r.header("cookie", crate::providers::session_cookie(t));
        }
        let r = r.send().await.unwrap();
        assert_eq!(r.status(), 400, "{who:?}");
        assert!(r.text().await.unwrap().contains("started through the API"));
        assert_eq!(
            status_of(&id).await,
            "pending",
            "nothing connected for {who:?}"
        );
    }
    // The starter's own signed-in browser completes it.
    let (id, back) = crate::providers::consent(&s.api, ws, "google", PUBLIC_URL, &s.h.url).await;
    let r = browser
        .get(&back)
        .header("cookie", crate::providers::session_cookie(&owner_token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&id).await, "active");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_targets_are_judged_by_the_address_they_name() {
    let h = InProc::start(|_| {}).await;
    let (owner, token) = h.user("owner@agency.example", false);
    let ws = h.workspace("Agency", &owner);
    let api = h.api().as_(&token);
    let hooks = format!("/workspaces/{}/webhooks", ws.id);
    for public in [
        "https://[2001:db8::1]/hook",
        "https://[2001:db8::1]:8443/hooks/plaudit?team=a",
        "https://hooks.example.com/x",
    ] {
        let (s, v) = api
            .post(&hooks, json!({"url": public, "format": "json"}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{public}: {v}");
    }
    for private in [
        "https://[::1]/hook",
        "https://[fd00::5]/hook",
        "https://[::ffff:192.168.0.1]/hook",
        "https://127.0.0.1/hook",
        "https://169.254.169.254/latest",
        "https://[64:ff9b::a00:1]/hook",
    ] {
        let (s, v) = api
            .post(&hooks, json!({"url": private, "format": "json"}))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{private}: {v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_feedback_link_alerts_once_per_answer() {
    let h = InProc::start(|c| c.outbox.poll_interval_ms = 600_000).await;
    let (_, token) = h.user("owner@agency.example", false);
    let api = h.api().as_(&token);
    let (_, w) = api.post("/workspaces", json!({"name": "Shop"})).await;
    let ws = w["id"].as_str().unwrap().to_string();
    let mail = crate::privacy::mail_a_campaign(
        &h,
        &api,
        &ws,
        json!([{"email": "bo@example.net", "name": "Bo"}]),
    )
    .await;
    let link = crate::support::token_in(&mail[0].text, "/f/");
    let alerts = || {
        h.store
            .outbox()
            .all()
            .unwrap()
            .iter()
            .filter(|m| m.campaign.is_none() && m.to.contains("owner@agency.example"))
            .count()
    };
    let answer = async |score: &str, comment: &str| {
        let r = from(9)
            .post(format!("{}/f/{link}", h.url))
            .form(&[("score", score), ("comment", comment)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    };
    for _ in 0..10 {
        answer("1", "The soup was cold").await;
    }
    assert_eq!(alerts(), 1, "the same answer, re-posted, alerts once");
    answer("1", "The soup was cold and late").await;
    assert_eq!(alerts(), 1, "a changed answer within the hour waits");
    h.clock.advance(time::Duration::hours(2));
    answer("2", "Still cold").await;
    assert_eq!(alerts(), 2, "a changed answer later alerts again");
    answer("2", "Still cold").await;
    assert_eq!(alerts(), 2);
}

/// CPU time this process has used, in clock ticks (user + system).
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_draft_campaigns_cost_the_idle_worker_nothing_and_plans_cap_them() {
    let h = InProc::start(|c| {
        c.outbox.poll_interval_ms = 1000;
        c.plans.get_mut("standard").unwrap().max_campaigns = 6001;
    })
    .await;
    let (owner, token) = h.user("owner@agency.example", false);
    let ws = h.workspace("Agency", &owner);
    let api = h.api().as_(&token);
    let (s, first) = api
        .post(
            &format!("/workspaces/{}/campaigns", ws.id),
            json!({"name": "Ask"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    let id: plaudit::domain::Id<plaudit::domain::Campaign> =
        first["id"].as_str().unwrap().parse().unwrap();
    let idle_share = async || {
        // Past the store's flush of what was just written.
        tokio::time::sleep(Duration::from_secs(3)).await;
        let (t0, before) = (Instant::now(), cpu_ticks());
        tokio::time::sleep(Duration::from_secs(8)).await;
        // Clock ticks are USER_HZ, 100 a second on Linux.
        (cpu_ticks() - before) as f64 / 100.0 / t0.elapsed().as_secs_f64()
    };
    // The same process idle with one draft: every other worker's cost, the reference.
    let reference = idle_share().await;
    let template = h.store.campaigns().get(&ws.id, &id).unwrap().unwrap();
    for n in 0..6000 {
        let mut c = template.clone();
        c.id = plaudit::domain::Id::generate(plaudit::Clock::now(&h.clock));
        c.name = format!("Draft {n}");
        h.store.campaigns().put(&c).unwrap();
    }
    assert!(
        h.store.campaigns().active().unwrap().is_empty(),
        "drafts have no work"
    );
    // The plan's cap: 6,001 kept, the next refused.
    let (s, v) = api
        .post(
            &format!("/workspaces/{}/campaigns", ws.id),
            json!({"name": "One more"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let share = idle_share().await;
    println!(
        "idle CPU with 6,001 drafts: {:.2} % of a core (one draft: {:.2} %)",
        share * 100.0,
        reference * 100.0
    );
    // Scanning them every second, as the worker once did, costs several % here (debug build).
    assert!(
        share - reference < 0.01,
        "the drafts cost {:.2} % of a core",
        (share - reference) * 100.0
    );
}
