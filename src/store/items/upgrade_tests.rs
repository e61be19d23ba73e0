//! A data folder of the release before the compact layout (JSON records, search layout 1 with
//! its change log and docs, rollup layout 2, schema 3 with a person key entry per item) opens
//! in this one with every item, count, word count and search answer as they were, and the old
//! trees gone.

use crate::domain::{Author, Fetched, FetchedReply, Id, Item, Kind, Origin, Rating};
use crate::store::search::Polarity;
use crate::store::{ComeBack, Destination, ItemFilter, PageRequest, PersonRef, Store};
use time::macros::datetime;

type Seen = (
    Vec<Item>,
    Vec<(u64, [u64; 5], u64)>,
    Vec<Vec<String>>,
    Vec<Vec<(String, u64)>>,
);

fn everything(
    s: &Store,
    ws: &Id<crate::domain::Workspace>,
    locs: &[Id<crate::domain::Location>],
) -> Seen {
    let items = s
        .items()
        .page(ws, &ItemFilter::default(), &PageRequest::first(1000))
        .unwrap()
        .items;
    let day = crate::domain::date_day(datetime!(2026-06-01 0:00 UTC).date());
    let mut totals = Vec::new();
    for scope in [None, Some(&locs[0]), Some(&locs[1])] {
        for (a, b) in [
            (day - 400, day + 1),
            (day - 90, day - 3),
            (day - 17, day - 16),
            (day - 33, day - 1),
        ] {
            let t = s.items().total(ws, scope, a, b).unwrap();
            totals.push((t.items, t.stars, t.replied));
        }
    }
    let found = ["croissant", "cro", "zelda", "thanks", "go", "coffee stale"]
        .iter()
        .map(|q| {
            s.items()
                .page(
                    ws,
                    &ItemFilter {
                        terms: crate::domain::text::query_terms(q),
                        ..Default::default()
                    },
                    &PageRequest::first(1000),
                )
                .unwrap()
                .items
                .into_iter()
                .map(|i| i.external_id)
                .collect()
        })
        .collect();
    let words = [Polarity::Positive, Polarity::Negative]
        .iter()
        .map(|p| {
            s.search()
                .top_words(ws, None, 24_280..=24_330, *p, 20)
                .unwrap()
                .into_iter()
                .map(|w| (w.term, w.count))
                .collect()
        })
        .collect();
    (items, totals, found, words)
}

/// Two locations of 120 reviews each (two sources, replies, two authors), two erased.
fn seed(
    store: &Store,
    ws: Id<crate::domain::Workspace>,
    locs: &[Id<crate::domain::Location>; 2],
    now: time::OffsetDateTime,
) {
    let texts = [
        "croissant was stale",
        "great coffee, friendly staff",
        "go there for croissants",
        "crowded and loud",
        "coffee stale again",
    ];
    for (li, loc) in locs.iter().enumerate() {
        let dest = Destination {
            workspace: ws,
            location: *loc,
            origin: if li == 0 {
                Origin::Google
            } else {
                Origin::Facebook
            },
            feed: "f",
            connection: None,
            alert: false,
        };
        let page: Vec<Fetched> = (0..120usize)
            .map(|n| {
                let at = now - time::Duration::hours(n as i64 * 71 + li as i64);
                Fetched {
                    kind: Kind::Review,
                    external_id: format!("r{li}-{n}"),
                    parent_external_id: None,
                    author: Author {
                        name: if n.is_multiple_of(4) {
                            "Zelda Quill"
                        } else {
                            "Ana Bell"
                        }
                        .into(),
                        ..Author::default()
                    },
                    rating: Some(Rating::Stars(1 + (n % 5) as u8)),
                    text: texts[n % texts.len()].into(),
                    link: None,
                    created_at: at,
                    updated_at: at,
                    reply: n.is_multiple_of(3).then(|| FetchedReply {
                        text: "thanks a lot".into(),
                        at: at + time::Duration::hours(5),
                        external_id: None,
                    }),
                    reply_authoritative: true,
                }
            })
            .collect();
        for chunk in page.chunks(50) {
            store.items().ingest(&dest, chunk, now).unwrap();
        }
    }
    let gone: Vec<_> = store
        .items()
        .page(&ws, &ItemFilter::default(), &PageRequest::first(2))
        .unwrap()
        .items
        .iter()
        .map(|i| i.id)
        .collect();
    store.items().erase(&ws, &gone, ComeBack::Never).unwrap();
    store.search().catch_up(usize::MAX).unwrap();
}

