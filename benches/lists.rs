//! `benches/run lists`: the first page of every list (workspaces of a user, members, locations,
//! API keys, invitations, audit log) read over HTTP from a workspace with 100,000 entries each,
//! divided by the same read with 1,000 entries, in one run. Paged store reads make it flat.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

use plaudit::app::{App, Bootstrap};
use plaudit::config::Config;
use plaudit::domain::{
    ApiKey, AuditEntry, Email, Id, Invitation, LinkPurpose, LinkToken, Location, Role, Scope, User,
    Workspace,
};
use plaudit::services::sessions::SessionKeys;
use plaudit::store::{NewInvitation, Store};
use plaudit::{Clock, ManualClock};
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

struct Seeded {
    ws: Id<Workspace>,
    owner: Id<User>,
}

fn user(store: &Store, now: OffsetDateTime, email: String) -> Id<User> {
    let u = User {
        id: Id::generate(now),
        email: Email::parse(&email).unwrap(),
        name: "Bench".into(),
        password_hash: String::new(),
        instance_admin: false,
        created_at: now,
        email_verified: true,
        disabled: false,
        session_epoch: 0,
        identities: vec![],
    };
    store.users().insert(&u).unwrap();
    u.id
}

fn workspace(store: &Store, now: OffsetDateTime, owner: &Id<User>, name: &str) -> Id<Workspace> {
    let ws = Workspace {
        id: Id::generate(now),
        name: name.into(),
        plan: "standard".into(),
        created_at: now,
    };
    store.workspaces().create(&ws, owner).unwrap();
    ws.id
}

/// One workspace with `n` of everything, owned by a user who belongs to `n` workspaces.
fn seed(store: &Store, now: OffsetDateTime, tag: &str, n: usize) -> Seeded {
    let owner = user(store, now, format!("owner-{tag}@example.com"));
    let ws = workspace(store, now, &owner, tag);
    for i in 1..n {
        workspace(store, now, &owner, &format!("{tag} {i}"));
        let member = user(store, now, format!("m{i}-{tag}@example.com"));
        store
            .workspaces()
            .add_member(&ws, &member, Role::Viewer)
            .unwrap();
    }
    let entry = AuditEntry {
        at: now,
        actor: "system".into(),
        actor_label: "bench".into(),
        action: "bench".into(),
        target: String::new(),
        ip: String::new(),
    };
    for i in 0..n {
        let loc = Location {
            id: Id::generate(now),
            workspace: ws,
            name: format!("Shop {i}"),
            address: String::new(),
            timezone: "UTC".into(),
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
        let key = ApiKey {
            id: Id::generate(now),
            workspace: ws,
            name: format!("key {i}"),
            scopes: vec![Scope::Read],
            secret_hash: format!("{i:064}"),
            created_by: owner,
            created_at: now,
            last_used_at: None,
        };
        store.access().put_api_key(&key, Some(&entry)).unwrap();
        let inv = Invitation {
            id: Id::generate(now),
            workspace: ws,
            email: Email::parse(&format!("i{i}-{tag}@example.com")).unwrap(),
            role: Role::Viewer,
            invited_by: Some(owner),
            created_at: now,
            expires_at: now + time::Duration::days(7),
            token_hash: format!("{tag}-{i}"),
        };
        let link = LinkToken {
            purpose: LinkPurpose::Invitation {
                workspace: ws,
                invitation: inv.id,
            },
            expires_at: inv.expires_at,
        };
        let new = NewInvitation {
            invitation: &inv,
            link: &link,
            email: None,
            audit: Some(&entry),
            max_members: u64::MAX,
        };
        store.invitations().create(&new).unwrap().unwrap();
    }
    Seeded { ws, owner }
}

fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        .unwrap_or(0)
        / 1024
}

async fn once(client: &reqwest::Client, url: &str, token: &str) -> Duration {
    let t0 = Instant::now();
    let r = client.get(url).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), 200, "{url}");
    let body = r.bytes().await.unwrap();
    assert!(body.len() > 20);
    t0.elapsed()
}

fn median_ms(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1000.0
}

/// Medians of 200 reads of each, interleaved so both see the same machine noise.
async fn paired(
    client: &reqwest::Client,
    (small, ts): (&str, &str),
    (big, tb): (&str, &str),
) -> (f64, f64) {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for round in 0..210 {
        let (x, y) = (once(client, small, ts).await, once(client, big, tb).await);
        if round >= 10 {
            a.push(x);
            b.push(y);
        }
    }
    (median_ms(a), median_ms(b))
}

fn main() {
    let big_n: usize = std::env::var("LISTS_BIG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let small_n = 1_000;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let clock = ManualClock::new(OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap());
    let now = clock.now();
    let t0 = Instant::now();
    let (small, big) = {
        let store = Store::open(&data, 64, now).unwrap();
        let small = seed(&store, now, "small", small_n);
        let big = seed(&store, now, "big", big_n);
        store.flush_blocking().unwrap();
        (small, big)
    };
    println!(
        "seeded 2 × 6 lists ({small_n} and {big_n} entries each) in {:.0} s",
        t0.elapsed().as_secs_f64()
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async move {
        let mut config = Config::default();
        config.server.listen = "127.0.0.1:0".parse().unwrap();
        config.storage.data_dir = data.clone();
        config.logs.access_log = plaudit::config::AccessLogFormat::Off;
        config.limits.per_ip_per_minute = 100_000_000;
        config.limits.per_ip_burst = 100_000_000;
        let app = App::start(config, Arc::new(clock.clone()), Bootstrap::default())
            .await
            .unwrap();
        let store = app.store().clone();
        let keys = SessionKeys::new(
            &store.meta().instance_secret().unwrap(),
            app.instance_url(),
            time::Duration::hours(12),
        );
        let token = |who: &Id<User>| keys.issue(&store, who, "127.0.0.1", now).unwrap().0;
        let (ts, tb) = (token(&small.owner), token(&big.owner));
        let client = reqwest::Client::new();
        let base = app.local_url();
        let mut worst: f64 = 0.0;
        for list in ["", "/members", "/locations", "/api-keys", "/invitations", "/audit"] {
            let url = |ws: &Id<Workspace>| {
                if list.is_empty() {
                    format!("{base}/api/v1/workspaces")
                } else {
                    format!("{base}/api/v1/workspaces/{ws}{list}")
                }
            };
            let (a, b) = paired(&client, (&url(&small.ws), &ts), (&url(&big.ws), &tb)).await;
            let name = if list.is_empty() { "workspaces of a user" } else { &list[1..] };
            worst = worst.max(b / a);
            println!(
                "first page of {name:<20}: {big_n} entries {b:.2} ms, reference {small_n} entries {a:.2} ms, ratio {:.2}",
                b / a
            );
        }
        println!("worst ratio {worst:.2}; peak RSS of the run (seeding included) {} MiB", peak_rss_mib());
        app.shutdown().await.unwrap();
        tokio::time::sleep(Duration::from_millis(10)).await;
    });
}
