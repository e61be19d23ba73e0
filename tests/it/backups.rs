//! Backups: identical data after a restore (per-tree checksums), damaged or truncated files
//! refused before anything is touched, encryption, a running server protected, and SIGKILL
//! during a backup never leaving a file that passes `backup verify`.

use crate::caller::Api;
use crate::support::{Server, plaudit, text, write_config};
use plaudit::domain::{AuditEntry, Id, Workspace};
use plaudit::store::Store;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;
use time::OffsetDateTime;

const EMAIL: &str = "admin@agency.example";
const PASSWORD: &str = "a long enough admin password";

fn cli(config: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let mut all: Vec<&str> = args.to_vec();
    all.extend_from_slice(&["--config", config.to_str().unwrap()]);
    let out = plaudit(&all, &[], None, config.parent().unwrap());
    let (o, e) = text(&out);
    (out.status.code(), o, e)
}

/// `name sha256` per tree, from `backup verify` output.
fn sums_of(verify_output: &str) -> Vec<(String, String)> {
    verify_output
        .lines()
        .filter_map(|l| {
            let name = l.split_whitespace().next()?;
            let sha = l.split("sha256 ").nth(1)?;
            Some((name.to_string(), sha.trim().to_string()))
        })
        .collect()
}

fn backups_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "backup"))
        .collect()
}

