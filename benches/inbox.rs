//! `benches/run inbox`: the inbox and the dashboard of a workspace holding 1,000,000 reviews
//! over 200 locations, divided by the same of a workspace holding 10,000 over 200 locations,
//! in one run, interleaved. Read over HTTP as a browser does, from a separate release
//! `plaudit serve` on the seeded data folder: the inbox page (no filter; rating + location; a
//! text search, each with its counts), the dashboard page (last 90 days), `GET .../stats`, and a
//! showcase set's JSON, iframe page and wall (no sign-in, as a client's website reads them).
//! Prints each median, the ratios, and the server's RSS while serving. With
//! `BENCH_POSTGRES_URL` (`benches/run pg`) the store is on that PostgreSQL database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

#[path = "common/reviews.rs"]
mod reviews;
#[path = "common/server.rs"]
mod server;

use server::{free_port, serve, status_kb};

use plaudit::domain::{Email, Fetched, Id, Location, Origin, User, Workspace};
use plaudit::store::{Destination, Store};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

const LOCATIONS: usize = 200;
const PASSWORD: &str = "a bench password";
const PAGE: usize = 50;
/// A measured page: its name and its address for a seeded workspace.
type Case<'a> = (&'a str, Box<dyn Fn(&Seeded) -> String + 'a>);

struct Seeded {
    ws: Id<Workspace>,
    email: String,
    first_location: Id<Location>,
}

fn seed(store: &Store, now: OffsetDateTime, tag: &str, reviews: usize) -> Seeded {
    let owner = User {
        id: Id::generate(now),
        email: Email::parse(&format!("owner-{tag}@example.com")).unwrap(),
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
        name: tag.into(),
        plan: "standard".into(),
        created_at: now,
    };
    store.workspaces().create(&ws, &owner.id).unwrap();
    let zones = ["Europe/Paris", "America/New_York", "Asia/Tokyo", "UTC"];
    let locs: Vec<Location> = (0..LOCATIONS)
        .map(|i| {
            let l = Location {
                id: Id::generate(now),
                workspace: ws.id,
                name: format!("{tag} shop {i}"),
                address: String::new(),
                timezone: zones[i % zones.len()].into(),
                google_review_url: None,
                facebook_page_url: None,
                archived: false,
                created_at: now,
            };
            store.locations().save(&l, u64::MAX, None).unwrap().unwrap();
            l
        })
        .collect();
    let per_loc = reviews / LOCATIONS;
    for (li, loc) in locs.iter().enumerate() {
        let dest = Destination {
            workspace: ws.id,
            location: loc.id,
            origin: if li % 3 == 0 {
                Origin::Facebook
            } else {
                Origin::Google
            },
            feed: "bench",
            connection: None,
            alert: false,
        };
        let all: Vec<Fetched> = (0..per_loc)
            .map(|n| reviews::review(now, li, n, per_loc))
            .collect();
        for page in all.chunks(PAGE) {
            store.items().ingest(&dest, page, now).unwrap();
        }
    }
    // Index everything now, so the measured searches never catch up on the way.
    while store.search().index_step(512).unwrap() > 0 {}
    Seeded {
        ws: ws.id,
        email: owner.email.to_string(),
        first_location: locs[0].id,
    }
}

async fn once(client: &reqwest::Client, url: &str, cookie: &str) -> Duration {
    let t0 = Instant::now();
    let r = client
        .get(url)
        .header("Cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{url}");
    let body = r.bytes().await.unwrap();
    assert!(body.len() > 200, "{url}");
    t0.elapsed()
}

fn median_ms(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1000.0
}

async fn paired(
    client: &reqwest::Client,
    small: (&str, &str),
    big: (&str, &str),
    rounds: usize,
) -> (f64, f64) {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for round in 0..rounds + 5 {
        let (x, y) = (
            once(client, small.0, small.1).await,
            once(client, big.0, big.1).await,
        );
        if round >= 5 {
            a.push(x);
            b.push(y);
        }
    }
    (median_ms(a), median_ms(b))
}

async fn sign_in(client: &reqwest::Client, base: &str, email: &str) -> String {
    let r: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = r["token"]
        .as_str()
        .unwrap_or_else(|| panic!("sign-in: {r}"));
    format!("plaudit_session={token}")
}

