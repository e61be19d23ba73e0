//! Erasing items for their author (a data-subject request): the item, its indexes, notes and
//! pending alerts go in one transaction with its rollups; a tombstone by (origin, keyed hash
//! of the provider's id) keeps a later sync or import from bringing it back; then the key that
//! sealed it is destroyed, once the search index has taken it out.

use super::rollups::Deltas;
use super::{Items, by_external, by_location};
use crate::domain::{Id, Item, Origin, Workspace};
use crate::store::{PersonRef, Store, keys, typed};
use anyhow::Context;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sled::Transactional;

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
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.lookup_key()?).context("tombstone")?;
        mac.update(b"tombstone\0");
        mac.update(external.as_bytes());
        let hash = mac.finalize().into_bytes();
        Ok([ws.as_bytes().as_slice(), &[origin.tag()], &hash[..16]].concat())
    }
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
        let listed = s.external(ws, item.origin, &item.external_id)?;
        let key = keys::pair(ws, id);
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
                    let Some(raw) = items.get(key)? else {
                        return Ok(false);
                    };
                    let mut d = Deltas::new(tz.clone());
                    if let Some(old) = Store::item_at_tx(person_keys, &key, &raw)? {
                        d.add(&old, -1);
                    }
                    d.log_gone(&item);
                    d.apply(s, rollups, changes, person_keys)?;
                    items.remove(&key)?;
                    by_external::remove_tx(ext, &listed, id)?;
                    let rating = by_location::rating_of(&item);
                    by_location::remove_tx(locs, ws, &item.location, id, rating)?;
                    notes.remove(&key)?;
                    due.remove(&key)?;
                    pending.remove(&key)?;
                    if come_back == ComeBack::Never {
                        stones.insert(stone.as_slice(), &[])?;
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
        let mut req = crate::store::PageRequest::first(1_000);
        loop {
            let raw = crate::store::page::scan(
                &self.store.items,
                ws.as_bytes(),
                &req,
                crate::store::Order::Ascending,
            )?;
            for (k, v) in &raw.items {
                let Some(item) = self.store.item_at(k, v)? else {
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
            match raw.next {
                Some(n) => req.cursor = Some(n),
                None => return Ok(out),
            }
        }
    }
}