/// An unencrypted version 2 backup (zstd) rewritten as version 1 (gzip), checksum and all.
fn as_version_1(v2: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    use std::io::Write;
    let head = b"PLAUDIT-BACKUP 2\n";
    assert_eq!(&v2[..head.len()], head);
    assert_eq!(v2[head.len()], 0, "unencrypted");
    let snapshot = zstd::stream::decode_all(&v2[head.len() + 1..v2.len() - 33]).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&snapshot).unwrap();
    let mut out = b"PLAUDIT-BACKUP 1\n\0".to_vec();
    out.extend(gz.finish().unwrap());
    let digest = sha2::Sha256::digest(&out);
    out.push(b'Z');
    out.extend_from_slice(&digest);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restored_backup_holds_identical_data_and_damaged_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("backup.key");
    std::fs::write(&key, format!("{}\n", "ab".repeat(32))).unwrap();
    let config = write_config(dir.path(), "");
    let env = [
        ("PLAUDIT_ADMIN_EMAIL", EMAIL),
        ("PLAUDIT_ADMIN_PASSWORD", PASSWORD),
    ];
    let server = Server::spawn(dir.path(), config.clone(), &env).unwrap();
    let api = Api::new(&server.url).signed_in(EMAIL, PASSWORD).await;
    let (_, ws) = api.post("/workspaces", json!({"name": "Bakery"})).await;
    let ws = ws["id"].as_str().unwrap().to_string();
    let contacts: Vec<serde_json::Value> = (0..300)
        .map(|i| json!({"email": format!("c{i}@example.net"), "name": format!("Customer {i}")}))
        .collect();
    api.post(
        &format!("/workspaces/{ws}/contacts"),
        serde_json::Value::Array(contacts),
    )
    .await;
    api.post(
        &format!("/workspaces/{ws}/campaigns"),
        json!({"name": "Draft"}),
    )
    .await;

    // A backup made while the server runs (through it), then checked.
    let out_dir = dir.path().join("out");
    let (code, out, err) = cli(&config, &["backup", "--out", out_dir.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}{err}");
    let file = backups_in(&out_dir).pop().expect("a backup file");
    let (code, verified, err) = cli(&config, &["backup", "verify", file.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{verified}{err}");
    let sums = sums_of(&verified);
    assert!(sums.iter().any(|(n, _)| n == "contacts"), "{verified}");
    // A restore while the server runs is refused.
    let (code, _, err) = cli(&config, &["restore", "--from", file.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    // The instance secret, kept apart (through the running server).
    let secret = dir.path().join("instance.secret");
    let (code, out, err) = cli(&config, &["backup", "secret", secret.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}{err}");
    let (status, _) = server.terminate(Duration::from_secs(15));
    assert!(status.unwrap().success());

    // Into a fresh data folder: the file alone holds no instance secret...
    // Into a sled folder on either run: a PostgreSQL store's backup restores there too (one
    // file format; `database::a_backup_restores_into_postgres_…` restores into PostgreSQL).
    let fresh = tempfile::tempdir().unwrap();
    let fresh_config = crate::support::write_sled_config(fresh.path(), "");
    let (code, out, err) = cli(
        &fresh_config,
        &["restore", "--from", file.to_str().unwrap()],
    );
    assert_ne!(code, Some(0), "{out}{err}");
    assert!(err.contains("--secret-file"), "{err}");
    // ...with it: identical trees (the keys in the file are wrapped, so the backup's own sums
    // of meta and person_keys differ from the store's).
    let (code, out, err) = cli(
        &fresh_config,
        &[
            "restore",
            "--from",
            file.to_str().unwrap(),
            "--secret-file",
            secret.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    let sums: Vec<(String, String)> = sums
        .into_iter()
        .filter(|(n, _)| n != "meta" && n != "person_keys")
        .collect();
    {
        let now = OffsetDateTime::from_unix_timestamp(1_900_000_000).unwrap();
        let store = Store::open(&fresh.path().join("data"), 16, now).unwrap();
        let restored: Vec<(String, String)> = store
            .tree_sums()
            .unwrap()
            .into_iter()
            .map(|t| (t.name, t.sha256))
            .filter(|(n, _)| n != "meta" && n != "person_keys")
            .collect();
        assert_eq!(restored, sums, "every tree restored identically");
        let ws: Id<Workspace> = ws.parse().unwrap();
        let c = plaudit::domain::Email::parse("c7@example.net").unwrap();
        assert_eq!(
            store.contacts().by_email(&ws, &c).unwrap().unwrap().name,
            "Customer 7"
        );
        store.close().unwrap();
    }

    // Damaged copies: refused by verify and by restore, and the data folder is left alone.
    let before = std::fs::read_dir(fresh.path().join("data"))
        .unwrap()
        .count();
    let bytes = std::fs::read(&file).unwrap();
    let mut flipped = bytes.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x20;
    let truncated = bytes[..bytes.len() * 2 / 3].to_vec();
    for (name, content) in [
        ("flipped", flipped),
        ("truncated", truncated),
        ("empty", vec![]),
    ] {
        let bad = dir.path().join(format!("{name}.backup"));
        std::fs::write(&bad, content).unwrap();
        let (code, _, err) = cli(&config, &["backup", "verify", bad.to_str().unwrap()]);
        assert_eq!(code, Some(1), "{name}: {err}");
        assert!(
            err.contains("damaged") || err.contains("checksum"),
            "{name}: {err}"
        );
        let (code, _, err) = cli(&fresh_config, &["restore", "--from", bad.to_str().unwrap()]);
        assert_eq!(code, Some(1), "{name}: {err}");
        assert_eq!(
            std::fs::read_dir(fresh.path().join("data"))
                .unwrap()
                .count(),
            before,
            "{name}: nothing touched"
        );
    }

    // A version 1 file (the same snapshot gzipped, as releases before zstd wrote them) still
    // verifies, with the same sums.
    let old = dir.path().join("version-1.backup");
    std::fs::write(&old, as_version_1(&std::fs::read(&file).unwrap())).unwrap();
    let (code, old_verified, err) = cli(&config, &["backup", "verify", old.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{old_verified}{err}");
    assert_eq!(sums_of(&old_verified), sums_of(&verified));

    // Encrypted: needs its key, refuses another one.
    // The same data folder, with a key: a second config file next to the first.
    let keyed = dir.path().join("keyed.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &keyed,
        format!("{text}\n[backup]\nkey_file = \"{}\"\n", key.display()),
    )
    .unwrap();
    let enc_dir = dir.path().join("enc");
    let (code, out, err) = cli(&keyed, &["backup", "--out", enc_dir.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}{err}");
    let enc = backups_in(&enc_dir).pop().unwrap();
    let raw = std::fs::read(&enc).unwrap();
    assert!(
        !raw.windows(14).any(|w| w == b"c7@example.net"),
        "no plain text inside an encrypted backup"
    );
    let (code, out, err) = cli(&keyed, &["backup", "verify", enc.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("encrypted"));
    // The stopped folder changed since the first backup (the shutdown's request log): compare
    // with a plain backup of the same folder now.
    let again = dir.path().join("again");
    let (code, o, e) = cli(&config, &["backup", "--out", again.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{o}{e}");
    let plain_now = backups_in(&again).pop().unwrap();
    let (_, plain_out, _) = cli(&config, &["backup", "verify", plain_now.to_str().unwrap()]);
    // Key material is the exception: wrapped in the plain backup, inside the encryption here.
    let data = |sums: Vec<(String, String)>| {
        sums.into_iter()
            .filter(|(n, _)| n != "meta" && n != "person_keys")
            .collect::<Vec<_>>()
    };
    assert_eq!(
        data(sums_of(&out)),
        data(sums_of(&plain_out)),
        "the same data, encrypted"
    );
    let (code, _, err) = cli(&config, &["backup", "verify", enc.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(err.contains("key"), "{err}");
    std::fs::write(&key, "cd".repeat(32)).unwrap();
    let (code, _, err) = cli(&keyed, &["backup", "verify", enc.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(err.contains("wrong key"), "{err}");
}

#[test]
fn sigkill_during_a_backup_leaves_no_file_that_passes_verify() {
    if crate::support::sled_only(
        "it kills a CLI backup of a sled folder large enough to take a while",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let store = crate::support::open_store_in(dir.path(), now);
        let ws: Id<Workspace> = Id::generate(now);
        let filler = "x".repeat(400);
        for n in 0..120_000u32 {
            let entry = AuditEntry {
                at: now + time::Duration::milliseconds(i64::from(n)),
                actor: "system".into(),
                actor_label: filler.clone(),
                action: "fixture".into(),
                target: n.to_string(),
                ip: String::new(),
            };
            store.audit().append(&ws, &entry).unwrap();
        }
        store.flush_blocking().unwrap();
        store.close().unwrap();
    }
    let out = dir.path().join("out");
    let bin = env!("CARGO_BIN_EXE_plaudit");
    let mut killed = 0;
    for round in 0..8u64 {
        let mut child = std::process::Command::new(bin)
            .args(["backup", "--out", out.to_str().unwrap(), "--config"])
            .arg(&config)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // From early (opening the store) to late (writing the file), across the rounds.
        std::thread::sleep(Duration::from_millis(150 + round * 200));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            killed += 1;
        }
        child.wait().unwrap();
    }
    assert!(
        killed > 0,
        "no backup was interrupted: the store is too small for this test"
    );
    for file in backups_in(&out) {
        let (code, o, e) = cli(&config, &["backup", "verify", file.to_str().unwrap()]);
        assert_eq!(
            code,
            Some(0),
            "a finished-looking backup must verify: {o}{e}"
        );
    }
    // Every attempt may have been killed before it made the folder (a busy machine).
    for leftover in std::fs::read_dir(&out).into_iter().flatten().flatten() {
        let path = leftover.path();
        if path.extension().is_some_and(|e| e == "tmp") {
            let (code, _, _) = cli(&config, &["backup", "verify", path.to_str().unwrap()]);
            assert_ne!(code, Some(0), "an interrupted backup never verifies");
        }
    }
}

/// Customers added in batches while a backup is taken through the running server: the
/// restored store is one instant, so every contact it holds is readable (its key came with
/// it) and found by its address (the address index came with it), and every batch answered
/// before the backup began is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_customers_are_added_restores_one_consistent_store() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let env = [
        ("PLAUDIT_ADMIN_EMAIL", EMAIL),
        ("PLAUDIT_ADMIN_PASSWORD", PASSWORD),
    ];
    let server = Server::spawn(dir.path(), config.clone(), &env).unwrap();
    let api = Api::new(&server.url).signed_in(EMAIL, PASSWORD).await;
    let (_, ws) = api.post("/workspaces", json!({"name": "Bakery"})).await;
    let ws = ws["id"].as_str().unwrap().to_string();
    let batch = |b: usize, n: usize| {
        serde_json::Value::Array(
            (0..n)
                .map(|k| json!({"email": format!("b{b}-{k}@example.net"), "name": format!("Customer {b} {k}")}))
                .collect(),
        )
    };
    // Enough already there that reading the trees takes a while.
    for b in 0..8 {
        let (s, r) = api
            .post(&format!("/workspaces/{ws}/contacts"), batch(b, 1000))
            .await;
        assert_eq!(s, reqwest::StatusCode::OK, "{r}");
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let adder = {
        let (api, ws, stop) = (api.clone(), ws.clone(), stop.clone());
        tokio::spawn(async move {
            let mut b = 100;
            while !stop.load(std::sync::atomic::Ordering::Acquire) {
                let (s, r) = api
                    .post(&format!("/workspaces/{ws}/contacts"), batch(b, 20))
                    .await;
                assert_eq!(s, reqwest::StatusCode::OK, "{r}");
                b += 1;
            }
            b - 100
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let out_dir = dir.path().join("out");
    let (code, out, err) = {
        let (config, out_dir) = (config.clone(), out_dir.clone());
        tokio::task::spawn_blocking(move || {
            cli(&config, &["backup", "--out", out_dir.to_str().unwrap()])
        })
        .await
        .unwrap()
    };
    assert_eq!(code, Some(0), "{out}{err}");
    stop.store(true, std::sync::atomic::Ordering::Release);
    let added = adder.await.unwrap();
    assert!(added > 0, "customers were added during the backup");
    let (status, _) = server.terminate(Duration::from_secs(15));
    assert!(status.unwrap().success());
    let file = backups_in(&out_dir).pop().expect("a backup file");
    let (code, verified, err) = cli(&config, &["backup", "verify", file.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{verified}{err}");
    // sled's backup records what changed while it read (the redo section); a PostgreSQL backup
    // reads one transaction, one instant by itself, with nothing to redo.
    if !crate::support::on_postgres() {
        assert!(
            verified.contains("changed while it was taken"),
            "the backup overlapped the writes: {verified}"
        );
    }

    // The server is stopped: the secret is read from the store itself.
    let secret = dir.path().join("instance.secret");
    let (code, out, err) = cli(&config, &["backup", "secret", secret.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}{err}");
    // Into a sled folder on either run: a PostgreSQL store's backup restores there too (one
    // file format; `database::a_backup_restores_into_postgres_…` restores into PostgreSQL).
    let fresh = tempfile::tempdir().unwrap();
    let fresh_config = crate::support::write_sled_config(fresh.path(), "");
    let (code, out, err) = cli(
        &fresh_config,
        &[
            "restore",
            "--from",
            file.to_str().unwrap(),
            "--secret-file",
            secret.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    let now = OffsetDateTime::from_unix_timestamp(1_900_000_000).unwrap();
    let store = Store::open(&fresh.path().join("data"), 16, now).unwrap();
    let ws: Id<Workspace> = ws.parse().unwrap();
    let mut readable = Vec::new();
    let mut req = plaudit::store::PageRequest::first(1000);
    loop {
        let page = store.contacts().page(&ws, &req).unwrap();
        readable.extend(page.items);
        match page.next {
            Some(n) => req.cursor = Some(n),
            None => break,
        }
    }
    let sums = store.tree_sums().unwrap();
    let entries = |tree: &str| sums.iter().find(|t| t.name == tree).unwrap().entries;
    let stored = entries("contacts");
    assert_eq!(
        entries("contact_emails"),
        stored,
        "one address-index entry per contact, none for a contact the backup missed"
    );
    assert_eq!(
        readable.len() as u64,
        stored,
        "every restored contact opens with its key"
    );
    assert!(readable.len() >= 8000, "{} contacts", readable.len());
    for c in &readable {
        let found = store.contacts().by_email(&ws, &c.email).unwrap();
        assert_eq!(
            found.map(|f| f.id),
            Some(c.id),
            "{} is found by its address",
            c.email
        );
    }
}

/// `plaudit admin store-stats`: per tree, entries and bytes, through the running server and
/// with the store opened directly; the JSON form adds up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_stats_show_where_the_weight_is() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let env = [
        ("PLAUDIT_ADMIN_EMAIL", EMAIL),
        ("PLAUDIT_ADMIN_PASSWORD", PASSWORD),
    ];
    let server = Server::spawn(dir.path(), config.clone(), &env).unwrap();
    let api = Api::new(&server.url).signed_in(EMAIL, PASSWORD).await;
    let (_, ws) = api.post("/workspaces", json!({"name": "Bakery"})).await;
    let ws = ws["id"].as_str().unwrap().to_string();
    let contacts: Vec<serde_json::Value> = (0..50)
        .map(|i| json!({"email": format!("c{i}@example.net"), "name": format!("Customer {i}")}))
        .collect();
    api.post(
        &format!("/workspaces/{ws}/contacts"),
        serde_json::Value::Array(contacts),
    )
    .await;
    let (code, text, err) = cli(&config, &["admin", "store-stats"]);
    assert_eq!(code, Some(0), "{text}{err}");
    let row = text
        .lines()
        .find(|l| l.starts_with("contacts "))
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(row.split_whitespace().nth(1), Some("50"), "{row}");
    assert!(text.contains("on disk:"), "{text}");
    let (status, _) = server.terminate(Duration::from_secs(15));
    assert!(status.unwrap().success());
    let (code, out, err) = cli(&config, &["admin", "store-stats", "--json"]);
    assert_eq!(code, Some(0), "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let trees = v["trees"].as_array().unwrap();
    let sum: u64 = trees
        .iter()
        .map(|t| t["key_bytes"].as_u64().unwrap() + t["value_bytes"].as_u64().unwrap())
        .sum();
    assert_eq!(sum, v["logical_bytes"].as_u64().unwrap());
    assert!(v["disk_bytes"].as_u64().unwrap() > 0);
}
