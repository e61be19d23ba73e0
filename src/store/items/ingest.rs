//! Ingest: a page of fetched items written in one transaction with their provider-id and
//! location index entries, their authors' keys, rollups and index-queue entry (and alert
//! entries after a feed's first read). Re-ingesting a page changes nothing.
use crate::store::kv;

use super::blocks::Hints;
use super::rollups::{Deltas, Tx, abort};
use super::{Items, by_external, by_location, erase};
use crate::domain::{Connection, Fetched, Id, Item, Location, Origin, Workspace};
use crate::store::{PersonRef, Store, keys, typed};
use kv::Transactional;
use kv::transaction::TransactionalTree;
use time::OffsetDateTime;

/// Where a page of fetched items goes.
pub struct Destination<'a> {
    pub workspace: Id<Workspace>,
    pub location: Id<Location>,
    pub origin: Origin,
    pub feed: &'a str,
    pub connection: Option<Id<Connection>>,
    /// New items raise alerts (not on a feed's first read: that is history, not news).
    pub alert: bool,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Ingested {
    pub new: usize,
    pub changed: usize,
}

impl Items<'_> {
    /// Writes one page of fetched items, their index entries and rollups in one transaction.
    /// Re-ingesting the same page changes nothing.
    pub fn ingest(
        &self,
        to: &Destination,
        batch: &[Fetched],
        now: OffsetDateTime,
    ) -> anyhow::Result<Ingested> {
        let s = self.store;
        let tz = self.zone_of(&to.workspace, &to.location)?;
        s.lookup_key()?; // cached before the transaction: tombstone and index keys need it
        let times = batch.iter().map(|f| Hints::lowest_at(f.created_at));
        let hints = Hints::new(&s.items, &to.workspace, times)?;
        // A first sync or an import raises no alerts: leave the alert queue out of the
        // transaction then (every tree in a sled transaction costs on every write).
        if to.alert {
            (
                &s.items,
                &s.item_ext,
                &s.item_loc,
                &s.rollups,
                &s.index_queue,
                &s.alert_pending,
                &s.person_keys,
                &s.item_tombstones,
            )
                .transaction(
                    |(items, ext, locs, rollups, changes, pending, keys, stones)| {
                        let mut d = Deltas::new(tz.clone());
                        let trees = [items, ext, locs, keys, stones];
                        let out =
                            write_page(s, to, batch, now, trees, &hints, &mut d, Some(pending))?;
                        d.apply(s, rollups, changes, keys)?;
                        Ok(out)
                    },
                )
                .map_err(typed::txn_any)
        } else {
            (
                &s.items,
                &s.item_ext,
                &s.item_loc,
                &s.rollups,
                &s.index_queue,
                &s.person_keys,
                &s.item_tombstones,
            )
                .transaction(|(items, ext, locs, rollups, changes, keys, stones)| {
                    let mut d = Deltas::new(tz.clone());
                    let trees = [items, ext, locs, keys, stones];
                    let out = write_page(s, to, batch, now, trees, &hints, &mut d, None)?;
                    d.apply(s, rollups, changes, keys)?;
                    Ok(out)
                })
                .map_err(typed::txn_any)
        }
    }
}

