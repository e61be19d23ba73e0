//! The index queue against a rebuild from scratch: whatever the order of changes, erasures and
//! indexer steps (small steps, steps racing a writer), the lists and word counts end up
//! exactly as if every item had been indexed once.

use crate::domain::{Author, Fetched, Id, Kind, Rating};
use crate::store::{ComeBack, Destination, ItemFilter, PageRequest, Store};
use time::macros::datetime;

const WORDS: [&str; 12] = [
    "croissant",
    "croissants",
    "stale",
    "friendly",
    "staff",
    "coffee",
    "go",
    "ok",
    "bakery",
    "waited",
    "delicious",
    "crowded",
];

fn text(seed: u64) -> String {
    (0..5)
        .map(|i| WORDS[((seed >> (i * 4)) % WORDS.len() as u64) as usize])
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn review(n: u64, seed: u64) -> Fetched {
    let at = datetime!(2026-03-01 12:00 UTC) + time::Duration::hours(n as i64 * 7);
    Fetched {
        kind: Kind::Review,
        external_id: format!("r{n}"),
        parent_external_id: None,
        author: Author {
            name: if n.is_multiple_of(3) {
                "Zelda Quill"
            } else {
                "Ana"
            }
            .into(),
            ..Author::default()
        },
        rating: Some(Rating::Stars(1 + (seed % 5) as u8)),
        text: text(seed),
        link: None,
        created_at: at,
        updated_at: at + time::Duration::seconds(seed as i64 % 1000),
        reply: None,
        reply_authoritative: true,
    }
}

/// Every list (its name and ids, however they are cut in blocks) and every word count.
fn derived(s: &Store) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for kv in s.search.iter() {
        let (k, v) = kv.unwrap();
        let ids: Vec<u8> = super::postings::decode(&v)
            .unwrap()
            .iter()
            .flat_map(|s| s.to_be_bytes())
            .collect();
        match out.last_mut() {
            Some((list, all)) if list.as_slice() == &k[..24] => all.extend(ids),
            _ => out.push((k[..24].to_vec(), ids)),
        }
    }
    for kv in s.words.iter() {
        let (k, v) = kv.unwrap();
        out.push((k.to_vec(), v.to_vec()));
    }
    out
}

/// Where the tests' reviews go.
pub(super) fn to(
    ws: Id<crate::domain::Workspace>,
    loc: Id<crate::domain::Location>,
) -> Destination<'static> {
    crate::store::fixtures::google(ws, loc)
}

/// The lists and word counts of the same items indexed once, from scratch.
fn rebuilt(store: &Store) -> Vec<(Vec<u8>, Vec<u8>)> {
    store.search.clear().unwrap();
    store.words.clear().unwrap();
    store.meta.remove(crate::store::items::SEARCH_KEY).unwrap();
    store.items().rebuild_derived().unwrap();
    store.search().catch_up(usize::MAX).unwrap();
    derived(store)
}

pub(super) fn search(s: &Store, ws: &Id<crate::domain::Workspace>, q: &str) -> Vec<String> {
    s.items()
        .page(
            ws,
            &ItemFilter {
                terms: crate::domain::text::query_terms(q),
                ..Default::default()
            },
            &PageRequest::first(500),
        )
        .unwrap()
        .items
        .into_iter()
        .map(|i| i.external_id)
        .collect()
}

#[test]
fn the_index_follows_any_order_of_changes_and_steps_to_what_a_rebuild_gives() {
    follows_any_order(review);
}

/// The same with reviews half a minute apart: new ones wait many to a queue entry, and are
/// changed, erased and taken by small steps while others join their entry.
#[test]
fn items_waiting_many_to_an_entry_follow_any_order_to_what_a_rebuild_gives() {
    follows_any_order(close_review);
}

fn close_review(n: u64, seed: u64) -> Fetched {
    let mut f = review(n, seed);
    f.created_at = datetime!(2026-03-01 12:00 UTC) + time::Duration::seconds(n as i64 * 30);
    f.updated_at = f.created_at + time::Duration::seconds(seed as i64 % 1000);
    f
}

#[test]
fn a_page_of_new_items_waits_in_one_queue_entry() {
    let dir = tempfile::tempdir().unwrap();
    let now = datetime!(2026-06-01 12:00 UTC);
    let store = Store::open(dir.path(), 16, now).unwrap();
    let ws = Id::generate(now);
    let dest = to(ws, Id::generate(now));
    let page: Vec<Fetched> = (0..50).map(|n| close_review(n, n * 17)).collect();
    store.items().ingest(&dest, &page, now).unwrap();
    assert_eq!(store.index_queue.len(), 1);
    assert_eq!(store.search().backlog(), 50);
    // A change to a waiting item leaves it where it waits: the index holds nothing for it.
    let mut edited = page[3].clone();
    edited.text = "marzipan heaven".into();
    edited.updated_at += time::Duration::hours(1);
    store.items().ingest(&dest, &[edited], now).unwrap();
    assert_eq!(store.index_queue.len(), 1);
    assert_eq!(store.search().index_step(20).unwrap(), 20);
    assert_eq!(store.search().backlog(), 30);
    store.search().catch_up(usize::MAX).unwrap();
    assert_eq!(store.index_queue.len(), 0);
    assert_eq!(search(&store, &ws, "marzipan"), ["r3"]);
}

