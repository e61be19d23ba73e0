//! The server's life: first start, the setup link, one owner per data folder, signals, restarts.

use crate::support::{Server, http, plaudit, text, wait_until, write_config};
use std::time::Duration;

async fn submit_setup(url: &str, email: &str, password: &str) -> reqwest::Response {
    http()
        .post(url)
        .form(&[
            ("email", email),
            ("name", "Ada"),
            ("password", password),
            ("password_confirm", password),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn setup_link_works_once_and_never_again() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path(), "");
    let link = server
        .setup_url()
        .expect("a setup link is printed when no admin exists");
    assert!(
        link.starts_with(&server.url),
        "{link} is built from the instance URL"
    );

    let page = http().get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Create the administrator")
    );

    // Bad input keeps the link usable and says what is wrong.
    let short = submit_setup(&link, "ada@example.com", "short").await;
    assert_eq!(short.status(), 422);
    assert!(
        short
            .text()
            .await
            .unwrap()
            .contains("at least 8 characters")
    );

    // A cross-site post is refused and burns nothing.
    let forged = http()
        .post(&link)
        .header("Origin", "https://evil.example")
        .form(&[
            ("email", "eve@example.com"),
            ("password", "longenough1"),
            ("password_confirm", "longenough1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);

    let done = submit_setup(&link, "ada@example.com", "correct horse battery").await;
    assert_eq!(done.status(), 200);
    // The new administrator is signed in: the answer carries their session.
    let cookie = done.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let page = done.text().await.unwrap();
    assert!(
        page.contains("Administrator created") && page.contains("you are signed in"),
        "{page}"
    );
    let home = http()
        .get(format!("{}/w", server.url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        home.status(),
        200,
        "signed in without typing the password again"
    );
    assert!(home.text().await.unwrap().contains("ada@example.com"));

    for _ in 0..2 {
        assert_eq!(http().get(&link).send().await.unwrap().status(), 404);
        let again = submit_setup(&link, "mallory@example.com", "another password").await;
        assert_eq!(again.status(), 404);
        assert!(again.text().await.unwrap().contains("not valid"));
    }
    let wrong = format!("{}/setup/{}", server.url, "0".repeat(64));
    assert_eq!(http().get(&wrong).send().await.unwrap().status(), 404);

    // After a restart the admin is there and no new link is printed.
    let (status, _) = server.terminate(Duration::from_secs(15));
    assert!(status.unwrap().success());
    let server = Server::spawn(tmp.path(), tmp.path().join("plaudit.toml"), &[]).unwrap();
    assert_eq!(server.setup_url(), None);
    let token = link.rsplit('/').next().unwrap();
    let link = format!("{}/setup/{token}", server.url);
    assert_eq!(http().get(&link).send().await.unwrap().status(), 404);
    let out = plaudit(
        &[
            "admin",
            "create",
            "--email",
            "ada@example.com",
            "--config",
            server.config.to_str().unwrap(),
        ],
        &[],
        Some("x-password-9\n"),
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));
    assert!(text(&out).1.contains("already exists"));
}

#[test]
fn a_second_server_on_the_same_data_folder_fails_clearly() {
    if crate::support::sled_only(
        "sled's folder takes one process; on PostgreSQL several instances share one database by design",
    ) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let first = Server::start(tmp.path(), "");
    let second = Server::spawn(tmp.path(), first.config.clone(), &[]);
    let (_, err) = second.err().expect("the second server must not start");
    assert!(err.contains("in use by another Plaudit process"), "{err}");
    // The first one is unharmed.
    assert!(wait_until(Duration::from_secs(5), || {
        std::net::TcpStream::connect(first.url.trim_start_matches("http://")).is_ok()
    }));
}

/// On a database server, several instances may share the database but not a data folder (its
/// control socket, mail files and backups are one process's): a second process on the same
/// folder is refused with words that say what to do, and the first one is unharmed.
#[test]
fn a_second_instance_on_the_same_data_folder_is_refused_clearly() {
    if !crate::support::on_postgres() {
        eprintln!("runs in the PostgreSQL pass: on sled the store's own folder lock refuses it");
        return;
    }
    let a = tempfile::tempdir().unwrap();
    let first = Server::start(a.path(), "");
    let second = Server::spawn(a.path(), first.config.clone(), &[]);
    let (_, err) = second.err().expect("the second instance must not start");
    assert!(
        err.contains("another plaudit serve is using the data folder")
            && err.contains("its own storage.data_dir"),
        "{err}"
    );
    assert!(wait_until(Duration::from_secs(5), || {
        std::net::TcpStream::connect(first.url.trim_start_matches("http://")).is_ok()
    }));
}

#[tokio::test]
async fn sigterm_stops_within_the_bound_and_a_restart_sees_acknowledged_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path(), "");
    let cfg = server.config.to_str().unwrap().to_string();
    // A write acknowledged over the control socket while the server runs.
    let out = plaudit(
        &[
            "admin",
            "test-email",
            "--to",
            "owner@example.com",
            "--config",
            &cfg,
        ],
        &[],
        None,
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let queued_id = text(&out)
        .0
        .lines()
        .find_map(|l| l.strip_prefix("id: ").map(str::to_string))
        .unwrap();

    // A request being handled when SIGTERM arrives is finished and its write kept: the setup
    // form's headers and half its body are in before the signal; the rest follows 400 ms after
    // it, while the server is draining.
    let link = server.setup_url().unwrap();
    let body = "email=late%40example.com&name=Late&password=a+late+password&password_confirm=a+late+password";
    let (first, rest) = body.split_at(body.len() / 2);
    let path = link.trim_start_matches(&server.url).to_string();
    let mut conn = std::net::TcpStream::connect(server.url.trim_start_matches("http://")).unwrap();
    use std::io::{Read, Write};
    write!(
        conn,
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{first}",
        body.len()
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let rest = rest.to_string();
    let finisher = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(400));
        conn.write_all(rest.as_bytes()).unwrap();
        let mut answer = String::new();
        let _ = conn.read_to_string(&mut answer);
        answer
    });
    let (status, took) = server.terminate(Duration::from_secs(20));
    let status = status.expect("serve must exit after SIGTERM");
    assert!(status.success(), "{status:?}");
    assert!(
        took < Duration::from_secs(8),
        "shutdown took {took:?}, bound is shutdown_timeout_secs (5) + 2"
    );
    let answer = finisher.join().unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "in-flight request answered: {answer:?}"
    );

    let server = Server::spawn(tmp.path(), tmp.path().join("plaudit.toml"), &[]).unwrap();
    let cfg = server.config.to_str().unwrap().to_string();
    assert_eq!(server.setup_url(), None);
    let out = plaudit(
        &[
            "admin",
            "create",
            "--email",
            "late@example.com",
            "--config",
            &cfg,
        ],
        &[],
        Some("yet another password\n"),
        tmp.path(),
    );
    assert!(
        text(&out).1.contains("already exists"),
        "the in-flight write survived: {:?}",
        text(&out)
    );
    // The queued test email went out through the file transport (no SMTP configured).
    let mail = tmp
        .path()
        .join("data/mail")
        .join(format!("{queued_id}.eml"));
    assert!(
        wait_until(Duration::from_secs(10), || mail.exists()),
        "queued mail was delivered after restart"
    );
    let raw = std::fs::read_to_string(mail).unwrap();
    assert!(raw.contains("To: owner@example.com"));
}

