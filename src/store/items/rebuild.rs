//! Derived trees rebuilt from the items when their layout changes: the rollups (local days,
//! spans, response times) and the search index (every item queued on the change log for the
//! indexer). A rebuild cut short by a crash starts over at the next open: the marker is set last.
//!
//! After a restore the rollups and the items' own indexes (`item_ext`, `item_loc`) are rebuilt
//! too: a backup of a busy server reads one tree after another while writes go on, so an item
//! may be in the backup without its index entries or its counts, or the other way round.
use crate::store::kv;

use super::Items;
use super::rollups::Deltas;
use crate::domain::{Id, Item, Location, Workspace};
use crate::store::typed;
use anyhow::Context;
use kv::Transactional;
use std::collections::HashMap;
use std::ops::Bound;

pub(in crate::store) const ROLLUPS_KEY: &[u8] = b"derived_rollups";
/// 3: no spans shorter than 16 days; 4: spans at every other level; 5: counts per source;
/// 6: recommendations and attention; 7: removed items listed by when (`gone`); 8: spans of 4
/// days.
const ROLLUPS_LAYOUT: &[u8] = b"8";
pub(in crate::store) const SEARCH_KEY: &[u8] = b"derived_search";
/// 2: lists of keyed hashes in blocks, and an index queue instead of a change log and a doc
/// per item (`store::search`); 3: postings hold id stamps (their first eight bytes) only;
/// 4: postings hold the millisecond of an id only (`postings::window_of`).
const SEARCH_LAYOUT: &[u8] = b"4";
const EXTERNAL_KEY: &[u8] = b"derived_item_ext";
/// 2: blocks of keyed hashes (`by_external`); before, an entry per item keyed by its
/// provider's id. 4: a provider's items in blocks by feed and creation time.
const EXTERNAL_LAYOUT: &[u8] = b"4";
const LOCATIONS_KEY: &[u8] = b"derived_item_loc";
/// 2: a block of stamps per location and 25 days (`by_location`); before, an entry per item.
const LOCATIONS_LAYOUT: &[u8] = b"3";
/// Trees of older search layouts, dropped when the index is rebuilt.
const OLD_SEARCH_TREES: [&str; 2] = ["search_docs", "item_changes"];
/// Set by a restore (see `mark_restored`), removed once everything it asks for is rebuilt.
const RESTORED_KEY: &[u8] = b"derived_after_restore";

/// Asks the next open of the store in `db` to rebuild what a restore may have left out of step.
pub fn mark_restored(db: &kv::Db) -> anyhow::Result<()> {
    db.open_tree("meta")?
        .insert(RESTORED_KEY, &[])
        .context("marking a restored store")?;
    db.flush().context("flushing a restored store")?;
    Ok(())
}

