//! Erasing items for their author (a data-subject request): the item, its indexes, notes and
//! pending alerts go in one transaction with its rollups; a tombstone by (origin, keyed hash
//! of the provider's id) keeps a later sync or import from bringing it back; then the key that
//! sealed it is destroyed, once the search index has taken it out.
use crate::store::kv;

use super::rollups::Deltas;
use super::{Items, by_external, by_location};
use crate::domain::{Id, Item, Origin, Workspace};
use crate::store::{PersonRef, Store, keys, typed};
use anyhow::Context;
use kv::Transactional;

impl Store {
    /// (workspace, origin, HMAC of the provider's id): where an erased item's tombstone lies.
    /// Uses only the cached lookup key, so it may be called inside a transaction once
    /// `lookup_key` was called outside.
    pub(super) fn tombstone_key(
        &self,
        ws: &Id<Workspace>,
        origin: Origin,
        external: &str,
    ) -> anyhow::Result<Vec<u8>> {
        let hash = self.keyed_hash(b"tombstone\0", external)?;
        Ok([ws.as_bytes().as_slice(), &[origin.tag()], &hash[..16]].concat())
    }

    /// Stores from before workspaces were marked (`stones_mark`) get their marks, once.
    pub(in crate::store) fn mark_workspaces_with_stones(&self) -> anyhow::Result<()> {
        if self.meta.contains_key(MARKED_KEY)? {
            return Ok(());
        }
        let mut marks = std::collections::BTreeSet::new();
        for k in self.item_tombstones.iter().keys() {
            let k = k.context("reading the tombstones")?;
            if k.len() > 16 {
                marks.insert(k[..16].to_vec());
            }
        }
        // The scan is over before anything is written (no iterator alive across a write).
        for mark in marks {
            self.item_tombstones
                .insert(mark, &[])
                .context("marking a workspace with tombstones")?;
        }
        self.meta
            .insert(MARKED_KEY, &[])
            .context("noting the tombstone marks")?;
        Ok(())
    }
}

/// Set in `meta` once every workspace with a tombstone has its mark.
const MARKED_KEY: &[u8] = b"tombstones_marked";

/// The mark of a workspace that has tombstones: its id alone, in `item_tombstones` beside
/// them, written in the transaction that writes a stone. An ingest reads it once a page and
/// looks for each new item's stone only when it is there: most workspaces never erase a
/// review, and a read per new item is a quarter of what storing it costs. Read and written in
/// transactions, so an erasure racing a sync still conflicts with it.
pub(super) fn stones_mark(ws: &Id<Workspace>) -> &[u8] {
    ws.as_bytes()
}

/// Whether an erased item may be stored again when a sync or import brings it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComeBack {
    /// Erased for its author: a tombstone keeps it out for good.
    Never,
    /// Gone at the provider and past retention: if it shows up again, it is new.
    Allowed,
}

