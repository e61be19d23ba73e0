//! Per-location lists: `item_loc` (workspace, location, bucket) → the stamps (first eight
//! bytes of the ids, see `search::postings`) of the location's items created in that bucket,
//! about 25 days long, as one posting block. One sled entry per location and 25 days instead
//! of one per item: sled spends about a hundred bytes of disk and a page-table share of memory
//! on every entry. The bucket follows from the id, so the transactions that add and erase
//! items read and write it by its exact key (sled transactions have no range reads).
//!
//! A block is a multiset: two items of a location sharing a stamp are in it twice, so taking
//! one out leaves the other; the ids under a stamp are found by a range read of the items, and
//! those of other locations skipped.

use crate::domain::{Id, Item, Location, Workspace};
use crate::store::search::postings::{self, Stamp, stamp_of};
use crate::store::{Store, keys};
use anyhow::Context;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

/// Stamps are milliseconds shifted left by 16; a bucket is 2^31 ms (24.9 days).
const BUCKET_SHIFT: u32 = 16 + 31;

type Tx<T> = Result<T, ConflictableTransactionError<anyhow::Error>>;

fn prefix(ws: &Id<Workspace>, loc: &Id<Location>) -> Vec<u8> {
    [ws.as_bytes().as_slice(), loc.as_bytes()].concat()
}

fn bucket_key(ws: &Id<Workspace>, loc: &Id<Location>, stamp: Stamp) -> Vec<u8> {
    [
        ws.as_bytes().as_slice(),
        loc.as_bytes(),
        &(stamp >> BUCKET_SHIFT).to_be_bytes(),
    ]
    .concat()
}

fn decode_tx(raw: Option<sled::IVec>) -> Tx<Vec<Stamp>> {
    match raw {
        Some(v) => postings::decode(&v).map_err(ConflictableTransactionError::Abort),
        None => Ok(Vec::new()),
    }
}

/// Lists `ids` under their location, inside the transaction that stores the items: each block
/// is read and written once per call (a page of 50 mostly falls in one block of thousands).
pub(super) fn add_tx(
    locs: &TransactionalTree,
    ws: &Id<Workspace>,
    loc: &Id<Location>,
    ids: &[Id<Item>],
) -> Tx<()> {
    let mut fresh: Vec<Stamp> = ids.iter().map(|id| stamp_of(id.as_bytes())).collect();
    fresh.sort_unstable();
    for group in fresh.chunk_by(|a, b| a >> BUCKET_SHIFT == b >> BUCKET_SHIFT) {
        let key = bucket_key(ws, loc, group[0]);
        let stamps = decode_tx(locs.get(&key)?)?;
        locs.insert(key, postings::encode(&merged(&stamps, group)))?;
    }
    Ok(())
}

/// Two sorted lists of stamps as one sorted list, duplicates kept.
fn merged(a: &[Stamp], b: &[Stamp]) -> Vec<Stamp> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] <= b[j] {
            out.push(a[i]);
            i += 1;
        } else {
            out.push(b[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// Takes `id` out of its location's list (one occurrence of its stamp), inside the
/// transaction that erases the item.
pub(super) fn remove_tx(
    locs: &TransactionalTree,
    ws: &Id<Workspace>,
    loc: &Id<Location>,
    id: &Id<Item>,
) -> Tx<()> {
    let stamp = stamp_of(id.as_bytes());
    let key = bucket_key(ws, loc, stamp);
    let mut stamps = decode_tx(locs.get(&key)?)?;
    if let Ok(at) = stamps.binary_search(&stamp) {
        stamps.remove(at);
    }
    if stamps.is_empty() {
        locs.remove(key)?;
    } else {
        locs.insert(key, postings::encode(&stamps))?;
    }
    Ok(())
}

/// Adds items to the lists outside a transaction (a rebuild, which nothing races).
pub(super) fn add_all(
    store: &Store,
    items: &[(Id<Workspace>, Id<Location>, Id<Item>)],
) -> anyhow::Result<()> {
    let mut blocks: std::collections::BTreeMap<Vec<u8>, Vec<Stamp>> = Default::default();
    for (ws, loc, id) in items {
        let stamp = stamp_of(id.as_bytes());
        blocks
            .entry(bucket_key(ws, loc, stamp))
            .or_default()
            .push(stamp);
    }
    let mut batch = sled::Batch::default();
    for (key, mut add) in blocks {
        let mut stamps = match store
            .item_loc
            .get(&key)
            .context("reading a location list")?
        {
            Some(v) => postings::decode(&v)?,
            None => Vec::new(),
        };
        stamps.append(&mut add);
        stamps.sort_unstable();
        batch.insert(key, postings::encode(&stamps));
    }
    store
        .item_loc
        .apply_batch(batch)
        .context("rebuilding the location lists")
}

impl Store {
    /// The items of `ws` whose ids start with `stamp` and sort below `before`, newest first.
    pub(in crate::store) fn ids_under(
        &self,
        ws: &Id<Workspace>,
        stamp: Stamp,
        before: Option<&[u8; 16]>,
    ) -> anyhow::Result<Vec<Id<Item>>> {
        let from = [ws.as_bytes().as_slice(), &stamp.to_be_bytes()].concat();
        let mut out = Vec::new();
        for k in self.items.scan_prefix(&from).keys() {
            let k = k.context("reading the items under a stamp")?;
            let id: Id<Item> = keys::id_at(&k, 16).context("a malformed item key")?;
            if before.is_none_or(|b| id.as_bytes() < b) {
                out.push(id);
            }
        }
        out.reverse();
        Ok(out)
    }
}

/// Walks one location's list from the newest item down, a block at a time (no iterator stays
/// alive between calls).
pub(super) struct Newest {
    prefix: Vec<u8>,
    /// Exclusive upper bound of the blocks still to read.
    upper: Vec<u8>,
    /// Stamps of the block last read, not yet handed out, highest last.
    stamps: Vec<Stamp>,
}

impl Newest {
    /// Starting with the items whose ids sort below `before` (an id), or the newest.
    pub(super) fn new(ws: &Id<Workspace>, loc: &Id<Location>, before: Option<&[u8; 16]>) -> Self {
        let prefix = prefix(ws, loc);
        let upper = match before {
            Some(b) => {
                let mut k = bucket_key(ws, loc, stamp_of(b));
                k.push(0); // the bucket of `before` itself included
                k
            }
            None => [prefix.as_slice(), &[0xff; 9]].concat(),
        };
        Self {
            prefix,
            upper,
            stamps: Vec::new(),
        }
    }

    /// Whether anything is left to walk.
    pub(super) fn has_more(&self, store: &Store) -> anyhow::Result<bool> {
        if !self.stamps.is_empty() {
            return Ok(true);
        }
        Ok(store
            .item_loc
            .range(self.prefix.clone()..self.upper.clone())
            .next_back()
            .transpose()
            .context("reading a location list")?
            .is_some())
    }

    /// The next lower stamp (each once), or None at the list's end.
    pub(super) fn next(&mut self, store: &Store) -> anyhow::Result<Option<Stamp>> {
        loop {
            if let Some(s) = self.stamps.pop() {
                while self.stamps.last() == Some(&s) {
                    self.stamps.pop();
                }
                return Ok(Some(s));
            }
            let found = store
                .item_loc
                .range(self.prefix.clone()..self.upper.clone())
                .next_back()
                .transpose()
                .context("reading a location list")?;
            let Some((k, v)) = found else {
                return Ok(None);
            };
            self.upper = k.to_vec();
            self.stamps = postings::decode(&v)?;
        }
    }
}
