//! The outbox against a real SMTP server (aiosmtpd): delivery, retries, permanent failures, SIGKILL.

use crate::support::{Server, Smtp, message_id, wait_until};
use plaudit::config::{OutboxConfig, SmtpConfig, SmtpSecurity};
use plaudit::domain::{DeliveryState, Email};
use plaudit::mail::{OutboxWorker, Outcome, Transport, queue, templates::Rendered};
use plaudit::store::Store;
use plaudit::{Clock, ManualClock, clock::SharedClock};
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

fn smtp_config(port: u16) -> SmtpConfig {
    SmtpConfig {
        host: Some("127.0.0.1".into()),
        port,
        security: SmtpSecurity::None,
        from: "Plaudit Test <plaudit@example.com>".into(),
        timeout_secs: 5,
        ..SmtpConfig::default()
    }
}

struct Rig {
    store: Store,
    worker: OutboxWorker,
    clock: ManualClock,
}

fn rig(dir: &Path, port: u16, max_attempts: u32) -> Rig {
    let clock = ManualClock::new(OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap());
    let store = crate::support::open_store_in(dir, clock.now());
    let transport = Transport::from_config(&smtp_config(port), dir).unwrap();
    let config = OutboxConfig {
        max_attempts,
        retry_base_secs: 60,
        ..OutboxConfig::default()
    };
    let shared: SharedClock = Arc::new(clock.clone());
    let worker = OutboxWorker::new(store.clone(), transport, shared, config);
    Rig {
        store,
        worker,
        clock,
    }
}

fn enqueue(rig: &Rig, to: &str) -> plaudit::domain::OutboxMessage {
    let from = "Plaudit Test <plaudit@example.com>".parse().unwrap();
    let mail = Rendered {
        subject: format!("Hello {to}"),
        text: "Plain body".into(),
        html: Some("<p>HTML body</p>".into()),
    };
    queue(
        &rig.store,
        rig.clock.now(),
        &from,
        &Email::parse(to).unwrap(),
        mail,
        vec![],
    )
    .unwrap()
}

#[tokio::test]
async fn a_message_reaches_the_smtp_server_with_its_fixed_message_id() {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(tmp.path());
    let rig = rig(tmp.path(), smtp.port, 3);
    let msg = enqueue(&rig, "ana@example.com");
    assert_eq!(rig.worker.step().await.unwrap(), Outcome::Sent(msg.id));
    assert_eq!(rig.worker.step().await.unwrap(), Outcome::Idle);
    let received = smtp.messages();
    assert_eq!(received.len(), 1);
    assert_eq!(
        message_id(&received[0]).as_deref(),
        Some(msg.message_id.as_str())
    );
    assert!(received[0].contains("Subject: Hello ana@example.com"));
    assert!(received[0].contains("multipart/alternative"));
    let stored = rig.store.outbox().get(&msg.id).unwrap().unwrap();
    assert!(matches!(stored.state, DeliveryState::Sent { .. }));
    assert!(
        stored.text.is_empty() && stored.html.is_none(),
        "delivered bodies are dropped"
    );
    assert_eq!(stored.message_id, msg.message_id);
    assert_eq!(rig.store.outbox().pending(), 0);
}

#[tokio::test]
async fn a_temporary_failure_is_retried_after_its_backoff() {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(tmp.path());
    let rig = rig(tmp.path(), smtp.port, 3);
    let msg = enqueue(&rig, "tempfail@example.com");
    match rig.worker.step().await.unwrap() {
        Outcome::Retry(id, e) => {
            assert_eq!(id, msg.id);
            assert!(e.contains("451"), "{e}");
        }
        other => panic!("expected a retry, got {other:?}"),
    }
    let stored = rig.store.outbox().get(&msg.id).unwrap().unwrap();
    assert_eq!(stored.state, DeliveryState::Queued);
    assert_eq!(stored.attempts, 1);
    assert!(stored.last_error.unwrap().contains("451"));
    // Not due before its backoff (60 s plus jitter)...
    rig.clock.advance(time::Duration::seconds(30));
    assert_eq!(rig.worker.step().await.unwrap(), Outcome::Idle);
    // ...and sent after it.
    rig.clock.advance(time::Duration::seconds(60));
    assert_eq!(rig.worker.step().await.unwrap(), Outcome::Sent(msg.id));
    assert_eq!(smtp.messages().len(), 1);
}

#[tokio::test]
async fn a_permanent_failure_is_marked_failed_with_the_servers_reply() {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(tmp.path());
    let rig = rig(tmp.path(), smtp.port, 3);
    let msg = enqueue(&rig, "reject@example.com");
    let Outcome::Failed(id, reason) = rig.worker.step().await.unwrap() else {
        panic!("expected failure")
    };
    assert_eq!(id, msg.id);
    assert!(
        reason.contains("550") && reason.contains("User unknown"),
        "{reason}"
    );
    let stored = rig.store.outbox().get(&msg.id).unwrap().unwrap();
    match stored.state {
        DeliveryState::Failed { reason, .. } => assert!(reason.contains("User unknown")),
        other => panic!("{other:?}"),
    }
    assert_eq!(rig.store.outbox().pending(), 0);
    assert!(smtp.messages().is_empty());
}

#[tokio::test]
async fn an_unreachable_relay_is_retried_then_given_up_after_max_attempts() {
    let tmp = tempfile::tempdir().unwrap();
    let port = crate::support::free_port(); // nothing listens here
    let rig = rig(tmp.path(), port, 2);
    let msg = enqueue(&rig, "ana@example.com");
    assert!(matches!(
        rig.worker.step().await.unwrap(),
        Outcome::Retry(..)
    ));
    rig.clock.advance(time::Duration::hours(1));
    let Outcome::Failed(_, reason) = rig.worker.step().await.unwrap() else {
        panic!("expected failure")
    };
    assert!(reason.starts_with("gave up after 2 attempts"), "{reason}");
    assert_eq!(
        rig.store.outbox().get(&msg.id).unwrap().unwrap().attempts,
        2
    );
}