impl Items<'_> {
    /// Erases items of `ws`; returns how many were there. Their keys are destroyed once the
    /// search index has taken them out (its docs are sealed with the same keys).
    pub fn erase(
        &self,
        ws: &Id<Workspace>,
        ids: &[Id<Item>],
        come_back: ComeBack,
    ) -> anyhow::Result<usize> {
        let mut erased = 0;
        for id in ids {
            erased += usize::from(self.erase_one(ws, id, come_back)?);
        }
        self.store.search().catch_up(usize::MAX)?;
        for id in ids {
            self.store.shred(&PersonRef::item(ws, id))?;
        }
        Ok(erased)
    }

    fn erase_one(
        &self,
        ws: &Id<Workspace>,
        id: &Id<Item>,
        come_back: ComeBack,
    ) -> anyhow::Result<bool> {
        let s = self.store;
        let Some(item) = self.get(ws, id)? else {
            return Ok(false);
        };
        let tz = self.zone_of(ws, &item.location)?;
        s.lookup_key()?;
        let stone = s.tombstone_key(ws, item.origin, &item.external_id)?;
        let listed = s.external_of(&item)?;
        let key = keys::pair(ws, id);
        let hints = super::blocks::Hints::new(&s.items, ws, [*id.as_bytes()])?;
        let trees = (
            &s.items,
            &s.item_ext,
            &s.item_loc,
            &s.rollups,
            &s.index_queue,
            &s.item_notes,
            &s.replies_due,
            &s.alert_pending,
            &s.item_tombstones,
            &s.person_keys,
        );
        trees
            .transaction(
                |(items, ext, locs, rollups, changes, notes, due, pending, stones, person_keys)| {
                    let Some(raw) = hints.remove_tx(items, ws, id)? else {
                        return Ok(false);
                    };
                    let mut d = Deltas::new(tz.clone());
                    if let Some(old) = Store::item_at_tx(person_keys, ws, id, &raw)? {
                        d.add(&old, -1);
                    }
                    d.log_gone(&item);
                    d.apply(s, rollups, changes, person_keys)?;
                    by_external::remove_tx(ext, &listed, id)?;
                    let rating = by_location::rating_of(&item);
                    by_location::remove_tx(locs, ws, &item.location, id, rating)?;
                    notes.remove(&key)?;
                    due.remove(&key)?;
                    pending.remove(&key)?;
                    if come_back == ComeBack::Never {
                        stones.insert(stone.as_slice(), &[])?;
                        stones.insert(stones_mark(ws), &[])?;
                    }
                    Ok(true)
                },
            )
            .map_err(typed::txn_any)
    }

    /// Items in `ws` by one author: by the name shown (case and spacing aside) or by the
    /// provider's id of the author or of the item. A scan of the workspace: this serves a
    /// data-subject request, not a page.
    pub fn by_author(
        &self,
        ws: &Id<Workspace>,
        name: Option<&str>,
        provider_id: Option<&str>,
    ) -> anyhow::Result<Vec<Item>> {
        let fold = super::restrict::fold_name;
        let name = name.map(fold).filter(|n| !n.is_empty());
        let provider_id = provider_id.map(str::trim).filter(|p| !p.is_empty());
        let mut out = Vec::new();
        let mut from = [0u8; 16];
        loop {
            let chunk = super::blocks::scan(
                &self.store.items,
                ws,
                &from,
                None,
                crate::store::Order::Ascending,
                1_000,
            )?;
            for (id, v) in &chunk {
                let Some(item) = self.store.item_at(ws, id, v)? else {
                    continue;
                };
                let by_name = name
                    .as_deref()
                    .is_some_and(|n| !item.author.anonymous && fold(&item.author.name) == n);
                let by_id = provider_id.is_some_and(|p| {
                    item.external_id == p || item.author.external_id.as_deref() == Some(p)
                });
                if by_name || by_id {
                    out.push(item);
                }
            }
            match chunk.last() {
                Some((last, _)) if chunk.len() == 1_000 => from = super::blocks::after(last),
                _ => return Ok(out),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::{google, review};
    use crate::store::items::{Ingested, Items};
    use time::macros::datetime;

    #[test]
    fn an_item_erased_for_good_stays_out_and_only_its_workspace_is_marked() {
        let dir = tempfile::tempdir().unwrap();
        let now = datetime!(2026-06-01 12:00 UTC);
        let (ws, other) = (Id::generate(now), Id::generate(now));
        let (loc, other_loc) = (Id::generate(now), Id::generate(now));
        let page = |ids: &[&str]| -> Vec<_> {
            ids.iter()
                .map(|id| review(id, 4, "fine", now - time::Duration::hours(1)))
                .collect()
        };
        let marked = |s: &Store, ws: &Id<Workspace>| {
            s.item_tombstones.get(stones_mark(ws)).unwrap().is_some()
        };
        let s = Store::open(dir.path(), 16, now).unwrap();
        s.items()
            .ingest(&google(ws, loc), &page(&["a", "b"]), now)
            .unwrap();
        let a = s
            .items()
            .by_external(&ws, Origin::Google, "f", "a", Items::EVER)
            .unwrap()
            .unwrap();
        assert!(!marked(&s, &ws), "no mark before an erasure");
        s.items().erase(&ws, &[a.id], ComeBack::Never).unwrap();
        assert!(marked(&s, &ws));

        let again = s
            .items()
            .ingest(&google(ws, loc), &page(&["a", "b", "c"]), now);
        assert_eq!(
            again.unwrap(),
            Ingested { new: 1, changed: 0 },
            "only c is new"
        );
        assert!(
            s.items()
                .by_external(&ws, Origin::Google, "f", "a", Items::EVER)
                .unwrap()
                .is_none()
        );
        let there = s
            .items()
            .ingest(&google(other, other_loc), &page(&["a"]), now);
        assert_eq!(there.unwrap().new, 1, "another workspace's own review");
        assert!(!marked(&s, &other));

        // A store from before the marks: its stones, no mark. The next open marks it.
        s.item_tombstones.remove(stones_mark(&ws)).unwrap();
        s.meta.remove(MARKED_KEY).unwrap();
        s.close().unwrap();
        let s = Store::open(dir.path(), 16, now).unwrap();
        assert!(marked(&s, &ws) && !marked(&s, &other));
        let later = s
            .items()
            .ingest(&google(ws, loc), &page(&["a"]), now)
            .unwrap();
        assert_eq!(later, Ingested::default(), "still kept out");
        assert!(
            s.items()
                .by_external(&ws, Origin::Google, "f", "a", Items::EVER)
                .unwrap()
                .is_none()
        );
    }
}
