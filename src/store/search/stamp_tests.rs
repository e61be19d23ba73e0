//! Stamps (the first eight bytes of an id) as postings and as per-location lists: items that
//! share one are each found, listed and paged exactly once, through edits and erasures.

use super::tests::{review, search, to};
use crate::domain::{Author, Fetched, Id, Kind, Rating};
use crate::store::{ComeBack, ItemFilter, PageRequest, Store};
use time::macros::datetime;

/// A word only the `n`th review of `items_sharing_a_stamp...` has.
fn own_word(n: u64) -> String {
    let l = |k: u64| char::from(b'a' + ((n / 26u64.pow(k as u32)) % 26) as u8);
    format!("{}{}{}{}qx", l(0), l(1), l(2), l(3))
}

/// Postings hold only the millisecond of an id (its window: the stamp without its 16 random
/// bits), so reviews written in the same millisecond share them — here 1,500 at once, and the
/// location lists, which keep whole stamps, see about 17 pairs share one. Neither editing nor
/// erasing one of them may hide another, and paging walks every item of a shared window or
/// stamp exactly once.
#[test]
fn items_sharing_a_stamp_are_each_found_through_edits_erasures_and_pages() {
    let dir = tempfile::tempdir().unwrap();
    let now = datetime!(2026-06-01 12:00 UTC);
    let store = Store::open(dir.path(), 16, now).unwrap();
    let ws = Id::generate(now);
    let dest = to(ws, Id::generate(now));
    let at = datetime!(2026-03-01 12:00 UTC);
    let make = |n: u64, text: String| Fetched {
        kind: Kind::Review,
        external_id: format!("s{n}"),
        parent_external_id: None,
        author: Author {
            name: "Ana".into(),
            ..Author::default()
        },
        rating: Some(Rating::Stars(4)),
        text,
        link: None,
        created_at: at,
        updated_at: at,
        reply: None,
        reply_authoritative: true,
    };
    // 1,500 reviews of one millisecond: about 17 pairs share a stamp (birthday bound on 16
    // bits); none at all would happen once in 25 million runs.
    const N: u64 = 1500;
    for chunk in (0..N).collect::<Vec<_>>().chunks(50) {
        let page: Vec<Fetched> = chunk
            .iter()
            .map(|&n| make(n, format!("{} common", own_word(n))))
            .collect();
        store.items().ingest(&dest, &page, now).unwrap();
    }
    store.search().catch_up(usize::MAX).unwrap();
    let all = store
        .items()
        .page(&ws, &ItemFilter::default(), &PageRequest::first(5000))
        .unwrap()
        .items;
    assert_eq!(all.len(), N as usize);
    let mut by_stamp: std::collections::BTreeMap<[u8; 8], Vec<u64>> = Default::default();
    for i in &all {
        let n: u64 = i.external_id[1..].parse().unwrap();
        by_stamp
            .entry(i.id.as_bytes()[..8].try_into().unwrap())
            .or_default()
            .push(n);
    }
    let pairs: Vec<(u64, u64)> = by_stamp
        .values()
        .filter(|v| v.len() >= 2)
        .map(|v| (v[0], v[1]))
        .collect();
    assert!(!pairs.is_empty(), "no two reviews share a stamp");

    // Every page of a search whose words every item has, walked by its cursor.
    let walk = |q: &str| {
        let filter = ItemFilter {
            terms: crate::domain::text::query_terms(q),
            ..Default::default()
        };
        let mut seen = Vec::new();
        let mut req = PageRequest::first(7);
        loop {
            let page = store.items().page(&ws, &filter, &req).unwrap();
            seen.extend(page.items.into_iter().map(|i| i.external_id));
            match page.next {
                Some(c) => req.cursor = Some(c),
                None => break,
            }
        }
        seen
    };
    let walked = walk("common");
    let mut unique = walked.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), walked.len(), "an item came twice");
    assert_eq!(walked.len(), N as usize);

    // Edit the first of each pair (its own word goes) and erase a third of them: their
    // partners must still be found by their own words.
    for (k, (a, _)) in pairs.iter().enumerate() {
        store
            .items()
            .ingest(
                &dest,
                &[make(*a, format!("edited{} common", own_word(*a)))],
                now,
            )
            .unwrap();
        if k % 3 == 0 {
            let id = all
                .iter()
                .find(|i| i.external_id == format!("s{a}"))
                .unwrap()
                .id;
            store.items().erase(&ws, &[id], ComeBack::Allowed).unwrap();
        }
    }
    store.search().catch_up(usize::MAX).unwrap();
    for (k, (a, b)) in pairs.iter().enumerate() {
        assert_eq!(search(&store, &ws, &own_word(*b)), vec![format!("s{b}")]);
        assert!(
            search(&store, &ws, &own_word(*a)).is_empty(),
            "s{a} still found by its old word"
        );
        let edited = search(&store, &ws, &format!("edited{}", own_word(*a)));
        if k % 3 == 0 {
            assert!(edited.is_empty());
        } else {
            assert_eq!(edited, vec![format!("s{a}")]);
        }
    }
    assert_eq!(walk("common").len(), N as usize - pairs.len().div_ceil(3));
}

