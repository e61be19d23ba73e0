//! The rollups' tests: counts follow every change, spans equal their days, recommendations
//! and waiting items counted apart.
use crate::domain::{Author, Fetched, FetchedReply, Id, Kind, Origin, Rating};
use crate::store::{Destination, Store};
use time::OffsetDateTime;

fn review(id: &str, stars: u8, at: OffsetDateTime, reply: bool) -> Fetched {
    Fetched {
        kind: Kind::Review,
        external_id: id.into(),
        parent_external_id: None,
        author: Author::default(),
        rating: Some(Rating::Stars(stars)),
        text: format!("{stars} stars"),
        link: None,
        created_at: at,
        updated_at: at,
        reply: reply.then(|| FetchedReply {
            text: "thanks".into(),
            at,
            external_id: None,
        }),
        reply_authoritative: true,
    }
}

#[test]
fn rollups_follow_new_edited_replied_and_removed_items() {
    let dir = tempfile::tempdir().unwrap();
    let day = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    let store = Store::open(dir.path(), 16, day).unwrap();
    let (ws, loc) = (Id::generate(day), Id::generate(day));
    let dest = crate::store::fixtures::google(ws, loc);
    let next_day = day + time::Duration::days(1);
    store
        .items()
        .ingest(
            &dest,
            &[
                review("a", 5, day, false),
                review("b", 1, day, true),
                review("c", 4, next_day, false),
            ],
            day,
        )
        .unwrap();
    let d = (day.unix_timestamp() / 86_400) as u32;
    let counts = |from: u32, to: u32, loc: Option<&Id<crate::domain::Location>>| {
        let t = store.items().total(&ws, loc, from, to).unwrap();
        (t.items, t.stars, t.replied)
    };
    assert_eq!(counts(d, d + 1, Some(&loc)), (2, [1, 0, 0, 0, 1], 1));
    assert_eq!(counts(d, d + 2, None), (3, [1, 0, 0, 1, 1], 1));
    assert_eq!(counts(0, 60_000, None), (3, [1, 0, 0, 1, 1], 1));
    assert_eq!(counts(d + 2, d + 900, None).0, 0);
    let days = store.items().days(&ws, Some(&loc), d, d + 2).unwrap();
    assert_eq!(days.len(), 2);
    assert_eq!(
        (days[0].0, days[0].1, days[0].2.items),
        (d, Origin::Google, 2)
    );
    // The reply came at once: the first response bucket.
    assert_eq!(
        store
            .items()
            .total(&ws, None, d, d + 1)
            .unwrap()
            .median_response(),
        Some((0, Some(15)))
    );
    // An edit from 1 to 3 stars moves the count; a re-read changes nothing.
    store
        .items()
        .ingest(&dest, &[review("b", 3, day, true)], day)
        .unwrap();
    store
        .items()
        .ingest(&dest, &[review("b", 3, day, true)], day)
        .unwrap();
    assert_eq!(counts(d, d + 1, Some(&loc)), (2, [0, 0, 1, 0, 1], 1));
    // Removed at the source: no longer counted.
    let seen = std::collections::HashSet::from(["a".to_string(), "c".to_string()]);
    store
        .items()
        .mark_missing_removed(&dest, &[Kind::Review], &seen, next_day)
        .unwrap();
    assert_eq!(counts(d, d + 1, Some(&loc)), (1, [0, 0, 0, 0, 1], 0));
    assert_eq!(counts(d, d + 1, None), (1, [0, 0, 0, 0, 1], 0));
}