/// One page of an ingest, inside its transaction; rollup changes gathered in `deltas`.
#[allow(clippy::too_many_arguments)] // one transaction's trees and what it writes
fn write_page(
    s: &Store,
    to: &Destination,
    batch: &[Fetched],
    now: OffsetDateTime,
    [items, ext, locs, person_keys, stones]: [&TransactionalTree; 5],
    hints: &Hints,
    deltas: &mut Deltas,
    pending: Option<&TransactionalTree>,
) -> Tx<Ingested> {
    let ws = to.workspace;
    let mut out = Ingested::default();
    let mut listed = Vec::new();
    // Keys of the new items' authors, stored with them (in this transaction) a block at a time.
    let mut new_keys = Vec::new();
    // New items, stored with them a block at a time.
    let mut new_items = Vec::new();
    let mut ids_seen = std::collections::HashSet::new();
    let any_stones = stones.get(erase::stones_mark(&ws))?.is_some();
    let feed = s.feed_index(&ws, to.origin, to.feed).map_err(abort)?;
    let mut index = by_external::PageBlocks::default();
    for f in batch {
        let at = s
            .external(&feed, f.created_at, &f.external_id)
            .map_err(abort)?;
        if !ids_seen.insert(f.external_id.as_str()) {
            // The same id twice in a page: the first copy's key must be readable now.
            crate::store::person_keys::put_many_tx(person_keys, &new_keys)?;
            new_keys.clear();
            hints.put_many_tx(items, &ws, std::mem::take(&mut new_items))?;
        }
        match stored(
            items,
            hints,
            person_keys,
            &ws,
            &index.candidates(ext, &at)?,
            &f.external_id,
        )? {
            Some(Stored::Unreadable) => continue, // its author was erased
            Some(Stored::Item(mut item)) => {
                let before = item.clone();
                if item.merge(f) {
                    deltas.add(&before, -1);
                    deltas.add(&item, 1);
                    hints.put_tx(
                        items,
                        &ws,
                        &item.id,
                        &Store::seal_item_tx(person_keys, &item)?,
                    )?;
                    let ratings = (
                        by_location::rating_of(&before),
                        by_location::rating_of(&item),
                    );
                    by_location::rerate_tx(locs, &ws, &item.location, &item.id, ratings)?;
                    out.changed += 1;
                }
            }
            None => {
                // Erased for its author: never brought back (the lookup key is cached).
                if any_stones {
                    let stone = s
                        .tombstone_key(&ws, to.origin, &f.external_id)
                        .map_err(abort)?;
                    if stones.get(stone)?.is_some() {
                        continue;
                    }
                }
                let item =
                    Item::first_seen(f, ws, to.location, to.origin, to.feed, to.connection, now);
                let who = PersonRef::item(&ws, &item.id);
                let (sealed, key) = Store::seal_new_item(&item).map_err(abort)?;
                new_items.push((item.id, sealed));
                new_keys.push((who.as_bytes().to_vec(), key));
                index.add(ext, &at, &item.id)?;
                listed.push((item.id, by_location::rating_of(&item)));
                deltas.add(&item, 1);
                if let Some(pending) = pending {
                    pending.insert(&keys::pair(&ws, &item.id), &[])?;
                }
                out.new += 1;
            }
        }
    }
    index.write(ext)?;
    hints.put_many_tx(items, &ws, new_items)?;
    by_location::add_tx(locs, &ws, &to.location, &listed)?;
    crate::store::person_keys::put_many_tx(person_keys, &new_keys)?;
    Ok(out)
}

/// What the store holds for a provider's id.
enum Stored {
    Item(Box<Item>),
    /// Listed, but its key was shredded: which item it is cannot be told any more.
    Unreadable,
}

/// The stored item with the provider's id `external` among `candidates` (those listed under
/// its hash), inside an ingest.
fn stored(
    items: &TransactionalTree,
    hints: &Hints,
    person_keys: &TransactionalTree,
    ws: &Id<Workspace>,
    candidates: &[Id<Item>],
    external: &str,
) -> Tx<Option<Stored>> {
    let mut unreadable = false;
    for id in candidates {
        let Some(raw) = hints.get_tx(items, ws, id)? else {
            continue;
        };
        match Store::item_at_tx(person_keys, ws, id, &raw)? {
            Some(item) if item.external_id == external => {
                return Ok(Some(Stored::Item(Box::new(item))));
            }
            Some(_) => {} // another id with the same hash
            None => unreadable = true,
        }
    }
    // An unreadable one may be this id: better skipped than an erased review brought back.
    Ok(unreadable.then_some(Stored::Unreadable))
}
