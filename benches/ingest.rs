//! `benches/run ingest`: 1,000,000 reviews stored the way the poller stores them (pages of 50:
//! each page one transaction with the item, its external-id and location index entries and the
//! day rollups, then one flush; a first sync, so no alerts), beside a raw sled batch insert of the same encoded items in
//! the same pages with the same flushes, in one run, in alternating rounds. The reference's
//! items are the bytes the store writes for them (stored form, sealed; `Store::stored_item_bytes`):
//! until 2026-12-06 it wrote them as JSON, unsealed — twice the bytes and no encryption. Prints items/s of both, the ratio, the
//! data folder's size and the process's peak RSS after.
//!
//! With `BENCH_POSTGRES_URL` (`benches/run pg`), the same pages also go into a store on that
//! PostgreSQL database in the same rounds, and its items/s is printed beside sled's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

#[path = "common/server.rs"]
mod server;

use plaudit::domain::{Author, Fetched, Id, Item, Kind, Location, Origin, Rating, Workspace};
use plaudit::store::{Destination, Store};
use std::time::Instant;
use time::{Duration, OffsetDateTime};

const PAGE: usize = 50;

fn total() -> usize {
    std::env::var("INGEST_ITEMS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000)
}

const TEXTS: [&str; 6] = [
    "Great coffee and friendly staff, we come back every week.",
    "Waited 40 minutes for a table and nobody apologised.",
    "Très bon accueil, je recommande vivement ce restaurant.",
    "最高のサービスでした。また来ます。",
    "Too expensive for what you get, but the view is nice.",
    "Best croissants in town <3",
];

fn review(loc: usize, n: usize, base: OffsetDateTime) -> Fetched {
    let at = base + Duration::seconds(n as i64 * 37);
    Fetched {
        kind: Kind::Review,
        external_id: format!("accounts/1001/locations/{loc}/reviews/r{n:08}"),
        parent_external_id: None,
        author: Author {
            name: format!("Reviewer {}", n % 997),
            photo_url: Some("https://lh3.googleusercontent.com/a/photo.png".into()),
            anonymous: false,
            external_id: None,
        },
        rating: Some(Rating::Stars((n % 5) as u8 + 1)),
        text: TEXTS[n % TEXTS.len()].into(),
        link: None,
        created_at: at,
        updated_at: at,
        reply: None,
        reply_authoritative: true,
    }
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

fn peak_rss_mib() -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The workspace, its locations and their feeds that the reviews go to.
struct Scene {
    ws: Id<Workspace>,
    locs: Vec<Id<Location>>,
    feeds: Vec<String>,
}

/// Stores reviews `range` as the poller stores a first sync: pages of 50 to the locations in
/// turn, one flush per page.
fn ingest_pages(store: &Store, scene: &Scene, range: std::ops::Range<usize>, base: OffsetDateTime) {
    let locations = scene.locs.len();
    let mut i = range.start;
    while i < range.end {
        let l = (i / PAGE) % locations;
        let page: Vec<Fetched> = (i..(i + PAGE).min(range.end))
            .map(|k| review(l, k, base))
            .collect();
        let dest = Destination {
            workspace: scene.ws,
            location: scene.locs[l],
            origin: Origin::Google,
            feed: &scene.feeds[l],
            // A first sync: history, not news (no alerts).
            connection: None,
            alert: false,
        };
        let done = store.items().ingest(&dest, &page, base).unwrap();
        assert_eq!(done.new, page.len());
        store.flush_blocking().unwrap();
        i += PAGE;
    }
}

fn main() {
    let n = total();
    let base = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    let locations = 20;

    // Both stores side by side, fed in alternating rounds of 50,000 so that the shared
    // machine's slow and fast moments fall on both alike.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), 256, base).unwrap();
    let ws: Id<Workspace> = Id::generate(base);
    let locs: Vec<Id<Location>> = (0..locations).map(|_| Id::generate(base)).collect();
    let feeds: Vec<String> = (0..locations)
        .map(|l| format!("accounts/1001/locations/{l}"))
        .collect();
    let scene = Scene {
        ws,
        locs: locs.clone(),
        feeds: feeds.clone(),
    };
    let raw_dir = tempfile::tempdir().unwrap();
    // Opened as the store opens sled (`store::engine`: pages compressed), so both pay the same
    // engine's costs.
    let db = plaudit::store::engine::config(raw_dir.path())
        .cache_capacity(256 * 1024 * 1024)
        .open()
        .unwrap();
    let tree = db.open_tree("items").unwrap();
    // The same ingest into a store on PostgreSQL, when asked (`benches/run pg`).
    let pg_dir = tempfile::tempdir().unwrap();
    let on_pg = server::postgres_url().map(|_| server::open_store(pg_dir.path(), 16, base));
    let (mut plaudit_secs, mut raw_secs, mut pg_secs) = (0.0, 0.0, 0.0);
    let mut encoded_bytes = 0usize;
    let round = 50_000;
    let mut from = 0;
    while from < n {
        let to_ = (from + round).min(n);
        let started = Instant::now();
        ingest_pages(&store, &scene, from..to_, base);
        plaudit_secs += started.elapsed().as_secs_f64();

        if let Some(pg) = &on_pg {
            let started = Instant::now();
            ingest_pages(pg, &scene, from..to_, base);
            pg_secs += started.elapsed().as_secs_f64();
        }

        let started = Instant::now();
        let mut i = from;
        while i < to_ {
            let l = (i / PAGE) % locations;
            let mut batch = sled::Batch::default();
            for k in i..(i + PAGE).min(to_) {
                let f = review(l, k, base);
                let item = Item::first_seen(&f, ws, locs[l], Origin::Google, &feeds[l], None, base);
                // Encoded and sealed as the store does it, each with a fresh key.
                let value = Store::stored_item_bytes(&item).unwrap();
                encoded_bytes += value.len();
                let mut key = ws.as_bytes().to_vec();
                key.extend_from_slice(item.id.as_bytes());
                batch.insert(key, value);
            }
            tree.apply_batch(batch).unwrap();
            db.flush().unwrap();
            i += PAGE;
        }
        raw_secs += started.elapsed().as_secs_f64();
        from = to_;
    }
    let plaudit_size = dir_size(dir.path());
    let raw_size = dir_size(raw_dir.path());
    let rss_after_plaudit = peak_rss_mib();

    let ours = n as f64 / plaudit_secs;
    let raw = n as f64 / raw_secs;
    println!("ingest of {n} reviews in pages of {PAGE}, one flush per page, {locations} locations");
    println!(
        "  plaudit (item + 2 indexes + rollups, one transaction per page): {ours:>9.0} items/s ({plaudit_secs:.1} s)"
    );
    println!(
        "  raw sled batch of the same encoded items:                       {raw:>9.0} items/s ({raw_secs:.1} s)"
    );
    println!("  ratio plaudit / raw: {:.2}", ours / raw);
    if on_pg.is_some() {
        let pg = n as f64 / pg_secs;
        println!(
            "  plaudit on PostgreSQL (the same pages, same rounds):            {pg:>9.0} items/s ({pg_secs:.1} s)"
        );
        println!("  ratio PostgreSQL / sled: {:.2}", pg / ours);
    }
    println!(
        "  on disk: plaudit {:.0} MiB, raw {:.0} MiB ({:.0} MiB of encoded items)",
        plaudit_size as f64 / 1048576.0,
        raw_size as f64 / 1048576.0,
        encoded_bytes as f64 / 1048576.0
    );
    println!("  peak RSS of the process (both stores): {rss_after_plaudit:.0} MiB");
}