/// Queues `n` messages in a data folder no server owns yet; returns their Message-IDs.
fn prefill(dir: &Path, n: usize) -> HashSet<String> {
    let store = crate::support::open_store_in(dir, OffsetDateTime::now_utc());
    let from = "Plaudit Test <plaudit@example.com>".parse().unwrap();
    let mut ids = HashSet::new();
    for i in 0..n {
        let mail = Rendered {
            subject: format!("Message {i}"),
            text: format!("Body {i}"),
            html: None,
        };
        let to = Email::parse(&format!("slow{i}@example.com")).unwrap();
        ids.insert(
            queue(&store, OffsetDateTime::now_utc(), &from, &to, mail, vec![])
                .unwrap()
                .message_id,
        );
    }
    store.flush_blocking().unwrap();
    ids
}

#[test]
fn sigkill_while_sending_loses_no_message() {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(tmp.path());
    let queued = prefill(tmp.path(), 60);
    let extra = format!(
        "{}[outbox]\nconcurrency = 4\npoll_interval_ms = 50\n",
        smtp.config()
    );
    // Kill at a different point each run: after 3..=27 deliveries.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let kill_after = 3 + (nanos % 25) as usize;
    let server = Server::start(tmp.path(), &extra);
    assert!(wait_until(Duration::from_secs(30), || smtp
        .messages()
        .len()
        >= kill_after));
    server.kill9();
    let at_kill = smtp.messages().len();

    let server = Server::spawn(tmp.path(), tmp.path().join("plaudit.toml"), &[]).unwrap();
    let received_ids = || {
        smtp.messages()
            .iter()
            .filter_map(|m| message_id(m))
            .collect::<HashSet<_>>()
    };
    assert!(
        wait_until(Duration::from_secs(60), || received_ids() == queued),
        "after the restart every queued message arrives (killed after {at_kill}; have {} of {})",
        received_ids().len(),
        queued.len()
    );
    let all = smtp.messages();
    assert!(all.len() >= queued.len());
    // A repeat is only ever a message in flight at the kill, with the same Message-ID.
    assert!(
        all.len() - queued.len() <= 4 + 1,
        "{} duplicates",
        all.len() - queued.len()
    );
    for m in &all {
        assert!(queued.contains(&message_id(m).unwrap()));
    }
    let (status, _) = server.terminate(Duration::from_secs(15));
    assert!(status.unwrap().success());
    let store = crate::support::open_store_in(tmp.path(), OffsetDateTime::now_utc());
    let counts = store.outbox().counts().unwrap();
    // Every message arrived (above). One the relay took just before the kill, and whose
    // lease had not run out yet when the test ended, is still queued for its (harmless,
    // same Message-ID) repeat: at-least-once, never lost.
    assert_eq!(
        (counts.sent + counts.queued, counts.sending, counts.failed),
        (60, 0, 0),
        "{counts:?}"
    );
    assert!(counts.queued <= 4, "{counts:?}");
}

/// A private CA and a certificate for `localhost` signed by it (openssl, as an admin would).
fn private_ca(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let run = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=Plaudit Test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "leaf.key",
        "-out",
        "leaf.csr",
    ]);
    run(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-out",
        "leaf.pem",
        "-extfile",
        "leaf.ext",
    ]);
    (
        dir.join("ca.pem"),
        dir.join("leaf.pem"),
        dir.join("leaf.key"),
    )
}

async fn send_one(dir: &Path, smtp: SmtpConfig) -> Outcome {
    let clock = ManualClock::new(OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap());
    let store = crate::support::open_store_in(dir, clock.now());
    let worker = OutboxWorker::new(
        store.clone(),
        Transport::from_config(&smtp, dir).unwrap(),
        Arc::new(clock.clone()),
        OutboxConfig::default(),
    );
    let from = "Plaudit Test <plaudit@example.com>".parse().unwrap();
    let mail = Rendered {
        subject: "TLS".into(),
        text: "over TLS".into(),
        html: None,
    };
    queue(
        &store,
        clock.now(),
        &from,
        &Email::parse("ana@example.com").unwrap(),
        mail,
        vec![],
    )
    .unwrap();
    worker.step().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_and_implicit_tls_relays_are_verified_against_the_configured_ca() {
    let tmp = tempfile::tempdir().unwrap();
    let (ca, cert, key) = private_ca(tmp.path());
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    for (security, flags) in [
        (SmtpSecurity::Starttls, ["--tlscert", cert, "--tlskey", key]),
        (SmtpSecurity::Tls, ["--smtpscert", cert, "--smtpskey", key]),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let smtp = Smtp::start_with(dir.path(), &flags);
        let config = SmtpConfig {
            host: Some("localhost".into()),
            security,
            ca_file: Some(ca.clone()),
            ..smtp_config(smtp.port)
        };
        assert!(
            matches!(send_one(dir.path(), config.clone()).await, Outcome::Sent(_)),
            "{security:?}"
        );
        assert_eq!(smtp.messages().len(), 1, "{security:?}");
        // Without the CA the relay's certificate is not trusted: nothing is sent in clear.
        let other = tempfile::tempdir().unwrap();
        let untrusted = SmtpConfig {
            ca_file: None,
            ..config
        };
        assert!(
            !matches!(send_one(other.path(), untrusted).await, Outcome::Sent(_)),
            "{security:?} without the CA"
        );
        assert_eq!(smtp.messages().len(), 1);
    }
}