#[tokio::test]
async fn sigkill_after_an_acknowledged_admin_create_loses_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path(), "");
    let link = server.setup_url().unwrap();
    let done = submit_setup(&link, "first@example.com", "first admin password").await;
    assert_eq!(done.status(), 200);
    // A second admin through the control socket while the server runs.
    let cfg = tmp.path().join("plaudit.toml");
    let cfg = cfg.to_str().unwrap();
    let out = plaudit(
        &[
            "admin",
            "create",
            "--email",
            "second@example.com",
            "--config",
            cfg,
        ],
        &[],
        Some("second admin password\n"),
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    server.kill9();
    for email in ["first@example.com", "second@example.com"] {
        let out = plaudit(
            &["admin", "create", "--email", email, "--config", cfg],
            &[],
            Some("whatever-password\n"),
            tmp.path(),
        );
        assert!(
            text(&out).1.contains("already exists"),
            "{email}: {:?}",
            text(&out)
        );
    }
}

#[test]
fn admin_create_works_offline_generates_a_password_and_rejects_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = write_config(tmp.path(), "");
    let cfg = cfg.to_str().unwrap();
    // No password on stdin: one is generated and printed once.
    let out = plaudit(
        &[
            "admin",
            "create",
            "--email",
            "Root@Example.com",
            "--config",
            cfg,
        ],
        &[],
        Some(""),
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let stdout = text(&out).0;
    assert!(stdout.contains("email: root@example.com"));
    let generated = stdout
        .lines()
        .find_map(|l| l.strip_prefix("generated_password: "))
        .unwrap();
    assert_eq!(generated.len(), 20);

    let out = plaudit(
        &[
            "admin",
            "create",
            "--email",
            "not-an-email",
            "--config",
            cfg,
        ],
        &[],
        Some("long enough pw\n"),
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("not a valid email"));
    let out = plaudit(
        &[
            "admin",
            "create",
            "--email",
            "b@example.com",
            "--config",
            cfg,
        ],
        &[],
        Some("short\n"),
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("at least 8"));

    // With an admin present, serve prints no setup link.
    let server = Server::spawn(tmp.path(), tmp.path().join("plaudit.toml"), &[]).unwrap();
    assert_eq!(server.setup_url(), None);
}

