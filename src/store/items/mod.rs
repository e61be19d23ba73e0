//! Reviews, comments and mentions. Trees: `items` (workspace, item) with item ids sorting by
//! the provider's creation time, so a reverse scan is newest first; `item_ext` (workspace,
//! origin, bucket) → blocks of keyed hashes of provider ids and item ids, for idempotent
//! ingest (`by_external`); `item_loc` (workspace, location, 25-day bucket) → a block of
//! stamps with their items' ratings, for per-location lists (`by_location`); `rollups` (see
//! `rollups`), kept in the same transaction as the items; `index_queue`, what the search
//! indexer has to bring up to date (see `search`); `replies_due` (workspace, item) → next
//! attempt (ms). Removed items are listed by when among the rollups (`gone`).
use crate::store::kv;

pub(in crate::store) mod blocks;
mod by_external;
#[cfg(test)]
mod by_external_tests;
mod by_location;
mod erase;
mod external_form;
mod gone;
mod ingest;
mod list;
mod many;
mod notes;
pub(in crate::store) mod placement;
mod rebuild;
mod replies;
mod restrict;
mod rollup_deltas;
mod rollup_reads;
mod rollups;
#[cfg(test)]
mod soak_tests;
#[cfg(test)]
mod upgrade_tests;

pub use erase::ComeBack;
pub use ingest::{Destination, Ingested};
use kv::transaction::TransactionalTree;
pub use list::ItemFilter;
pub use rebuild::mark_restored;
#[cfg(test)]
pub(in crate::store) use rebuild::{ROLLUPS_KEY, SEARCH_KEY};
pub use rollups::{ALL, DayCounts, RESPONSE_BOUNDS_MIN};
use rollups::{Deltas, Tx};

use super::{PersonRef, Store, typed};
use crate::domain::{Id, Item, ItemStatus, Location, Origin, Workspace};
use anyhow::Context;
use kv::Transactional;
use time::OffsetDateTime;

pub struct Items<'a> {
    pub(super) store: &'a Store,
}

/// The item read from its sealed part, its ids taken from its key and its placement from
/// its block (the value leaves them out).
fn keyed(
    item: Option<Item>,
    ws: Id<Workspace>,
    id: Id<Item>,
    place: Option<&[u8]>,
) -> anyhow::Result<Option<Item>> {
    let Some(mut i) = item else {
        return Ok(None);
    };
    i.workspace = ws;
    i.id = id;
    placement::restore(&mut i, place)?;
    Ok(Some(i))
}

impl Store {
    /// An item sealed with its author's key (see `sealing`), inside a transaction that holds
    /// `person_keys`. The value names neither the key nor the item: its own key does.
    pub(super) fn seal_item_tx(keys: &TransactionalTree, item: &Item) -> Tx<Vec<u8>> {
        let (place, stored) = placement::stored(item);
        let sealed =
            Self::seal_implicit_tx(keys, &PersonRef::item(&item.workspace, &item.id), &stored)?;
        Ok(placement::join(&place, &sealed))
    }

    /// `seal_item_tx` outside a transaction.
    pub(super) fn seal_item(&self, item: &Item) -> anyhow::Result<Vec<u8>> {
        let (place, stored) = placement::stored(item);
        let sealed = self.seal_implicit(&PersonRef::item(&item.workspace, &item.id), &stored)?;
        Ok(placement::join(&place, &sealed))
    }

    /// The bytes a new item is stored as: its stored form, sealed with a fresh key (the key is
    /// not kept). For benchmarks, whose reference writes these same bytes without the store.
    pub fn stored_item_bytes(item: &Item) -> anyhow::Result<Vec<u8>> {
        Ok(Self::seal_new_item(item)?.0)
    }

