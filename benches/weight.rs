//! `benches/run weight`: what a review costs. Seeds 100,000 and then 1,000,000 reviews (the
//! inbox bench's reviews, 200 locations, indexed) each into a fresh data folder, starts a
//! release `plaudit serve` on it (one housekeeping pass runs at start), reads its RSS right
//! after start and after serving inbox, search, dashboard and stats pages, stops it, and
//! measures the folder. Reference in the same run: the same reviews in SQLite
//! (`scripts/sqlite-reference.py`: FTS5, the inbox's indexes, a per-day rollup table, pages of
//! 50 per transaction, synchronous=FULL). `WEIGHT_SIZES=100000` measures one size only;
//! `WEIGHT_KEEP=DIR` keeps the seeded folders there and reuses them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

#[path = "common/reviews.rs"]
mod reviews;
#[path = "common/server.rs"]
mod server;

use server::{free_port, serve, status_kb};

use plaudit::domain::{Email, Id, Location, Origin, User, Workspace};
use plaudit::store::{Destination, Store};
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

const LOCATIONS: usize = 200;
const PASSWORD: &str = "a bench password";

/// Seeds `n` reviews into `dir/data` and writes them to `dir/reviews.csv` for SQLite.
fn seed(dir: &Path, n: usize) {
    let now = OffsetDateTime::now_utc();
    let store = Store::open(&dir.join("data"), 64, now).unwrap();
    let owner = User {
        id: Id::generate(now),
        email: Email::parse("owner@example.com").unwrap(),
        name: "Bench".into(),
        password_hash: plaudit::services::passwords::hash_password(
            &plaudit::domain::Password::parse(PASSWORD.into()).unwrap(),
        )
        .unwrap(),
        instance_admin: false,
        created_at: now,
        email_verified: true,
        disabled: false,
        session_epoch: 0,
        identities: vec![],
    };
    store.users().insert(&owner).unwrap();
    let ws = Workspace {
        id: Id::generate(now),
        name: "weight".into(),
        plan: "standard".into(),
        created_at: now,
    };
    store.workspaces().create(&ws, &owner.id).unwrap();
    let mut csv = std::io::BufWriter::new(std::fs::File::create(dir.join("reviews.csv")).unwrap());
    let per_loc = n / LOCATIONS;
    for li in 0..LOCATIONS {
        let loc = Location {
            id: Id::generate(now),
            workspace: ws.id,
            name: format!("shop {li}"),
            address: String::new(),
            timezone: "Europe/Paris".into(),
            google_review_url: None,
            facebook_page_url: None,
            archived: false,
            created_at: now,
        };
        store
            .locations()
            .save(&loc, u64::MAX, None)
            .unwrap()
            .unwrap();
        let origin = if li.is_multiple_of(3) {
            Origin::Facebook
        } else {
            Origin::Google
        };
        let dest = Destination {
            workspace: ws.id,
            location: loc.id,
            origin,
            feed: "bench",
            connection: None,
            alert: false,
        };
        let all: Vec<_> = (0..per_loc)
            .map(|k| reviews::review(now, li, k, per_loc))
            .collect();
        for page in all.chunks(50) {
            store.items().ingest(&dest, page, now).unwrap();
        }
        for f in &all {
            let stars = f.rating.map_or(0, |r| r.stars());
            let (reply, reply_at) = f.reply.as_ref().map_or((String::new(), 0), |r| {
                (r.text.clone(), r.at.unix_timestamp())
            });
            writeln!(
                csv,
                "{li}\t{}\t{}\t{}\t{stars}\t{}\t{}\t{reply}\t{reply_at}",
                origin.as_str(),
                f.external_id,
                f.author.name,
                f.text,
                f.created_at.unix_timestamp()
            )
            .unwrap();
        }
        while store
            .search()
            .index_step(plaudit::workers::indexer::STEP)
            .unwrap()
            > 0
        {}
    }
    csv.flush().unwrap();
    store.flush_blocking().unwrap();
    eprintln!("{}", store.weight().unwrap());
    store.close().unwrap();
}

fn du(p: &Path) -> u64 {
    let mut t = 0;
    for e in std::fs::read_dir(p).unwrap().flatten() {
        let m = e.metadata().unwrap();
        t += if m.is_dir() { du(&e.path()) } else { m.len() };
    }
    t
}