#[test]
fn scripted_deploys_create_the_admin_from_the_environment() {
    let tmp = tempfile::tempdir().unwrap();
    let env = [
        ("PLAUDIT_ADMIN_EMAIL", "deploy@example.com"),
        ("PLAUDIT_ADMIN_PASSWORD", "from the environment"),
    ];
    let server = Server::start_with_env(tmp.path(), "", &env);
    assert_eq!(server.setup_url(), None);
    drop(server);
    let bad = tempfile::tempdir().unwrap();
    write_config(bad.path(), "");
    let err = Server::spawn(
        bad.path(),
        bad.path().join("plaudit.toml"),
        &[
            ("PLAUDIT_ADMIN_EMAIL", "x"),
            ("PLAUDIT_ADMIN_PASSWORD", "long enough"),
        ],
    )
    .err()
    .unwrap();
    assert!(err.1.contains("PLAUDIT_ADMIN_EMAIL"), "{err:?}");
}

#[tokio::test]
async fn health_errors_and_assets() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path(), "");
    let c = http();
    let health = c
        .get(format!("{}/healthz", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(
        health.json::<serde_json::Value>().await.unwrap(),
        serde_json::json!({"status":"ok"})
    );
    assert_eq!(
        c.get(format!("{}/readyz", server.url))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let api = c
        .get(format!("{}/api/v1/nope", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 404);
    assert!(
        api.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");

    let page = c
        .get(format!("{}/no/such/page", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("There is nothing at this address")
    );

    // Home links its stylesheet by fingerprinted name; that name caches for a year, and the
    // ETag answers 304.
    let home = c
        .get(&server.url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains("Welcome to Plaudit"),
        "empty state for a fresh instance"
    );
    let css = home
        .split("href=\"")
        .find_map(|s| s.split('"').next().filter(|h| h.ends_with(".css")))
        .unwrap()
        .to_string();
    let r = c.get(format!("{}{css}", server.url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let again = c
        .get(format!("{}{css}", server.url))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    let plain = c
        .get(format!("{}/assets/css/app.css", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.headers()["cache-control"], "no-cache");
    let stale = c
        .get(format!("{}/assets/css/app.00000000.css", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 404);
    // Never served: not found, or refused outright (CRS lists Cargo.toml as a restricted file).
    let climb = c
        .get(format!("{}/assets/../Cargo.toml", server.url))
        .send()
        .await
        .unwrap()
        .status();
    assert!(climb == 404 || climb == 403, "{climb}");

    let login = c.get(format!("{}/login", server.url)).send().await.unwrap();
    assert_eq!(login.status(), 200);
    assert!(login.text().await.unwrap().contains("Sign in"));

    // Oversized bodies are refused before they reach a handler.
    let big = "a".repeat(300 * 1024);
    let link = server.setup_url().unwrap();
    let r = c
        .post(&link)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("email={big}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
}

#[tokio::test]
async fn tls_static_serves_https_over_http1_and_http2() {
    let tmp = tempfile::tempdir().unwrap();
    let (cert, key) = (tmp.path().join("cert.pem"), tmp.path().join("key.pem"));
    let ok = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl (scripts/test installs it)");
    assert!(ok.status.success());
    let extra = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\nshutdown_timeout_secs = 5\ntls = \"static\"\ntls_cert = \"{}\"\ntls_key = \"{}\"\n",
        cert.display(),
        key.display()
    );
    let server = Server::start(tmp.path(), &extra);
    assert!(server.url.starts_with("https://"), "{}", server.url);
    let h2 = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    let r = h2
        .get(format!("{}/healthz", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.version(), reqwest::Version::HTTP_2);
    let h1 = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .http1_only()
        .build()
        .unwrap();
    let r = h1
        .get(format!("{}/healthz", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.version(), reqwest::Version::HTTP_11);
    let plain = reqwest::get(format!(
        "{}/healthz",
        server.url.replace("https://", "http://")
    ))
    .await;
    assert!(
        plain.is_err() || plain.unwrap().status() != 200,
        "plain HTTP must not be served on the TLS port"
    );
}

#[tokio::test]
async fn the_access_log_is_one_escaped_combined_line_per_request_without_secrets() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path(), "");
    let c = http();
    c.get(format!("{}/reset/a-secret-reset-token?x=1", server.url))
        .header("User-Agent", "evil\"agent")
        .header("Referer", "https://ref.example/a b")
        .send()
        .await
        .unwrap();
    c.get(format!("{}/healthz?token=abc", server.url))
        .send()
        .await
        .unwrap();
    let lines = || {
        server
            .stdout()
            .into_iter()
            .filter(|l| l.starts_with("127.0.0.1 - "))
            .collect::<Vec<_>>()
    };
    assert!(
        wait_until(Duration::from_secs(5), || lines().len() >= 2),
        "{:?}",
        server.stdout()
    );
    let all = lines().join("\n");
    assert!(
        all.contains("\"GET /reset/REDACTED?x=1 HTTP/1.1\" 404"),
        "{all}"
    );
    assert!(
        all.contains("\"GET /healthz?token=REDACTED HTTP/1.1\" 200"),
        "{all}"
    );
    assert!(all.contains("\"evil\\\"agent\""), "quotes escaped: {all}");
    assert!(!all.contains("a-secret-reset-token"));
}

/// `plaudit admin run-jobs` steps a running server's jobs until idle and names them; without
/// a server there are no jobs to run, and it says so (exit 2).
#[test]
fn run_jobs_drives_a_running_server_and_refuses_without_one() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let args = ["admin", "run-jobs", "--config", config.to_str().unwrap()];
    let out = plaudit(&args, &[], None, dir.path());
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(stderr.contains("no server is running"), "{stderr}");

    let server = Server::start(dir.path(), "");
    let out = plaudit(&args, &[], None, dir.path());
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    for job in [
        "indexer",
        "outbox",
        "campaigns",
        "housekeeping",
        "syncs",
        "alerts",
    ] {
        assert!(stdout.contains(job), "{job} in {stdout}");
    }
    drop(server);
}

/// `serve` starts itself again once with glibc's allocator tuned (the same pid, serving as
/// before), and never over an operator's own `GLIBC_TUNABLES` or their "no".
#[test]
fn serve_runs_with_the_allocator_tuned_unless_the_operator_says_otherwise() {
    let environ = |server: &Server| -> Vec<String> {
        std::fs::read(format!("/proc/{}/environ", server.pid()))
            .unwrap()
            .split(|b| *b == 0)
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .collect()
    };
    let tmp = tempfile::tempdir().unwrap();
    let cfg = write_config(tmp.path(), "");
    let tuned = format!("GLIBC_TUNABLES={}", plaudit::malloc::TUNABLES);

    let server = Server::spawn(tmp.path(), cfg.clone(), &[]).unwrap();
    let env = environ(&server);
    assert!(
        env.contains(&format!("{}=1", plaudit::malloc::MARK)),
        "{env:?}"
    );
    // glibc rewrites the variable in place as it reads it (what `environ` shows may end after
    // the first setting): ours, from its start.
    let given = env
        .iter()
        .find(|v| v.starts_with("GLIBC_TUNABLES="))
        .unwrap();
    assert!(
        given.len() > "GLIBC_TUNABLES=".len() && tuned.starts_with(given.as_str()),
        "{given}"
    );
    drop(server);

    let own = "GLIBC_TUNABLES=glibc.malloc.arena_max=4";
    let server = Server::spawn(tmp.path(), cfg.clone(), &[("GLIBC_TUNABLES", &own[15..])]).unwrap();
    let env = environ(&server);
    assert!(env.iter().any(|v| v == own), "{env:?}");
    assert!(!env.iter().any(|v| v.starts_with(plaudit::malloc::MARK)));
    drop(server);

    let server = Server::spawn(tmp.path(), cfg, &[(plaudit::malloc::MARK, "0")]).unwrap();
    let env = environ(&server);
    assert!(
        !env.iter().any(|v| v.starts_with("GLIBC_TUNABLES=")),
        "{env:?}"
    );
}