    /// An item sealed whole, its placement inside, as releases before `placement` stored it.
    #[cfg(test)]
    pub(in crate::store) fn seal_item_whole(&self, item: &Item) -> Vec<u8> {
        let stored = external_form::stored(item);
        self.seal_implicit(&PersonRef::item(&item.workspace, &item.id), &*stored)
            .expect("seals")
    }

    /// The stored value of a new item, sealed with a fresh key for its author, and the key
    /// (to be stored in the same transaction).
    pub(super) fn seal_new_item(item: &Item) -> anyhow::Result<(Vec<u8>, [u8; 32])> {
        let who = PersonRef::item(&item.workspace, &item.id);
        let (place, stored) = placement::stored(item);
        let (sealed, key) = Self::seal_implicit_new(&who, &stored)?;
        Ok((placement::join(&place, &sealed), key))
    }

    /// Item `id` of `ws` stored as `raw`; None once its author's key is shredded.
    pub(super) fn item_at(
        &self,
        ws: &Id<Workspace>,
        id: &Id<Item>,
        raw: &[u8],
    ) -> anyhow::Result<Option<Item>> {
        let (place, sealed) = placement::split(raw)?;
        keyed(
            self.unseal_as(&PersonRef::item(ws, id), sealed)?,
            *ws,
            *id,
            place,
        )
    }

    /// `item_at` for many stored items, their keys read together (`unseal_many_as`).
    pub(super) fn items_at(
        &self,
        ws: &Id<Workspace>,
        stored: &[(Id<Item>, Vec<u8>)],
    ) -> anyhow::Result<Vec<Option<Item>>> {
        let mut places = Vec::with_capacity(stored.len());
        let mut records = Vec::with_capacity(stored.len());
        for (id, raw) in stored {
            let (place, sealed) = placement::split(raw)?;
            places.push(place);
            records.push((PersonRef::item(ws, id), sealed));
        }
        let opened = self.unseal_many_as(&records)?;
        stored
            .iter()
            .zip(places)
            .zip(opened)
            .map(|(((id, _), place), item)| keyed(item, *ws, *id, place))
            .collect()
    }

    /// `item_at` inside a transaction that includes `person_keys` as `keys`.
    pub(super) fn item_at_tx(
        keys: &TransactionalTree,
        ws: &Id<Workspace>,
        id: &Id<Item>,
        raw: &[u8],
    ) -> Tx<Option<Item>> {
        let (place, sealed) = placement::split(raw).map_err(rollups::abort)?;
        keyed(
            Self::unseal_as_tx(keys, &PersonRef::item(ws, id), sealed)?,
            *ws,
            *id,
            place,
        )
        .map_err(rollups::abort)
    }
}