impl Items<'_> {
    /// Rebuilds what is out of date; a no-op on a current store. Returns the items read.
    pub fn rebuild_derived(&self) -> anyhow::Result<usize> {
        let s = self.store;
        let restored = s.meta.contains_key(RESTORED_KEY)?;
        let rollups_ok = !restored && s.meta.get(ROLLUPS_KEY)?.as_deref() == Some(ROLLUPS_LAYOUT);
        let search_ok = s.meta.get(SEARCH_KEY)?.as_deref() == Some(SEARCH_LAYOUT);
        let locations_ok =
            !restored && s.meta.get(LOCATIONS_KEY)?.as_deref() == Some(LOCATIONS_LAYOUT);
        let external_ok =
            !restored && s.meta.get(EXTERNAL_KEY)?.as_deref() == Some(EXTERNAL_LAYOUT);
        if rollups_ok && search_ok && locations_ok && external_ok {
            return Ok(0);
        }
        if !rollups_ok {
            s.rollups.clear().context("clearing the rollups")?;
        }
        if !external_ok {
            s.item_ext.clear().context("clearing the item index")?;
        }
        if !locations_ok {
            s.item_loc.clear().context("clearing the location lists")?;
        }
        if !search_ok {
            for t in [&s.search, &s.words, &s.index_queue] {
                t.clear().context("clearing the search index")?;
            }
            for name in OLD_SEARCH_TREES {
                s.db.drop_tree(name)
                    .context("dropping an old search tree")?;
            }
        }
        let mut zones: HashMap<(Id<Workspace>, Id<Location>), jiff::tz::TimeZone> = HashMap::new();
        let mut after: Option<kv::IVec> = None;
        let mut read = 0;
        loop {
            let lower = after.clone().map_or(Bound::Unbounded, Bound::Excluded);
            // Collected first: no iterator stays alive across the writes below.
            let chunk: Vec<(kv::IVec, kv::IVec)> = s
                .items
                .range::<kv::IVec, _>((lower, Bound::Unbounded))
                .take(64)
                .collect::<Result<_, _>>()
                .context("reading items to rebuild from")?;
            let Some((last, _)) = chunk.last() else { break };
            after = Some(last.clone());
            let mut groups: HashMap<(Id<Workspace>, Id<Location>), Vec<Item>> = HashMap::new();
            let mut in_chunk = 0;
            for (k, v) in &chunk {
                let Some((ws, _)) = super::blocks::parts(k) else {
                    anyhow::bail!("an item block under a malformed key");
                };
                for (id, sealed) in super::blocks::items_of(v)? {
                    in_chunk += 1;
                    let Some(item) = s.item_at(&ws, &id, &sealed)? else {
                        continue;
                    };
                    groups
                        .entry((item.workspace, item.location))
                        .or_default()
                        .push(item);
                }
            }
            read += in_chunk;
            // A large folder takes minutes: say how far it is (a kill starts it over).
            if read % 100_000 < in_chunk {
                tracing::info!(
                    items = read,
                    rollups = !rollups_ok,
                    search = !search_ok,
                    provider_ids = !external_ok,
                    locations = !locations_ok,
                    "rebuilding what is derived from the items"
                );
            }
            if !external_ok {
                let listed = groups
                    .values()
                    .flatten()
                    .map(|i| Ok((s.external_of(i)?, i.id)))
                    .collect::<anyhow::Result<Vec<_>>>()?;
                super::by_external::add_all(&s.item_ext, listed)?;
            }
            if !locations_ok {
                let listed: Vec<_> = groups
                    .values()
                    .flatten()
                    .map(|i| {
                        (
                            i.workspace,
                            i.location,
                            i.id,
                            super::by_location::rating_of(i),
                        )
                    })
                    .collect();
                super::by_location::add_all(s, &listed)?;
            }
            for ((ws, loc), items) in groups {
                let tz = match zones.get(&(ws, loc)) {
                    Some(tz) => tz.clone(),
                    None => {
                        let tz = self.zone_of(&ws, &loc)?;
                        zones.insert((ws, loc), tz.clone());
                        tz
                    }
                };
                s.lookup_key()?;
                (&s.rollups, &s.index_queue, &s.person_keys)
                    .transaction(|(rollups, queue, keys)| {
                        let mut d = Deltas::new(tz.clone());
                        for i in &items {
                            d.add(i, 1);
                        }
                        if rollups_ok {
                            d.forget_counts();
                        }
                        if search_ok {
                            d.forget_changes();
                        }
                        d.apply(s, rollups, queue, keys)
                    })
                    .map_err(typed::txn_any)?;
            }
        }
        if restored {
            s.outbox().reindex_due()?;
        }
        s.meta.insert(ROLLUPS_KEY, ROLLUPS_LAYOUT)?;
        s.meta.insert(SEARCH_KEY, SEARCH_LAYOUT)?;
        s.meta.insert(LOCATIONS_KEY, LOCATIONS_LAYOUT)?;
        s.meta.insert(EXTERNAL_KEY, EXTERNAL_LAYOUT)?;
        s.meta.remove(RESTORED_KEY)?;
        s.db.flush().context("flushing rebuilt rollups")?;
        if read > 0 {
            tracing::warn!(items = read, "rebuilt rollups and queued the search index");
        }
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::Id;
    use crate::store::Store;
    use time::macros::datetime;

    #[test]
    fn rollups_and_the_index_are_rebuilt_from_the_items_when_their_layout_is_old() {
        let dir = tempfile::tempdir().unwrap();
        let now = datetime!(2026-05-01 12:00 UTC);
        let (ws, loc) = (Id::generate(now), Id::generate(now));
        let review = |n: u8| {
            crate::store::fixtures::review(&format!("r{n}"), n, &format!("pastry number {n}"), now)
        };
        let day = crate::domain::date_day(now.date());
        {
            let store = Store::open(dir.path(), 16, now).unwrap();
            let dest = crate::store::fixtures::google(ws, loc);
            store
                .items()
                .ingest(&dest, &[review(1), review(5)], now)
                .unwrap();
            store.search().catch_up(100).unwrap();
            // What an older layout leaves: no markers, stale rollups, no index.
            store.meta.remove(super::ROLLUPS_KEY).unwrap();
            store.meta.remove(super::SEARCH_KEY).unwrap();
            store.rollups.clear().unwrap();
            store.rollups.insert(b"stale", &b"junk"[..]).unwrap();
            store.search.clear().unwrap();
            store.flush_blocking().unwrap();
            // Closed, not dropped: sled lets go of the folder only once its threads are done.
            store.close().unwrap();
        }
        let store = Store::open(dir.path(), 16, now).unwrap();
        assert!(store.rollups.get(b"stale").unwrap().is_none());
        let t = store.items().total(&ws, None, day, day + 1).unwrap();
        assert_eq!((t.items, t.stars), (2, [1, 0, 0, 0, 1]));
        assert_eq!(t.attention, 1, "the unanswered one-star review waits");
        let terms = crate::domain::text::query_terms("pastry");
        let page = store
            .items()
            .page(
                &ws,
                &crate::store::ItemFilter {
                    terms,
                    ..Default::default()
                },
                &crate::store::PageRequest::first(10),
            )
            .unwrap();
        assert_eq!(page.items.len(), 2);
        // A second open changes nothing.
        store.close().unwrap();
        let store = Store::open(dir.path(), 16, now).unwrap();
        assert_eq!(store.search().backlog(), 0);

        // A backup of a busy server may hold an item without its index entries and counts,
        // a count without its item, mail without its due entry: a restore rebuilds them.
        let r3 = review(3);
        let dest = crate::store::fixtures::google(ws, loc);
        store
            .items()
            .ingest(&dest, std::slice::from_ref(&r3), now)
            .unwrap();
        store.item_ext.clear().unwrap();
        store.item_loc.clear().unwrap();
        store
            .rollups
            .insert(b"from a later item", &b"junk"[..])
            .unwrap();
        let from = "P <p@example.test>".parse().unwrap();
        let to = crate::domain::Email::parse("x@example.test").unwrap();
        let body = crate::mail::templates::Rendered {
            subject: "s".into(),
            text: "t".into(),
            html: None,
        };
        let msg = crate::mail::message(now, &from, &to, body, Vec::new());
        store.outbox().enqueue(&msg).unwrap();
        store.outbox_due.clear().unwrap();
        super::mark_restored(&store.db).unwrap();
        store.close().unwrap();
        let store = Store::open(dir.path(), 16, now).unwrap();
        let again = store.items().ingest(&dest, &[r3, review(1)], now).unwrap();
        assert_eq!(again.new, 0, "no item is stored twice");
        let t = store.items().total(&ws, None, day, day + 1).unwrap();
        assert_eq!((t.items, t.stars), (3, [1, 0, 1, 0, 1]));
        assert!(store.rollups.get(b"from a later item").unwrap().is_none());
        let listed = store
            .items()
            .page(
                &ws,
                &crate::store::ItemFilter {
                    location: Some(loc),
                    ..Default::default()
                },
                &crate::store::PageRequest::first(10),
            )
            .unwrap();
        assert_eq!(listed.items.len(), 3, "the location's list has them all");
        assert_eq!(store.outbox().pending(), 1, "the mail will be sent");
        assert!(!store.meta.contains_key(super::RESTORED_KEY).unwrap());
    }
}
