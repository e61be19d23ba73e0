//! Seals what was written before sealing existed: a store from before crypto-shredding holds
//! contacts, feedback, items, search docs, notes and mail in plain JSON, which an erasure could
//! only remove, not shred. Housekeeping seals them a chunk at a time until none are left; the
//! walk resumes from its cursor in `meta` after a restart.
//!
//! Each record is swapped for its sealed form only if it is still the value that was read, so a
//! write racing the walk wins (and is sealed already: every write path seals). The plain copies
//! sled keeps in old log segments go as sled rewrites them; a fresh backup holds none.
use crate::store::kv;

use super::sealing::is_sealed;
use super::{PersonRef, Store, codec, keys};
use crate::domain::{Contact, Feedback, Item, OutboxMessage};
use anyhow::Context;

const CURSOR_KEY: &[u8] = b"reseal_cursor";
/// Set once the walk has stored every item sealed whole again with its placement apart
/// (`items::placement`), or for a store that never held one: until then a finished walk
/// goes over the items once more.
const PLACED_KEY: &[u8] = b"items_placed";
/// The index of `Kind::Items` in `KINDS`.
const ITEMS_AT: usize = 2;
/// The kinds of record, in the order they are walked; the cursor names one by its index.
const KINDS: [Kind; 6] = [
    Kind::Contacts,
    Kind::Feedback,
    Kind::Items,
    Kind::Retired,
    Kind::Notes,
    Kind::Outbox,
];
/// Records read in one scan of a tree (the scan ends before any of them is written).
const SCAN: usize = 500;

#[derive(Debug, Clone, Copy)]
enum Kind {
    Contacts,
    Feedback,
    Items,
    /// Search docs, which the search layout 2 no longer keeps (the slot keeps cursors of
    /// older stores pointing at the same kinds).
    Retired,
    Notes,
    Outbox,
}

/// What one call did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Resealed {
    pub sealed: usize,
    /// Items sealed whole by an older release, stored again with their placement apart.
    pub placed: usize,
    /// Nothing plain is left (later calls return at once).
    pub done: bool,
}

impl Store {
    fn tree_of(&self, kind: Kind) -> Option<&kv::Tree> {
        match kind {
            Kind::Contacts => Some(&self.contacts),
            Kind::Feedback => Some(&self.feedback),
            Kind::Items => Some(&self.items),
            Kind::Retired => None,
            Kind::Notes => Some(&self.item_notes),
            Kind::Outbox => Some(&self.outbox),
        }
    }

    /// The sealed form of the plain record `raw` stored under `key`.
    fn sealed_form(&self, kind: Kind, key: &[u8], raw: &[u8]) -> anyhow::Result<Vec<u8>> {
        let by_item_key = || match (keys::id_at(key, 0), keys::id_at(key, 16)) {
            (Some(ws), Some(item)) => Ok(PersonRef::item(&ws, &item)),
            _ => anyhow::bail!("a key of the wrong size"),
        };
        match kind {
            Kind::Contacts => {
                let c: Contact = codec::decode(raw)?;
                self.seal(&self.contact_ref(&c.workspace, &c.email)?, &c)
            }
            Kind::Feedback => {
                let f: Feedback = codec::decode(raw)?;
                self.seal(&self.feedback_ref(&f)?, &f)
            }
            Kind::Items => anyhow::bail!("items are sealed a block at a time"),
            // Kept as the JSON they hold: sealing does not need to know their shape.
            Kind::Retired | Kind::Notes => {
                let v: serde_json::Value = codec::decode(raw)?;
                self.seal(&by_item_key()?, &v)
            }
            Kind::Outbox => {
                let msg: OutboxMessage = codec::decode(raw)?;
                self.seal_message(&msg)
            }
        }
    }