/// An item's stored value repeats nothing its key holds: neither its id, nor its workspace,
/// nor the reference of the key that seals it; and it still reads back whole.
#[test]
fn an_item_value_leaves_out_what_its_key_says() {
    let dir = tempfile::tempdir().unwrap();
    let now = datetime!(2026-06-01 12:00 UTC);
    let store = Store::open(dir.path(), 16, now).unwrap();
    let ws = Id::generate(now);
    let dest = to(ws, Id::generate(now));
    let page: Vec<Fetched> = (0..20).map(|n| review(n, n * 13)).collect();
    store.items().ingest(&dest, &page, now).unwrap();
    let mut n = 0;
    for (ws, id, v) in crate::store::items::blocks::all(&store.items) {
        for part in [ws.as_bytes(), id.as_bytes()] {
            assert!(
                !v.windows(16).any(|w| w == part),
                "the value repeats its key"
            );
        }
        let item = store.item_at(&ws, &id, &v).unwrap().unwrap();
        assert_eq!((item.workspace, item.id), (ws, id));
        n += 1;
    }
    assert_eq!(n, 20);
    let got = store
        .items()
        .page(&ws, &ItemFilter::default(), &PageRequest::first(50))
        .unwrap()
        .items;
    assert_eq!(got.len(), 20);
    assert!(
        got.iter()
            .all(|i| i.workspace == ws && i.location == dest.location)
    );
}

/// Per-location lists keep one occurrence of a stamp per item: items of two locations made in
/// the same millisecond (many sharing stamps, within and across locations) are each listed
/// under their own location exactly once, page after page, and erasing one of a pair sharing a
/// stamp leaves the other listed.
#[test]
fn location_lists_hold_each_item_once_through_shared_stamps_and_erasures() {
    let dir = tempfile::tempdir().unwrap();
    let now = datetime!(2026-06-01 12:00 UTC);
    let store = Store::open(dir.path(), 16, now).unwrap();
    let ws = Id::generate(now);
    let locs = [Id::generate(now), Id::generate(now)];
    let at = datetime!(2026-03-01 12:00 UTC);
    let make = |n: u64| Fetched {
        kind: Kind::Review,
        external_id: format!("l{n}"),
        parent_external_id: None,
        author: Author {
            name: "Ana".into(),
            ..Author::default()
        },
        rating: Some(Rating::Stars(1 + (n % 5) as u8)),
        text: "fine".into(),
        link: None,
        // Most in one millisecond (about 15 pairs of a location share a stamp; none would
        // happen once in millions of runs), the rest over several 25-day blocks.
        created_at: at + time::Duration::days(if n < 2000 { 0 } else { (n % 7) as i64 * 20 }),
        updated_at: at,
        reply: None,
        reply_authoritative: true,
    };
    const N: u64 = 2400;
    for (li, loc) in locs.iter().enumerate() {
        let mine: Vec<Fetched> = (0..N).filter(|n| n % 2 == li as u64).map(make).collect();
        for chunk in mine.chunks(50) {
            store.items().ingest(&to(ws, *loc), chunk, now).unwrap();
        }
    }
    let walk = |loc: Id<crate::domain::Location>, stars: Option<u8>| {
        let filter = ItemFilter {
            location: Some(loc),
            rating: stars.map(crate::domain::RatingFilter::Stars),
            ..Default::default()
        };
        let mut seen: Vec<crate::domain::Item> = Vec::new();
        let mut req = PageRequest::first(7);
        loop {
            let page = store.items().page(&ws, &filter, &req).unwrap();
            seen.extend(page.items);
            match page.next {
                Some(c) => req.cursor = Some(c),
                None => break,
            }
        }
        seen
    };
    let mut pairs = Vec::new();
    for (li, loc) in locs.iter().enumerate() {
        let seen = walk(*loc, None);
        assert_eq!(seen.len(), (N / 2) as usize);
        assert!(seen.iter().all(|i| i.location == *loc));
        assert!(
            seen.windows(2).all(|w| w[0].id > w[1].id),
            "newest first, once each"
        );
        let mut want: Vec<String> = (0..N)
            .filter(|n| n % 2 == li as u64)
            .map(|n| format!("l{n}"))
            .collect();
        let mut got: Vec<String> = seen.iter().map(|i| i.external_id.clone()).collect();
        want.sort();
        got.sort();
        assert_eq!(got, want);
        let three = walk(*loc, Some(3));
        assert_eq!(
            three.len(),
            seen.iter()
                .filter(|i| i.rating == Some(Rating::Stars(3)))
                .count()
        );
        // Pairs that share no item: with three items on one stamp, erasing the first of each
        // overlapping pair would erase the second of the other.
        let mut i = 0;
        while i + 1 < seen.len() {
            if seen[i].id.as_bytes()[..8] == seen[i + 1].id.as_bytes()[..8] {
                pairs.push((*loc, seen[i].id, seen[i + 1].id));
                i += 2;
            } else {
                i += 1;
            }
        }
    }
    assert!(
        !pairs.is_empty(),
        "no two items of a location share a stamp"
    );
    for (_, a, _) in &pairs {
        store.items().erase(&ws, &[*a], ComeBack::Allowed).unwrap();
    }
    for (loc, a, b) in &pairs {
        let seen: Vec<_> = walk(*loc, None).iter().map(|i| i.id).collect();
        assert!(
            seen.contains(b),
            "erasing {a} took {b}, which shares its stamp"
        );
        assert!(!seen.contains(a), "{a} is still listed after its erasure");
    }
    let left: usize = locs.iter().map(|l| walk(*l, None).len()).sum();
    assert_eq!(left, N as usize - pairs.len());
}