fn follows_any_order(review: fn(u64, u64) -> Fetched) {
    let dir = tempfile::tempdir().unwrap();
    let now = datetime!(2026-06-01 12:00 UTC);
    let store = Store::open(dir.path(), 16, now).unwrap();
    let ws = Id::generate(now);
    let dest = to(ws, Id::generate(now));
    let mut seed = 7u64;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        seed >> 20
    };
    for round in 0..40u64 {
        // A page of new and edited reviews (an edit changes text, rating, or both).
        let page: Vec<Fetched> = (0..8).map(|_| review(next() % 60, next())).collect();
        store.items().ingest(&dest, &page, now).unwrap();
        if round % 7 == 3 {
            let some = store
                .items()
                .page(&ws, &ItemFilter::default(), &PageRequest::first(3))
                .unwrap();
            let ids: Vec<_> = some.items.iter().map(|i| i.id).collect();
            store.items().erase(&ws, &ids, ComeBack::Allowed).unwrap();
        }
        // Indexer steps of random sizes, sometimes none.
        for _ in 0..next() % 3 {
            store
                .search()
                .index_step(1 + (next() % 5) as usize)
                .unwrap();
        }
    }
    store.search().catch_up(usize::MAX).unwrap();
    assert_eq!(store.search().backlog(), 0);
    let followed = derived(&store);
    let found: Vec<Vec<String>> = ["croissant", "croiss", "cro", "go", "zelda", "quill", "staf"]
        .iter()
        .map(|q| search(&store, &ws, q))
        .collect();
    assert!(found.iter().all(|f| !f.is_empty()), "{found:?}");

    // The same items indexed once, from scratch.
    assert_eq!(rebuilt(&store), followed);
    let again: Vec<Vec<String>> = ["croissant", "croiss", "cro", "go", "zelda", "quill", "staf"]
        .iter()
        .map(|q| search(&store, &ws, q))
        .collect();
    assert_eq!(again, found);

    // And every answer is what reading each item's text says.
    let all = store
        .items()
        .page(&ws, &ItemFilter::default(), &PageRequest::first(500))
        .unwrap()
        .items;
    for (q, got) in ["croissant", "croiss", "cro", "go", "zelda", "quill", "staf"]
        .iter()
        .zip(&found)
    {
        let want: Vec<String> = all
            .iter()
            .filter(|i| {
                crate::domain::text::query_terms(q)
                    .iter()
                    .all(|t| crate::domain::text::finds(&i.text, "", &i.author.name, t))
            })
            .map(|i| i.external_id.clone())
            .collect();
        assert_eq!(got, &want, "{q}");
    }
    // "go" is a whole word: "good" would not be found by it, and no list is named by a word.
    // Words of two letters are left out of that check: keys are random bytes (workspace id,
    // keyed list hash, a time), where any two given bytes turn up once in a few thousand keys.
    for kv in store.search.iter() {
        let (k, _) = kv.unwrap();
        for w in WORDS.iter().filter(|w| w.len() > 2) {
            assert!(
                !k.windows(w.len()).any(|x| x == w.as_bytes()),
                "{w} in a key"
            );
        }
    }
}

/// A writer changing items while the indexer runs: a step whose items moved meanwhile starts
/// over, and nothing is counted twice or missed.
#[test]
fn an_indexer_racing_a_writer_counts_each_version_once() {
    let dir = tempfile::tempdir().unwrap();
    let now = datetime!(2026-06-01 12:00 UTC);
    let store = Store::open(dir.path(), 16, now).unwrap();
    let ws = Id::generate(now);
    let dest = to(ws, Id::generate(now));
    let writer = {
        let store = store.clone();
        let dest_ws = dest.workspace;
        let dest_loc = dest.location;
        std::thread::spawn(move || {
            let dest = to(dest_ws, dest_loc);
            for round in 0..150u64 {
                let page: Vec<Fetched> = (0..4)
                    .map(|i| review((round * 3 + i) % 20, round * 31 + i))
                    .collect();
                store.items().ingest(&dest, &page, now).unwrap();
            }
        })
    };
    while !writer.is_finished() {
        store.search().index_step(3).unwrap();
    }
    writer.join().unwrap();
    store.search().catch_up(usize::MAX).unwrap();
    let followed = derived(&store);
    assert_eq!(rebuilt(&store), followed);
}
