//! `benches/run backup`: a store holding 1,000,000 reviews (stored as the poller stores them)
//! backed up and restored by Plaudit, beside a plain `cp -a` of the same data folder, in one
//! run. Prints seconds of each, the ratios, the sizes, and whether every tree of the restored
//! store has the same checksum as the original.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

use plaudit::domain::{Author, Fetched, Id, Kind, Location, Origin, Rating, Workspace};
use plaudit::store::{Destination, ItemFilter, PageRequest, Store};
use std::process::Command;
use std::time::Instant;
use time::{Duration, OffsetDateTime};

const PAGE: usize = 100;

fn total() -> usize {
    std::env::var("BACKUP_ITEMS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000)
}

fn review(loc: usize, n: usize, base: OffsetDateTime) -> Fetched {
    let at = base + Duration::seconds(n as i64 * 37);
    Fetched {
        kind: Kind::Review,
        external_id: format!("accounts/1001/locations/{loc}/reviews/r{n:08}"),
        parent_external_id: None,
        author: Author {
            name: format!("Reviewer {}", n % 997),
            photo_url: None,
            anonymous: false,
            external_id: None,
        },
        rating: Some(Rating::Stars((n % 5) as u8 + 1)),
        text: format!("Visit number {n}: great coffee, friendly staff, a little slow at noon."),
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

fn main() {
    let n = total();
    let base = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    // `BACKUP_KEEP=DIR` keeps the seeded folder there and reuses it on the next run with the
    // same size (seeding a million reviews takes minutes; the backup, restore and copy do not).
    let keep = std::env::var("BACKUP_KEEP")
        .ok()
        .map(std::path::PathBuf::from);
    let data = keep
        .as_ref()
        .map_or_else(|| tmp.path().join("data"), |k| k.join("data"));
    let marker = keep.as_ref().map(|k| k.join(format!("seeded-{n}.txt")));
    let locations = 20;
    let kept: Option<Id<Workspace>> = marker
        .as_ref()
        .and_then(|m| std::fs::read_to_string(m).ok())
        .and_then(|s| s.trim().parse().ok());
    let ws: Id<Workspace> = kept.unwrap_or_else(|| Id::generate(base));
    if kept.is_some() {
        eprintln!("reusing the seeded folder {}", data.display());
    } else {
        if data.exists() {
            std::fs::remove_dir_all(&data).unwrap();
        }
        let store = Store::open(&data, 256, base).unwrap();
        let locs: Vec<Id<Location>> = (0..locations).map(|_| Id::generate(base)).collect();
        let feeds: Vec<String> = (0..locations)
            .map(|l| format!("accounts/1001/locations/{l}"))
            .collect();
        let started = Instant::now();
        let mut i = 0;
        while i < n {
            let l = (i / PAGE) % locations;
            let page: Vec<Fetched> = (i..(i + PAGE).min(n)).map(|k| review(l, k, base)).collect();
            let dest = Destination {
                workspace: ws,
                location: locs[l],
                origin: Origin::Google,
                feed: &feeds[l],
                connection: None,
                alert: false,
            };
            store.items().ingest(&dest, &page, base).unwrap();
            i += PAGE;
        }
        store.flush_blocking().unwrap();
        eprintln!(
            "seeded {n} reviews in {:.0} s",
            started.elapsed().as_secs_f64()
        );
        drop(store);
        if let Some(m) = &marker {
            std::fs::write(m, ws.to_string()).unwrap();
        }
    }
    let size = dir_size(&data);

    // The reference: a plain copy of the (stopped) data folder.
    let copy = tmp.path().join("copy");
    let started = Instant::now();
    let ok = Command::new("cp")
        .arg("-a")
        .arg(&data)
        .arg(&copy)
        .status()
        .unwrap();
    assert!(ok.success());
    Command::new("sync").status().unwrap();
    let copy_secs = started.elapsed().as_secs_f64();
    std::fs::remove_dir_all(&copy).unwrap();

    let now = base + Duration::days(1);
    let store = Store::open(&data, 256, now).unwrap();
    let answers = |store: &Store| {
        let total = store
            .items()
            .total(&ws, None, 0, 100_000)
            .map(|t| (t.items, t.stars, t.replied))
            .unwrap();
        let filter = ItemFilter {
            terms: plaudit::domain::text::query_terms("friendly noon"),
            ..Default::default()
        };
        let first: Vec<_> = store
            .items()
            .page(&ws, &filter, &PageRequest::first(50))
            .unwrap()
            .items
            .into_iter()
            .map(|i| i.id)
            .collect();
        (total, first)
    };
    // Indexed first, as a running server keeps it: the backup holds the search postings too.
    store.search().catch_up(usize::MAX).unwrap();
    let answered = answers(&store);
    let sums = store.tree_sums().unwrap();
    let out = tmp.path().join("backups");
    let started = Instant::now();
    let file = plaudit::workers::backup::write(&store, &out, now, None, |_| {}).unwrap();
    let backup_secs = started.elapsed().as_secs_f64();
    let backup_size = std::fs::metadata(&file).unwrap().len();
    // An unencrypted backup leaves the instance secret out: the restore is given it.
    let secret = plaudit::workers::backup::Secret(Some(store.meta().instance_secret().unwrap()));
    drop(store);

    let restored = tmp.path().join("restored");
    let started = Instant::now();
    plaudit::workers::backup::restore(&file, &restored, None, &secret, now).unwrap();
    let restore_secs = started.elapsed().as_secs_f64();
    let store = Store::open(&restored, 256, now).unwrap();
    let identical = store.tree_sums().unwrap() == sums;
    // Anything the search index still had to do after the restore (nothing, when it was
    // restored with the rest).
    let started = Instant::now();
    store.search().catch_up(usize::MAX).unwrap();
    let index_secs = started.elapsed().as_secs_f64();
    let same_answers = answers(&store) == answered;

    println!(
        "{n} reviews, data folder {:.0} MiB: backup {backup_secs:.1} s ({:.0} MiB file), restore {restore_secs:.1} s (verify + import), plain cp -a {copy_secs:.1} s; ratios backup/copy {:.2}, restore/copy {:.2}; every tree identical after restore: {identical}; search index work left after it {index_secs:.1} s; the same totals and search answers: {same_answers}",
        size as f64 / 1048576.0,
        backup_size as f64 / 1048576.0,
        backup_secs / copy_secs,
        restore_secs / copy_secs,
    );
}