/// RSS (KiB) of a server on `data` right after it is ready, and after serving pages.
fn serve_and_measure(data: &Path) -> (u64, u64) {
    let port = free_port();
    let mut server = serve(data, port);
    let base = format!("http://127.0.0.1:{port}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let out = rt.block_on(async {
        let client = reqwest::Client::new();
        let up = Instant::now();
        while client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .map(|r| r.status() != 200)
            .unwrap_or(true)
        {
            assert!(up.elapsed() < Duration::from_secs(600), "never ready");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // The housekeeping pass that runs at start.
        tokio::time::sleep(Duration::from_secs(5)).await;
        let at_start = status_kb(server.id(), "VmRSS:");
        let r: serde_json::Value = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&serde_json::json!({"email": "owner@example.com", "password": PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let cookie = format!("plaudit_session={}", r["token"].as_str().unwrap());
        let me: serde_json::Value = client
            .get(format!("{base}/api/v1/workspaces"))
            .header("Cookie", &cookie)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ws = me["items"][0]["id"].as_str().unwrap().to_string();
        for round in 0..10 {
            for path in [
                format!("/w/{ws}/inbox"),
                format!("/w/{ws}/inbox?q=croissants"),
                format!("/w/{ws}/inbox?rating={}", 1 + round % 5),
                format!("/w/{ws}/dashboard"),
                format!("/api/v1/workspaces/{ws}/stats?bucket=month"),
            ] {
                let r = client
                    .get(format!("{base}{path}"))
                    .header("Cookie", &cookie)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200, "{path}");
                r.bytes().await.unwrap();
            }
        }
        (at_start, status_kb(server.id(), "VmRSS:"))
    });
    stop(&mut server);
    out
}

/// SIGTERM, then wait: the server flushes and lets the folder go.
fn stop(server: &mut std::process::Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let _ = server.wait();
}

fn main() {
    if let (Ok(dir), Ok(n)) = (std::env::var("WEIGHT_SEED_INTO"), std::env::var("WEIGHT_N")) {
        seed(Path::new(&dir), n.parse().unwrap());
        return;
    }
    let sizes: Vec<usize> = std::env::var("WEIGHT_SIZES")
        .unwrap_or_else(|_| "100000,1000000".into())
        .split(',')
        .map(|s| s.trim().parse().unwrap())
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    let root = std::env::var("WEIGHT_KEEP")
        .map_or_else(|_| tmp.path().to_path_buf(), std::path::PathBuf::from);
    let mut rows = Vec::new();
    for n in sizes {
        let dir = root.join(format!("weight-{n}"));
        if !dir.join("reviews.csv").exists() {
            std::fs::create_dir_all(&dir).unwrap();
            let t0 = Instant::now();
            let ok = Command::new(std::env::current_exe().unwrap())
                .env("WEIGHT_SEED_INTO", &dir)
                .env("WEIGHT_N", n.to_string())
                .status()
                .unwrap()
                .success();
            assert!(ok, "seeding failed");
            println!("seeded {n} reviews in {:.0} s", t0.elapsed().as_secs_f64());
        } else {
            println!("reusing the {n} reviews seeded before in {}", dir.display());
        }
        let (at_start, serving) = serve_and_measure(&dir.join("data"));
        let plaudit = du(&dir.join("data"));
        let db = dir.join("reference.sqlite");
        let _ = std::fs::remove_file(&db);
        let t0 = Instant::now();
        let ok = Command::new("python3")
            .arg("scripts/sqlite-reference.py")
            .arg(dir.join("reviews.csv"))
            .arg(&db)
            .status()
            .unwrap()
            .success();
        assert!(ok, "the SQLite reference failed");
        let sqlite = du_file(&db);
        println!(
            "SQLite reference loaded in {:.0} s",
            t0.elapsed().as_secs_f64()
        );
        let per = |b: u64| b as f64 / n as f64;
        println!(
            "{n} reviews: data folder {:.0} MB, {:.0} B per review; reference SQLite {:.0} MB, {:.0} B per review; ratio {:.2}; RSS right after start {} MiB, while serving {} MiB",
            plaudit as f64 / 1e6,
            per(plaudit),
            sqlite as f64 / 1e6,
            per(sqlite),
            plaudit as f64 / sqlite as f64,
            at_start / 1024,
            serving / 1024
        );
        rows.push((n, per(plaudit)));
    }
    if let [(a, pa), .., (b, pb)] = rows.as_slice() {
        println!(
            "bytes per review at {b} ÷ at {a}: {:.2} (1.00 or less: cost grows only linearly)",
            pb / pa
        );
    }
}

fn du_file(p: &Path) -> u64 {
    ["", "-wal", "-journal"]
        .iter()
        .map(|s| {
            std::fs::metadata(format!("{}{s}", p.display()))
                .map(|m| m.len())
                .unwrap_or(0)
        })
        .sum()
}
