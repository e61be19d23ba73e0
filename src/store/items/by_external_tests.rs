//! The provider-id index (`by_external`): a hash shared by two ids, blocks by feed and
//! creation time, imported rows by their id alone.

use super::by_external::PageBlocks;
use crate::domain::{Id, Origin};
use crate::store::Items;
use crate::store::Store;
use crate::store::fixtures::{google, review};
use time::macros::datetime;

#[test]
fn a_provider_id_sharing_a_hash_with_another_is_stored_as_its_own_item() {
    let dir = tempfile::tempdir().unwrap();
    let now = datetime!(2026-06-01 12:00 UTC);
    let store = Store::open(dir.path(), 16, now).unwrap();
    let (ws, loc) = (Id::generate(now), Id::generate(now));
    let dest = google(ws, loc);
    let review = |id: &str, text: &str| review(id, 4, text, now);
    let find = |id: &str| {
        let at = (now, now);
        store
            .items()
            .by_external(&ws, Origin::Google, "f", id, at)
            .unwrap()
    };
    store
        .items()
        .ingest(&dest, &[review("A", "first")], now)
        .unwrap();
    let a = find("A").unwrap();
    // B's hash lists A, as two provider ids with the same hash would.
    let feed = store.feed_index(&ws, Origin::Google, "f").unwrap();
    let at_b = store.external(&feed, now, "B").unwrap();
    store
        .item_ext
        .transaction(|t| {
            let mut page = PageBlocks::default();
            page.add(t, &at_b, &a.id)?;
            page.write(t)
        })
        .unwrap();

    let done = store
        .items()
        .ingest(&dest, &[review("B", "second")], now)
        .unwrap();
    assert_eq!((done.new, done.changed), (1, 0), "B is not taken for A");
    let b = find("B").unwrap();
    assert_ne!(b.id, a.id);
    assert_eq!(b.text, "second");
    let a_again = store.items().get(&ws, &a.id).unwrap().unwrap();
    assert_eq!(a_again.text, "first", "A is unchanged");
    // Ingesting B again finds B among the two listed under its hash.
    let again = store
        .items()
        .ingest(&dest, &[review("B", "second, edited")], now)
        .unwrap();
    assert_eq!((again.new, again.changed), (0, 1));
    assert_eq!(
        store.items().get(&ws, &b.id).unwrap().unwrap().text,
        "second, edited"
    );
    // The same id twice in one page (with new ids around it): the second copy updates
    // the first, whose author's key is stored by then.
    let page = [
        review("C", "third"),
        review("D", "fourth"),
        review("C", "third, edited"),
    ];
    let done = store.items().ingest(&dest, &page, now).unwrap();
    assert_eq!((done.new, done.changed), (2, 1));
    for (id, text) in [("C", "third, edited"), ("D", "fourth")] {
        assert_eq!(find(id).unwrap().text, text);
    }
}

/// A provider's items are listed by feed and creation time: a page of neighbours in time
/// shares a block, two feeds never do, and each item is found again by its time, by a
/// span around it, or by any time. Imported rows are found by their id alone, whatever
/// date a later file gives them.
#[test]
fn a_feed_lists_its_items_by_creation_time_and_imports_by_their_id() {
    let dir = tempfile::tempdir().unwrap();
    let now = datetime!(2026-06-01 12:00 UTC);
    let store = Store::open(dir.path(), 16, now).unwrap();
    let (ws, loc) = (Id::generate(now), Id::generate(now));
    let blocks = || store.item_ext.len();
    // 50 reviews in two hours: one block (or two, at a step's edge).
    let dense: Vec<_> = (0..50)
        .map(|n| {
            review(
                &format!("d{n}"),
                5,
                "fine",
                now - time::Duration::minutes(n * 2),
            )
        })
        .collect();
    let done = store.items().ingest(&google(ws, loc), &dense, now).unwrap();
    assert_eq!(done.new, 50);
    assert!(
        blocks() <= 2,
        "{} blocks for one page of two hours",
        blocks()
    );
    // The same page in another feed: blocks of its own.
    let mut other = google(ws, loc);
    other.feed = "g";
    store.items().ingest(&other, &dense, now).unwrap();
    let two_feeds = blocks();
    assert!((2..=4).contains(&two_feeds), "{two_feeds}");
    // A review every day for 60 days: a block per ~3.1 days.
    let sparse: Vec<_> = (0..60)
        .map(|n| review(&format!("s{n}"), 3, "ok", now - time::Duration::days(n)))
        .collect();
    store
        .items()
        .ingest(&google(ws, loc), &sparse, now)
        .unwrap();
    let spread = blocks() - two_feeds;
    assert!((19..=22).contains(&spread), "{spread} blocks for 60 days");
    let again = store
        .items()
        .ingest(&google(ws, loc), &sparse, now)
        .unwrap();
    assert_eq!(
        (again.new, again.changed),
        (0, 0),
        "found again, nothing new"
    );

    let items = store.items();
    let find = |feed: &str, id: &str, at| items.by_external(&ws, Origin::Google, feed, id, at);
    let day = |n| now - time::Duration::days(n);
    for f in &sparse[..10] {
        let t = f.created_at;
        let exact = find("f", &f.external_id, (t, t)).unwrap().unwrap();
        assert_eq!(exact.created_at, t);
        let around = find("f", &f.external_id, (t - time::Duration::DAY, now)).unwrap();
        assert_eq!(around.map(|i| i.id), Some(exact.id));
        let ever = find("f", &f.external_id, Items::EVER).unwrap();
        assert_eq!(ever.map(|i| i.id), Some(exact.id));
    }
    assert!(
        find("f", "s30", (day(20), day(0))).unwrap().is_none(),
        "not then"
    );
    assert!(
        find("g", "s1", Items::EVER).unwrap().is_none(),
        "not in that feed"
    );
    let d7 = find("g", "d7", Items::EVER).unwrap().unwrap();
    assert_ne!(d7.id, find("f", "d7", Items::EVER).unwrap().unwrap().id);

    // An imported row with another date later: the same item, changed.
    let mut import = google(ws, loc);
    import.origin = Origin::Import;
    import.feed = "csv";
    let row = |at, text: &str| review("row-1", 2, text, at);
    let first = store.items().ingest(&import, &[row(day(40), "first")], now);
    assert_eq!(first.unwrap().new, 1);
    let fixed = store.items().ingest(&import, &[row(day(3), "fixed")], now);
    assert_eq!(
        fixed.unwrap(),
        crate::store::Ingested { new: 0, changed: 1 }
    );
    let row1 = items.by_external(&ws, Origin::Import, "csv", "row-1", (now, now));
    assert_eq!(
        row1.unwrap().unwrap().text,
        "fixed",
        "found by its id alone"
    );
}