#[test]
fn a_folder_of_the_previous_release_opens_with_everything_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let now = datetime!(2026-06-01 12:00 UTC);
    let ws = Id::generate(now);
    let locs = [Id::generate(now), Id::generate(now)];
    let before = {
        let store = Store::open(dir.path(), 16, now).unwrap();
        seed(&store, ws, &locs, now);
        let seen = everything(&store, &ws, &locs);
        assert!(seen.2.iter().all(|f| !f.is_empty()), "{:?}", seen.2);

        // What the previous release left on disk: items sealed with JSON inside, JSON
        // rollups, its layout markers, its search trees (the new ones unknown to it).
        // Schema 4: an entry per item (the first few already in blocks, as a migration to 5
        // killed after its first step leaves them).
        let singles = super::blocks::split_into_singles(&store.items, 5);
        assert_eq!(singles, 240 - 2 - 5, "every item left is single");
        for kv in store.items.iter() {
            let (k, raw) = kv.unwrap();
            if k.len() != 32 {
                continue;
            }
            let ws = crate::store::keys::id_at(&k, 0).unwrap();
            let id = crate::store::keys::id_at(&k, 16).unwrap();
            let item: Item = store.item_at(&ws, &id, &raw).unwrap().unwrap();
            let old = store
                .seal_as_json(&PersonRef::item(&item.workspace, &item.id), &item)
                .unwrap();
            store.items.insert(k, old).unwrap();
        }
        for kv in store.rollups.iter() {
            let (k, raw) = kv.unwrap();
            let c: crate::store::DayCounts = crate::store::codec::decode(&raw).unwrap();
            let old = [&[1u8][..], &serde_json::to_vec(&c).unwrap()].concat();
            store.rollups.insert(k, old).unwrap();
        }
        store.meta.insert(b"derived_search", &b"1"[..]).unwrap();
        // Provider-id layout 3: blocks by a hash bucket of the id (19-byte keys).
        store.meta.insert(b"derived_item_ext", &b"3"[..]).unwrap();
        store.item_ext.insert([7u8; 19], &[0u8; 24][..]).unwrap();
        store.meta.insert(b"derived_rollups", &b"2"[..]).unwrap();
        for t in [&store.search, &store.words, &store.index_queue] {
            t.clear().unwrap();
        }
        store.search.insert(b"an old posting", &[][..]).unwrap();
        // Schema 3: every item author's key in an entry of its own; the first few already in
        // blocks, as a migration to 4 killed after its first step leaves them.
        let singles = crate::store::person_keys::split_into_singles(&store.person_keys);
        assert_eq!(singles, 240 - 2, "every item left has its key");
        let first: Vec<_> = store
            .person_keys
            .scan_prefix(b"i")
            .take(7)
            .map(Result::unwrap)
            .collect();
        for (k, v) in &first {
            store.person_keys.remove(k).unwrap();
            let key: [u8; 32] = v[..].try_into().unwrap();
            store
                .person_keys
                .transaction(|t| crate::store::person_keys::put_tx(t, k, &key))
                .unwrap();
        }
        crate::store::meta::set_schema_version(&store.db, 3).unwrap();
        for old in ["search_docs", "item_changes"] {
            store
                .db
                .open_tree(old)
                .unwrap()
                .insert(b"k", &b"v"[..])
                .unwrap();
        }
        store.close().unwrap();
        seen
    };

    let store = Store::open(dir.path(), 16, now).unwrap();
    assert!(
        store.take_compaction_request().unwrap(),
        "a migration asks the next start to compact"
    );
    assert!(!store.take_compaction_request().unwrap(), "once");
    store.search().catch_up(usize::MAX).unwrap();
    let after = everything(&store, &ws, &locs);
    assert_eq!(after.0, before.0, "items");
    assert_eq!(after.1, before.1, "totals");
    assert_eq!(after.2, before.2, "search");
    assert_eq!(after.3, before.3, "word counts");
    let names: Vec<_> = store.db.tree_names();
    for old in ["search_docs", "item_changes"] {
        assert!(
            !names.iter().any(|n| n.as_ref() == old.as_bytes()),
            "{old} is left"
        );
    }
    assert!(store.search.get(b"an old posting").unwrap().is_none());
    assert!(
        store
            .item_ext
            .iter()
            .keys()
            .all(|k| k.unwrap().len() == 16 + 1 + 4 + 4),
        "every provider-id block is of the new layout"
    );
    assert!(
        store
            .person_keys
            .iter()
            .keys()
            .all(|k| !crate::store::person_keys::is_single_item_key(&k.unwrap())),
        "every item author's key moved into a block"
    );
    // Every item moved into a block; sealed as the previous release sealed them (JSON
    // inside), and still read.
    assert!(
        store.items.iter().keys().all(|k| k.unwrap().len() == 33),
        "every item moved into a block"
    );
    let stored = super::blocks::all(&store.items);
    assert_eq!(stored.len(), 240 - 2);
    assert!(stored.iter().skip(5).all(|(_, _, v)| v[0] == 2));
}