/// Location lists carry each item's rating, so a list filtered by stars skips the others
/// unopened: it still finds exactly the items of that rating, page after page, after reviews
/// are edited from one rating to another at the provider, replaced, and erased.
#[test]
fn a_location_filtered_by_stars_finds_every_item_of_that_rating_through_edits() {
    let dir = tempfile::tempdir().unwrap();
    let now = datetime!(2026-06-01 12:00 UTC);
    let store = Store::open(dir.path(), 16, now).unwrap();
    let ws = Id::generate(now);
    let (here, there) = (Id::generate(now), Id::generate(now));
    for (loc, from) in [(here, 0u64), (there, 1000)] {
        let page: Vec<Fetched> = (from..from + 300).map(|n| review(n, n * 7)).collect();
        for chunk in page.chunks(50) {
            store.items().ingest(&to(ws, loc), chunk, now).unwrap();
        }
    }
    // Edited at the provider: a new rating (and a later update time) for every third review.
    let edited: Vec<Fetched> = (0..300)
        .step_by(3)
        .map(|n| {
            let mut f = review(n, n * 7);
            f.rating = Some(Rating::Stars(1 + ((n * 7 + 2) % 5) as u8));
            f.updated_at += time::Duration::days(1);
            f
        })
        .collect();
    store.items().ingest(&to(ws, here), &edited, now).unwrap();
    // Replaced with another rating, and erased.
    let all = |loc| {
        store
            .items()
            .page(
                &ws,
                &ItemFilter {
                    location: Some(loc),
                    ..Default::default()
                },
                &PageRequest::first(1000),
            )
            .unwrap()
            .items
    };
    let mut some = all(here)[5].clone();
    some.rating = Some(Rating::Stars(if some.rating == Some(Rating::Stars(2)) {
        4
    } else {
        2
    }));
    store.items().replace(&some).unwrap();
    let gone: Vec<_> = all(here).iter().step_by(11).map(|i| i.id).collect();
    store.items().erase(&ws, &gone, ComeBack::Allowed).unwrap();

    for stars in 1..=5u8 {
        let want: Vec<_> = all(here)
            .into_iter()
            .filter(|i| i.rating == Some(Rating::Stars(stars)))
            .map(|i| i.id)
            .collect();
        assert!(!want.is_empty());
        let filter = ItemFilter {
            location: Some(here),
            rating: Some(crate::domain::RatingFilter::Stars(stars)),
            ..Default::default()
        };
        let mut got = Vec::new();
        let mut req = PageRequest::first(7);
        loop {
            let page = store.items().page(&ws, &filter, &req).unwrap();
            got.extend(page.items.iter().map(|i| i.id));
            match page.next {
                Some(c) => req.cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(got, want, "{stars} stars");
    }
}