fn main() {
    let big_n: usize = std::env::var("INBOX_BIG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let small_n = 10_000;
    // Seeding runs in a child process (this same program, `INBOX_SEED_INTO` set), so the
    // store is closed and its lock released before the server opens the folder.
    if let Ok(dir) = std::env::var("INBOX_SEED_INTO") {
        let now = OffsetDateTime::now_utc();
        let store = server::open_store(std::path::Path::new(&dir), 64, now);
        for (tag, n) in [("small", small_n), ("big", big_n)] {
            let s = seed(&store, now, tag, n);
            println!("{tag} {} {} {}", s.ws, s.email, s.first_location);
        }
        store.flush_blocking().unwrap();
        // Where the weight is (as `plaudit admin store-stats` prints it).
        eprintln!("{}", store.weight().unwrap());
        return;
    }
    // `INBOX_KEEP=DIR` keeps the seeded folder there and reuses it on the next run (seeding a
    // million reviews takes a quarter of an hour on this machine).
    let tmp = tempfile::tempdir().unwrap();
    let root = std::env::var("INBOX_KEEP")
        .map_or_else(|_| tmp.path().to_path_buf(), std::path::PathBuf::from);
    let data = root.join("data");
    let ids = root.join(format!("seeded-{}-{big_n}.txt", server::backend_name()));
    println!("store: {}", server::backend_name());
    let t0 = Instant::now();
    let listing = match std::fs::read_to_string(&ids) {
        Ok(text) => {
            println!("reusing the folder seeded before in {}", root.display());
            text
        }
        Err(_) => {
            let out = Command::new(std::env::current_exe().unwrap())
                .env("INBOX_SEED_INTO", &data)
                .env("INBOX_BIG", big_n.to_string())
                .stderr(Stdio::inherit())
                .output()
                .unwrap();
            assert!(out.status.success(), "seeding failed");
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            std::fs::write(&ids, &text).unwrap();
            println!(
                "seeded {small_n} and {big_n} reviews over {LOCATIONS} locations each, indexed, in {:.0} s",
                t0.elapsed().as_secs_f64()
            );
            text
        }
    };
    let seeded: Vec<Seeded> = listing
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 4).then(|| Seeded {
                ws: f[1].parse().unwrap(),
                email: f[2].to_string(),
                first_location: f[3].parse().unwrap(),
            })
        })
        .collect();
    let [small, big]: [Seeded; 2] = seeded.try_into().ok().expect("two seeded workspaces");
    let port = free_port();
    let mut server = serve(&data, port);
    let base = format!("http://127.0.0.1:{port}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let client = reqwest::Client::new();
        let up = Instant::now();
        while client.get(format!("{base}/readyz")).send().await.map(|r| r.status() != 200).unwrap_or(true) {
            assert!(up.elapsed() < Duration::from_secs(300), "the server never got ready");
            if let Ok(Some(status)) = server.try_wait() {
                panic!("the server exited: {status}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        println!("server ready on the seeded folder in {:.1} s", up.elapsed().as_secs_f64());
        let (cs, cb) = (sign_in(&client, &base, &small.email).await, sign_in(&client, &base, &big.email).await);
        let mut worst: f64 = 0.0;
        let cases: [Case; 5] = [
            ("inbox, first page, no filter", Box::new(|s: &Seeded| format!("{base}/w/{}/inbox", s.ws))),
            (
                "inbox, rating 1 + a location",
                Box::new(|s: &Seeded| format!("{base}/w/{}/inbox?rating=1&location={}", s.ws, s.first_location)),
            ),
            ("inbox, text search \"croissants\"", Box::new(|s: &Seeded| format!("{base}/w/{}/inbox?q=croissants", s.ws))),
            ("dashboard page, last 90 days", Box::new(|s: &Seeded| format!("{base}/w/{}/dashboard", s.ws))),
            ("GET /stats, a year by month", Box::new(|s: &Seeded| {
                format!("{base}/api/v1/workspaces/{}/stats?bucket=month&from={}", s.ws, (OffsetDateTime::now_utc() - time::Duration::days(364)).date())
            })),
        ];
        // A showcase set in each workspace (the defaults: 4★ and up, with text, the newest 12),
        // read as a client's website reads it: the JSON, the iframe page, the wall.
        let mut sets = Vec::new();
        for (s, c) in [(&small, &cs), (&big, &cb)] {
            let v: serde_json::Value = client
                .post(format!("{base}/api/v1/workspaces/{}/showcases", s.ws))
                .bearer_auth(c.trim_start_matches("plaudit_session="))
                .json(&serde_json::json!({"name": "Homepage"}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let json_url = v["json_url"].as_str().unwrap_or_else(|| panic!("a set: {v}"));
            let path = &json_url[json_url.find("/s/").unwrap()..];
            sets.push(format!("{base}{}", path.trim_end_matches(".json")));
        }
        for (name, suffix) in [("showcase JSON", ".json"), ("showcase iframe page", "/frame"), ("showcase wall of love", "")] {
            let (a, b) = paired(&client, (&format!("{}{suffix}", sets[0]), &cs), (&format!("{}{suffix}", sets[1]), &cb), 60).await;
            worst = worst.max(b / a);
            println!("{name:<34}: {big_n} reviews {b:7.2} ms, reference {small_n} reviews {a:7.2} ms, ratio {:.2}", b / a);
        }
        for (name, url) in &cases {
            let (a, b) = paired(&client, (&url(&small), &cs), (&url(&big), &cb), 60).await;
            worst = worst.max(b / a);
            println!("{name:<34}: {big_n} reviews {b:7.2} ms, reference {small_n} reviews {a:7.2} ms, ratio {:.2}", b / a);
        }
        println!(
            "worst ratio {worst:.2}; the server's RSS while serving {} MiB (its peak {} MiB)",
            status_kb(server.id(), "VmRSS:") / 1024,
            status_kb(server.id(), "VmHWM:") / 1024
        );
    });
    let _ = server.kill();
    let _ = server.wait();
}