impl Items<'_> {
    /// The time zone days of a location are counted in.
    fn zone_of(
        &self,
        ws: &Id<Workspace>,
        loc: &Id<Location>,
    ) -> anyhow::Result<jiff::tz::TimeZone> {
        Ok(self
            .store
            .locations()
            .get(ws, loc)?
            .map_or(jiff::tz::TimeZone::UTC, |l| l.zone()))
    }

    pub fn get(&self, ws: &Id<Workspace>, id: &Id<Item>) -> anyhow::Result<Option<Item>> {
        match blocks::get(&self.store.items, ws, id).context("reading an item")? {
            Some(raw) => self.store.item_at(ws, id, &raw),
            None => Ok(None),
        }
    }

    /// Every creation time, for `by_external` when it is not known (reads every block of the
    /// feed: for tests and rare lookups).
    pub const EVER: (OffsetDateTime, OffsetDateTime) = (
        OffsetDateTime::UNIX_EPOCH,
        time::macros::datetime!(9999-12-31 0:00 UTC),
    );

    /// The item of `feed` with the provider's id `external`, created between the two times
    /// (the same time twice when it is known).
    pub fn by_external(
        &self,
        ws: &Id<Workspace>,
        origin: Origin,
        feed: &str,
        external: &str,
        created: (OffsetDateTime, OffsetDateTime),
    ) -> anyhow::Result<Option<Item>> {
        let index = self.store.feed_index(ws, origin, feed)?;
        for id in by_external::candidates_between(self.store, &index, external, created)? {
            if let Some(item) = self.get(ws, &id)?
                && item.external_id == external
            {
                return Ok(Some(item));
            }
        }
        Ok(None)
    }

    /// Replaces a stored item (reply state changes), keeping its rollups right.
    pub fn replace(&self, item: &Item) -> anyhow::Result<()> {
        let s = self.store;
        let tz = self.zone_of(&item.workspace, &item.location)?;
        s.lookup_key()?;
        let hints = blocks::Hints::new(&s.items, &item.workspace, [*item.id.as_bytes()])?;
        (
            &s.items,
            &s.rollups,
            &s.index_queue,
            &s.person_keys,
            &s.item_loc,
        )
            .transaction(|(items, rollups, changes, person_keys, locs)| {
                let trees = [items, rollups, changes, person_keys, locs];
                rewrite_tx(s, trees, &tz, &hints, item)
            })
            .map_err(typed::txn_any)
    }

    /// Up to `max` items gone from their provider before `cutoff`, in any workspace (`gone`).
    pub fn removed_before(
        &self,
        cutoff: OffsetDateTime,
        max: usize,
    ) -> anyhow::Result<Vec<(Id<Workspace>, Id<Item>)>> {
        gone::before(self.store, cutoff, max)
    }

    /// Items of the feed `to` of these `kinds` that `seen` does not hold, and are not removed
    /// yet, are marked removed at `now`: what a complete full sync calls at its end. Returns
    /// how many.
    pub fn mark_missing_removed(
        &self,
        to: &Destination,
        kinds: &[crate::domain::Kind],
        seen: &std::collections::HashSet<String>,
        now: OffsetDateTime,
    ) -> anyhow::Result<usize> {
        let (ws, loc, origin, feed) = (&to.workspace, &to.location, to.origin, to.feed);
        let mut walk = by_location::Newest::new(ws, loc, None);
        let mut gone = Vec::new();
        while let Some((stamp, _)) = walk.next(self.store)? {
            for id in self.store.ids_under(ws, stamp, None)? {
                if let Some(item) = self.get(ws, &id)?
                    && item.location == *loc
                    && item.origin == origin
                    && item.feed == feed
                    && kinds.contains(&item.kind)
                    && item.status != ItemStatus::Removed
                    && !seen.contains(&item.external_id)
                {
                    gone.push(item);
                }
            }
        }
        for mut item in gone.iter().cloned() {
            item.status = ItemStatus::Removed;
            item.removed_at = Some(now);
            self.replace(&item)?;
        }
        Ok(gone.len())
    }
}

/// Stores `item` over its stored version inside a transaction, keeping its rollups, index
/// queue entry and location rating right (trees: items, rollups, index_queue, person_keys,
/// item_loc).
pub(super) fn rewrite_tx(
    s: &Store,
    [items, rollups, changes, person_keys, locs]: [&TransactionalTree; 5],
    tz: &jiff::tz::TimeZone,
    hints: &blocks::Hints,
    item: &Item,
) -> Tx<()> {
    let (ws, id) = (&item.workspace, &item.id);
    let mut deltas = Deltas::new(tz.clone());
    if let Some(raw) = hints.get_tx(items, ws, id)?
        && let Some(old) = Store::item_at_tx(person_keys, ws, id, &raw)?
    {
        deltas.add(&old, -1);
        let ratings = (by_location::rating_of(&old), by_location::rating_of(item));
        by_location::rerate_tx(locs, &item.workspace, &item.location, &item.id, ratings)?;
    }
    deltas.add(item, 1);
    deltas.apply(s, rollups, changes, person_keys)?;
    hints.put_tx(items, ws, id, &Store::seal_item_tx(person_keys, item)?)?;
    Ok(())
}
