//! Every kind of item access at once for a few seconds, under a watchdog: ingest pages (new
//! and edited reviews), indexer steps, searches, per-location pages, erasures, compaction-free
//! reads. sled 0.34 can hang when an iterator lives across another call while a transaction
//! waits; the location lists and stamp lookups read with short-lived iterators inside and
//! beside transactions, so this runs them all against each other. A thread that makes no
//! progress for 15 s fails the test instead of hanging the suite.

use crate::domain::{Author, Fetched, Id, Kind, Location, Rating, Workspace};
use crate::store::{ComeBack, Destination, ItemFilter, PageRequest, Store};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use time::macros::datetime;

fn review(n: u64, edit: u64) -> Fetched {
    let at = datetime!(2026-01-01 0:00 UTC) + time::Duration::minutes((n * 97 % 500_000) as i64);
    Fetched {
        kind: Kind::Review,
        external_id: format!("s{n}"),
        parent_external_id: None,
        author: Author {
            name: format!("Reviewer {}", n % 50),
            ..Author::default()
        },
        rating: Some(Rating::Stars(1 + ((n + edit) % 5) as u8)),
        text: [
            "great coffee",
            "stale croissant",
            "slow service",
            "lovely terrace",
        ][((n + edit) % 4) as usize]
            .into(),
        link: None,
        created_at: at,
        updated_at: at + time::Duration::seconds(edit as i64),
        reply: None,
        reply_authoritative: true,
    }
}

fn dest(ws: Id<Workspace>, loc: Id<Location>) -> Destination<'static> {
    crate::store::fixtures::google(ws, loc)
}

#[test]
fn ingest_index_search_list_and_erase_at_once_never_hang() {
    let dir = tempfile::tempdir().unwrap();
    let now = datetime!(2026-06-01 12:00 UTC);
    let store = Store::open(dir.path(), 16, now).unwrap();
    let ws: Id<Workspace> = Id::generate(now);
    let locs: Vec<Id<Location>> = (0..3).map(|_| Id::generate(now)).collect();
    let stop = Arc::new(AtomicBool::new(false));
    let run_for = Duration::from_secs(6);
    let mut workers = Vec::new();
    let mut beats = Vec::new();
    for role in 0..6u64 {
        let (store, stop, locs) = (store.clone(), stop.clone(), locs.clone());
        let beat = Arc::new(AtomicU64::new(0));
        beats.push((role, beat.clone()));
        workers.push(std::thread::spawn(move || {
            let mut round = 0u64;
            while !stop.load(Ordering::Relaxed) {
                round += 1;
                let loc = locs[(round % 3) as usize];
                match role {
                    // Two writers over the same reviews: new ones and edits racing.
                    0 | 1 => {
                        let page: Vec<Fetched> = (0..20)
                            .map(|i| review((round * 20 + i + role * 7) % 3000, round % 3))
                            .collect();
                        store.items().ingest(&dest(ws, loc), &page, now).unwrap();
                    }
                    2 => {
                        store.search().index_step(64).unwrap();
                    }
                    3 => {
                        let filter = ItemFilter {
                            terms: crate::domain::text::query_terms("croissant"),
                            ..Default::default()
                        };
                        store
                            .items()
                            .page(&ws, &filter, &PageRequest::first(20))
                            .unwrap();
                    }
                    4 => {
                        let filter = ItemFilter {
                            location: Some(loc),
                            rating: Some(crate::domain::RatingFilter::Stars(1 + (round % 5) as u8)),
                            ..Default::default()
                        };
                        let page = store
                            .items()
                            .page(&ws, &filter, &PageRequest::first(25))
                            .unwrap();
                        assert!(page.items.iter().all(|i| i.location == loc));
                    }
                    _ => {
                        let some = store
                            .items()
                            .page(&ws, &ItemFilter::default(), &PageRequest::first(2))
                            .unwrap();
                        let ids: Vec<_> = some.items.iter().map(|i| i.id).collect();
                        store.items().erase(&ws, &ids, ComeBack::Allowed).unwrap();
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
                beat.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let started = Instant::now();
    let mut last: Vec<(u64, Instant)> = beats.iter().map(|_| (0, Instant::now())).collect();
    while started.elapsed() < run_for {
        std::thread::sleep(Duration::from_millis(200));
        for (i, (role, beat)) in beats.iter().enumerate() {
            let n = beat.load(Ordering::Relaxed);
            if n != last[i].0 {
                last[i] = (n, Instant::now());
            }
            assert!(
                last[i].1.elapsed() < Duration::from_secs(15),
                "worker {role} made no progress for 15 s: the store hangs"
            );
        }
    }
    stop.store(true, Ordering::Relaxed);
    let deadline = Instant::now() + Duration::from_secs(15);
    for w in workers {
        while !w.is_finished() {
            assert!(
                Instant::now() < deadline,
                "a worker did not stop: the store hangs"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        w.join().unwrap();
    }
    assert!(beats.iter().all(|(_, b)| b.load(Ordering::Relaxed) > 0));
    // Caught up, each location's list holds exactly the items of that location.
    store.search().catch_up(usize::MAX).unwrap();
    let all = store
        .items()
        .page(&ws, &ItemFilter::default(), &PageRequest::first(10_000))
        .unwrap()
        .items;
    for loc in &locs {
        let listed = store
            .items()
            .page(
                &ws,
                &ItemFilter {
                    location: Some(*loc),
                    ..Default::default()
                },
                &PageRequest::first(10_000),
            )
            .unwrap()
            .items;
        let want: Vec<_> = all
            .iter()
            .filter(|i| i.location == *loc)
            .map(|i| i.id)
            .collect();
        assert_eq!(listed.iter().map(|i| i.id).collect::<Vec<_>>(), want);
    }
}