#[test]
fn recommendations_and_items_waiting_are_counted_apart() {
    let dir = tempfile::tempdir().unwrap();
    let day = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    let store = Store::open(dir.path(), 16, day).unwrap();
    let (ws, loc) = (Id::generate(day), Id::generate(day));
    let dest = crate::store::fixtures::google(ws, loc);
    let recommends = |id: &str, yes: bool| Fetched {
        rating: Some(Rating::Recommends(yes)),
        ..review(id, 5, day, false)
    };
    store
        .items()
        .ingest(
            &dest,
            &[
                review("one", 1, day, false),
                review("five", 5, day, false),
                recommends("yes", true),
                recommends("no", false),
            ],
            day,
        )
        .unwrap();
    let d = (day.unix_timestamp() / 86_400) as u32;
    let t = store.items().total(&ws, Some(&loc), d, d + 1).unwrap();
    assert_eq!(t.stars, [2, 0, 0, 0, 2], "averages count them as 1 and 5");
    assert_eq!(t.star_ratings(), [1, 0, 0, 0, 1]);
    assert_eq!(t.recommends, [1, 1]);
    assert_eq!(
        t.attention, 2,
        "the 1-star review and the non-recommendation"
    );
    // Answered at the provider: no longer waiting, in the location and the workspace.
    store
        .items()
        .ingest(&dest, &[review("one", 1, day, true)], day)
        .unwrap();
    for scope in [Some(&loc), None] {
        let t = store.items().total(&ws, scope, d, d + 1).unwrap();
        assert_eq!((t.attention, t.recommends), (1, [1, 1]));
    }
}

/// Whatever the period, its total read from spans (every other level kept) is the sum
/// of its days.
#[test]
fn period_totals_from_spans_equal_the_sum_of_their_days() {
    let dir = tempfile::tempdir().unwrap();
    let now = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    let store = Store::open(dir.path(), 16, now).unwrap();
    let (ws, loc) = (Id::generate(now), Id::generate(now));
    let dest = crate::store::fixtures::google(ws, loc);
    let mut seed = 11u64;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        seed >> 33
    };
    // 1,200 reviews over about nine years.
    let page: Vec<Fetched> = (0..1200)
        .map(|n| {
            let at = now - time::Duration::days((next() % 3300) as i64);
            review(&format!("r{n}"), 1 + (next() % 5) as u8, at, n % 3 == 0)
        })
        .collect();
    // Two sources at one location: every other page comes from Facebook.
    let facebook = Destination {
        origin: Origin::Facebook,
        ..dest
    };
    for (n, chunk) in page.chunks(50).enumerate() {
        let to = if n % 2 == 0 { &dest } else { &facebook };
        store.items().ingest(to, chunk, now).unwrap();
    }
    let today = (now.unix_timestamp() / 86_400) as u32;
    let mut periods = vec![(0, today + 1), (today - 4000, today + 1)];
    periods.extend((0..60).map(|_| {
        let a = today - 3400 + (next() % 3400) as u32;
        (a, a + 1 + (next() % 2000) as u32)
    }));
    for (from, to) in periods {
        for scope in [Some(&loc), None] {
            let mut want = super::DayCounts::default();
            let mut by_source = [0u64; 3];
            for (_, origin, c) in store.items().days(&ws, scope, from, to).unwrap() {
                want.add(&c);
                by_source[super::origin_slot(origin)] += c.items;
            }
            let got = store.items().total(&ws, scope, from, to).unwrap();
            assert_eq!(got, want, "{from}..{to}");
            for o in [Origin::Google, Origin::Facebook, Origin::Import] {
                assert_eq!(got.from(o), by_source[super::origin_slot(o)], "{o:?}");
            }
        }
    }
    let all = store.items().total(&ws, None, 0, today + 1).unwrap();
    assert_eq!(all.items, 1200);
    assert_eq!(
        (all.from(Origin::Google), all.from(Origin::Facebook)),
        (600, 600)
    );
}

#[test]
fn spans_cover_any_period_exactly_and_briefly() {
    for (from, to) in [
        (0, 1),
        (5, 6),
        (3, 17),
        (1000, 1365),
        (0, 65_535),
        (20_000, 20_090),
    ] {
        let spans = super::cover(from, to);
        let mut at = from;
        for (level, n) in &spans {
            assert_eq!(n << level, at, "{from}..{to}");
            at += 1 << level;
        }
        assert_eq!(at, to);
        assert!(spans.len() <= 32, "{from}..{to}: {}", spans.len());
    }
}