/// A backup restores every tree as it was, the derived ones included: every list, total,
/// search answer and word count is the same, with nothing to rebuild.
#[test]
fn a_backup_restores_every_index_count_and_answer() {
    let dir = tempfile::tempdir().unwrap();
    let now = datetime!(2026-06-01 12:00 UTC);
    let ws = Id::generate(now);
    let locs = [Id::generate(now), Id::generate(now)];
    let store = Store::open(&dir.path().join("a"), 16, now).unwrap();
    seed(&store, ws, &locs, now);
    store.search().catch_up(usize::MAX).unwrap();
    let before = everything(&store, &ws, &locs);
    let sums = store.tree_sums().unwrap();
    let file =
        crate::workers::backup::write(&store, &dir.path().join("out"), now, None, |_| {}).unwrap();
    let secret = crate::workers::backup::Secret(Some(store.meta().instance_secret().unwrap()));
    store.close().unwrap();

    let held = crate::workers::backup::verify(&file, None).unwrap();
    let names: Vec<&str> = held.trees.iter().map(|t| t.name.as_str()).collect();
    for name in [
        "items",
        "person_keys",
        "search",
        "rollups",
        "item_ext",
        "item_loc",
    ] {
        assert!(names.contains(&name), "{name} not in {names:?}");
    }
    let restored = dir.path().join("b");
    crate::workers::backup::restore(&file, &restored, None, &secret, now).unwrap();
    let store = Store::open(&restored, 16, now).unwrap();
    assert_eq!(store.tree_sums().unwrap(), sums, "every tree");
    assert_eq!(store.search().backlog(), 0, "nothing to index again");
    let after = everything(&store, &ws, &locs);
    assert_eq!(after.0, before.0, "items");
    assert_eq!(after.1, before.1, "totals");
    assert_eq!(after.2, before.2, "search");
    assert_eq!(after.3, before.3, "word counts");
    for (li, loc) in locs.iter().enumerate() {
        let origin = if li == 0 {
            Origin::Google
        } else {
            Origin::Facebook
        };
        let found = store
            .items()
            .by_external(
                &ws,
                origin,
                "f",
                &format!("r{li}-7"),
                crate::store::Items::EVER,
            )
            .unwrap();
        assert_eq!(
            found.map(|i| i.location),
            Some(*loc),
            "by the provider's id"
        );
        let listed = store
            .items()
            .page(
                &ws,
                &ItemFilter {
                    location: Some(*loc),
                    ..Default::default()
                },
                &PageRequest::first(1000),
            )
            .unwrap()
            .items;
        let expected = before.0.iter().filter(|i| i.location == *loc).count();
        assert_eq!(listed.len(), expected, "the location's list");
    }
}