    /// The block stored under `key` with its plain items sealed and its items sealed whole
    /// stored with their placement apart, and how many of each; None when it holds neither.
    fn sealed_block(
        &self,
        key: &[u8],
        raw: &[u8],
    ) -> anyhow::Result<Option<(Vec<u8>, usize, usize)>> {
        use super::items::{blocks, placement};
        let Some((ws, _)) = blocks::parts(key) else {
            return Ok(None); // a one-item key of an older layout: migrated at open, never here
        };
        let mut block = blocks::Block::decode(raw)?;
        let (mut sealed, mut placed) = (0, 0);
        for (id, value) in &mut block.entries {
            let id = crate::domain::Id::from_bytes(*id);
            match placement::split(value)? {
                (Some(_), _) => {}
                (None, whole) if is_sealed(whole) => {
                    // Its author's key shredded: noise, left as it is.
                    if let Some(item) = self.item_at(&ws, &id, whole)? {
                        *value = self.seal_item(&item)?;
                        placed += 1;
                    }
                }
                (None, plain) => {
                    let mut item: Item = codec::decode(plain)?;
                    (item.workspace, item.id) = (ws, id);
                    *value = self.seal_item(&item)?;
                    sealed += 1;
                }
            }
        }
        Ok((sealed + placed > 0).then(|| (block.encode(), sealed, placed)))
    }

    /// Seals up to `budget` plain records, from where the last call stopped.
    pub fn seal_plain_records(&self, budget: usize) -> anyhow::Result<Resealed> {
        let mut out = Resealed::default();
        let (mut kind, mut after) = match self.meta.get(CURSOR_KEY)? {
            Some(c) if !c.is_empty() => (usize::from(c[0]), Some(c[1..].to_vec())),
            _ => (0, None),
        };
        if self.meta.get(PLACED_KEY)?.is_none() {
            // Past the items (or done): back to them once, for those sealed whole.
            if kind > ITEMS_AT {
                (kind, after) = (ITEMS_AT, None);
            }
            self.meta.insert(PLACED_KEY, &[])?;
        }
        let mut read = 0;
        while kind < KINDS.len() && read < budget {
            let Some(tree) = self.tree_of(KINDS[kind]) else {
                kind += 1;
                after = None;
                continue;
            };
            // Read a chunk, then let the iterator go before writing (sled 0.34 can deadlock
            // with an iterator alive across other calls).
            let take = SCAN.min(budget - read);
            let chunk: Vec<(kv::IVec, kv::IVec)> = {
                let from = match &after {
                    Some(k) => std::ops::Bound::Excluded(k.clone()),
                    None => std::ops::Bound::Unbounded,
                };
                tree.range::<Vec<u8>, _>((from, std::ops::Bound::Unbounded))
                    .take(take)
                    .collect::<Result<_, _>>()?
            };
            read += chunk.len();
            for (key, raw) in &chunk {
                if matches!(KINDS[kind], Kind::Items) {
                    // Items sit in blocks (`items::blocks`): each plain one sealed alone.
                    match self.sealed_block(key, raw) {
                        Ok(Some((block, sealed, placed))) => {
                            if tree.compare_and_swap(key, Some(raw), Some(block))?.is_ok() {
                                out.sealed += sealed;
                                out.placed += placed;
                            }
                        }
                        Ok(None) => {}
                        Err(e) => {
                            tracing::warn!(error = %format!("{e:#}"), "a block of plain items could not be sealed");
                        }
                    }
                    continue;
                }
                if is_sealed(raw) {
                    continue;
                }
                let sealed = match self.sealed_form(KINDS[kind], key, raw) {
                    Ok(sealed) => sealed,
                    // Unreadable as its kind: no read path can open it either. Left as it is
                    // rather than stopping the walk for ever.
                    Err(e) => {
                        tracing::warn!(kind = ?KINDS[kind], error = %format!("{e:#}"), "a plain record could not be sealed");
                        continue;
                    }
                };
                if tree.compare_and_swap(key, Some(raw), Some(sealed))?.is_ok() {
                    out.sealed += 1;
                }
            }
            match chunk.last() {
                Some((k, _)) if chunk.len() == take => after = Some(k.to_vec()),
                _ => {
                    kind += 1;
                    after = None;
                }
            }
            let cursor = [&[kind as u8][..], after.as_deref().unwrap_or_default()].concat();
            self.meta.insert(CURSOR_KEY, cursor)?;
        }
        out.done = kind >= KINDS.len();
        Ok(out)
    }
}

/// Marks a new store as having nothing plain: every record it will hold is sealed when written.
pub(super) fn nothing_to_seal(db: &kv::Db) -> anyhow::Result<()> {
    let meta = db.open_tree("meta")?;
    meta.insert(CURSOR_KEY, &[KINDS.len() as u8])
        .context("marking a new store sealed")?;
    meta.insert(PLACED_KEY, &[])
        .context("marking a new store sealed")?;
    Ok(())
}

#[cfg(test)]
mod placed_tests;
#[cfg(test)]
mod tests;
