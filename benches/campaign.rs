//! `benches/run campaign`: a feedback campaign sent through Plaudit to Postfix's smtp-sink —
//! contacts chosen, messages rendered, queued in transactions, signed, sent through the pool,
//! recorded and flushed — beside a bare lettre loop sending the same number of messages of the
//! same size through a pool of the same size to the same sink. Both with DKIM (as deployed) and
//! both without. Prints messages/s of each and the ratio (Plaudit / bare).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use plaudit::SystemClock;
use plaudit::app::{App, Bootstrap};
use plaudit::config::{Config, SmtpSecurity};
use plaudit::domain::{
    Audience, Campaign, CampaignStatus, Consent, Contact, Email, Id, User, Workspace, parse_message,
};
use std::path::Path;
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant};

const POOL: u32 = 8;

fn messages() -> usize {
    std::env::var("CAMPAIGN_MESSAGES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn sink() -> (Child, u16) {
    let port = free_port();
    let mut cmd = Command::new("smtp-sink");
    // As root smtp-sink must drop privileges; -c counts, the backlog covers the whole pool.
    if unsafe_is_root() {
        cmd.args(["-u", "nobody"]);
    }
    let mut child = cmd
        .args(["-c", &format!("127.0.0.1:{port}"), "256"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("smtp-sink (Debian package postfix; benches/run installs it)");
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (child, port);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("smtp-sink did not start");
}

fn unsafe_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
}

fn dkim_key(dir: &Path) -> std::path::PathBuf {
    let key = dir.join("dkim.pem");
    let ok = Command::new("openssl")
        .args(["genrsa", "-out"])
        .arg(&key)
        .arg("2048")
        .output()
        .unwrap();
    assert!(ok.status.success());
    key
}

fn smtp_config(config: &mut plaudit::config::SmtpConfig, port: u16, key: Option<&Path>) {
    config.host = Some("127.0.0.1".into());
    config.port = port;
    config.security = SmtpSecurity::None;
    config.from = "Reviews <reviews@shop.example>".into();
    config.pool_size = POOL;
    if let Some(key) = key {
        config.dkim_domain = Some("shop.example".into());
        config.dkim_selector = Some("mail".into());
        config.dkim_key_file = Some(key.to_path_buf());
        plaudit::mail::dkim::validate(config).unwrap();
    }
}

const TEXT: &str = "Hi Customer,\n\nThank you for visiting Bakery on Main. Would you tell us how it went? It takes a minute:\n\nhttps://reviews.example.com/f/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKlMn\n\nThank you!\n\n-- \nBakery on Main\n1 Main St, Springfield\nUnsubscribe: https://reviews.example.com/u/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKlMn\n";

/// The bare loop: the same number of messages of about the same size, built, signed (when
/// asked) and sent by POOL tasks sharing one pooled transport.
async fn bare(port: u16, n: usize, key: Option<&Path>) -> f64 {
    let mut smtp = plaudit::config::SmtpConfig::default();
    smtp_config(&mut smtp, port, key);
    let dkim = plaudit::mail::dkim::signer(&smtp).unwrap();
    let html = format!(
        "<!doctype html><html><body>{}</body></html>",
        TEXT.replace('\n', "<br>")
    )
    .repeat(3);
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(port)
        .pool_config(PoolConfig::new().max_size(POOL))
        .build();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..POOL {
        let (transport, next, dkim, html) =
            (transport.clone(), next.clone(), dkim.clone(), html.clone());
        tasks.push(tokio::spawn(async move {
            let from: Mailbox = "Bakery on Main <reviews@shop.example>".parse().unwrap();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let to: Mailbox = format!("Customer {i} <c{i}@example.net>").parse().unwrap();
                let mut m = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject("How was your visit to Bakery on Main?")
                    .message_id(Some(format!("<{i}@shop.example>")))
                    .multipart(MultiPart::alternative_plain_html(
                        TEXT.to_string(),
                        html.clone(),
                    ))
                    .unwrap();
                if let Some(d) = &dkim {
                    m.sign(d);
                }
                transport.send(m).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    n as f64 / started.elapsed().as_secs_f64()
}

/// Plaudit: a workspace with `n` contacts and a campaign set to send; timed from the campaign
/// starting until every message is recorded as delivered.
async fn plaudit_run(port: u16, n: usize, key: Option<&Path>, dir: &Path) -> f64 {
    let mut config = Config::default();
    config.server.listen = "127.0.0.1:0".parse().unwrap();
    config.server.public_url = Some("https://reviews.example.com".parse().unwrap());
    config.storage.data_dir = dir.join("data");
    config.logs.access_log = plaudit::config::AccessLogFormat::Off;
    config.outbox.concurrency = POOL as usize;
    config.outbox.poll_interval_ms = 20;
    config.poller.enabled = false;
    smtp_config(&mut config.smtp, port, key);
    let clock: plaudit::clock::SharedClock = Arc::new(SystemClock);
    let app = App::start(config, clock.clone(), Bootstrap::default())
        .await
        .unwrap();
    let store = app.store().clone();
    let now = clock.now();
    let ws = Workspace {
        id: Id::generate(now),
        name: "Bakery on Main".into(),
        plan: "free".into(),
        created_at: now,
    };
    let owner: Id<User> = Id::generate(now);
    store.workspaces().create(&ws, &owner).unwrap();
    for i in 0..n {
        let c = Contact {
            id: Id::generate(now),
            workspace: ws.id,
            email: Email::parse(&format!("c{i}@example.net")).unwrap(),
            name: format!("Customer {i}"),
            location: None,
            source: "bench".into(),
            consent: Consent::ExistingCustomer,
            created_at: now,
            last_asked_at: None,
            restricted: false,

            last_answered_at: None,

            last_campaign: None,
        };
        store.contacts().upsert(c).unwrap();
    }
    store.flush().await.unwrap();
    let campaign = Campaign {
        id: Id::generate(now),
        workspace: ws.id,
        name: "Bench".into(),
        location: None,
        message: parse_message(
            "How was your visit to {business}?",
            "Hi {first_name},\n\nThank you for visiting {business}. Would you tell us how it went? It takes a minute:\n\n{feedback_link}\n\nThank you!",
            None,
        )
        .unwrap(),
        audience: Audience::default(),
        reminder_days: None,
        daily_cap: None,
        status: CampaignStatus::Sending,
        send_at: None,
        cursor: None,
        reminder_cursor: None,
        sent_on_day: (0, 0),
        created_at: now,
        first_pass_done_at: None,
        capped: 0,
    };
    let started = Instant::now();
    store.campaigns().put(&campaign).unwrap();
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let f = store.campaigns().funnel(&campaign.id).unwrap();
        if f.delivered as usize >= n {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1800),
            "stuck at {f:?}"
        );
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    app.shutdown().await.unwrap();
    rate
}

fn main() {
    let n = messages();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let key = dkim_key(tmp.path());
    let (mut sink, port) = sink();
    println!("campaign of {n} messages to smtp-sink, pool of {POOL} connections");
    for (label, key) in [
        ("without DKIM", None),
        ("with DKIM (RSA 2048)", Some(key.as_path())),
    ] {
        // Two alternating rounds; the better of each, since the machine is shared and noisy.
        let (mut p, mut b) = (0f64, 0f64);
        for round in 0..2 {
            let dir = tmp.path().join(format!("run-{label}-{round}"));
            b = b.max(rt.block_on(bare(port, n, key)));
            p = p.max(rt.block_on(plaudit_run(port, n, key, &dir)));
        }
        println!(
            "{label}: plaudit {p:.0} msg/s, bare lettre pool {b:.0} msg/s, ratio {:.2}",
            p / b
        );
    }
    let _ = sink.kill();
    let _ = sink.wait();
}
