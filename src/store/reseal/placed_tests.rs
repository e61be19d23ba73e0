//! Items an older release sealed whole are stored again with their placement apart.

use super::tests::first_items;
use super::*;
use crate::domain::{Author, Fetched, Id, Kind as ItemKind, Rating};
use crate::store::items::{blocks, placement};
use time::macros::datetime;

#[test]
fn items_sealed_whole_get_their_placement_apart_once_and_read_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let now = datetime!(2026-05-01 12:00 UTC);
    let store = Store::open(dir.path(), 16, now).unwrap();
    let (ws, loc) = (Id::generate(now), Id::generate(now));
    let dest = crate::store::Destination {
        feed: "accounts/1001/locations/77",
        connection: Some(Id::generate(now)),
        ..crate::store::fixtures::google(ws, loc)
    };
    let batch: Vec<Fetched> = (1..=40u8)
        .map(|n| Fetched {
            kind: ItemKind::Review,
            external_id: format!("{}/reviews/r{n}", dest.feed),
            parent_external_id: None,
            author: Author {
                name: format!("Author {n}"),
                ..Author::default()
            },
            rating: Some(Rating::Stars(n % 5 + 1)),
            text: format!("Visit {n}"),
            link: None,
            created_at: now,
            updated_at: now,
            reply: None,
            reply_authoritative: true,
        })
        .collect();
    store.items().ingest(&dest, &batch, now).unwrap();
    let page = |s: &Store| first_items(s, &ws);
    let items = page(&store);
    assert_eq!(items.len(), 40);
    assert!(
        items
            .iter()
            .all(|i| i.connection == dest.connection && i.feed == dest.feed)
    );
    let stored_bytes =
        |s: &Store| -> usize { s.items.iter().values().map(|v| v.unwrap().len()).sum() };
    let apart = stored_bytes(&store);

    // As the release before stored them: every item sealed whole, and the walk long done.
    let every: Vec<_> = store.items.iter().collect::<Result<_, _>>().unwrap();
    for (k, raw) in every {
        let mut block = blocks::Block::decode(&raw).unwrap();
        for (id, value) in &mut block.entries {
            let item = store
                .item_at(&ws, &Id::from_bytes(*id), value)
                .unwrap()
                .unwrap();
            *value = store.seal_item_whole(&item);
        }
        store.items.insert(k, block.encode()).unwrap();
    }
    store.meta.remove(PLACED_KEY).unwrap();
    assert_eq!(page(&store), items, "whole items read the same");
    let whole = stored_bytes(&store);
    assert!(whole > apart + 40 * 40, "{whole} against {apart}");

    let mut placed = 0;
    for calls in 1.. {
        let r = store.seal_plain_records(1).unwrap();
        assert_eq!(r.sealed, 0);
        placed += r.placed;
        if r.done {
            break;
        }
        assert!(calls < 100, "the walk goes forward");
    }
    assert_eq!(placed, 40);
    assert_eq!(page(&store), items);
    for (_, _, v) in blocks::all(&store.items) {
        assert!(
            placement::split(&v).unwrap().0.is_some(),
            "every item placed apart"
        );
    }
    assert!(
        stored_bytes(&store) <= apart + 40,
        "{} against {apart}",
        stored_bytes(&store)
    );
    // Once: a later walk finds nothing to do.
    assert_eq!(
        store.seal_plain_records(1_000).unwrap(),
        Resealed {
            sealed: 0,
            placed: 0,
            done: true
        }
    );
}
