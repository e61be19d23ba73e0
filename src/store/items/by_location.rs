//! Per-location lists: `item_loc` (workspace, location, bucket) → the stamps (first eight
//! bytes of the ids, see `search::postings`) of the location's items created in that bucket,
//! about 25 days long, as one posting block. One sled entry per location and 25 days instead
//! of one per item: sled spends about a hundred bytes of disk and a page-table share of memory
//! on every entry. The bucket follows from the id, so the transactions that add and erase
//! items read and write it by its exact key (sled transactions have no range reads).
//!
//! A block is a multiset: two items of a location sharing a stamp are in it twice, so taking
//! one out leaves the other; the ids under a stamp are found by a range read of the items, and
//! those of other locations skipped. Each stamp carries its item's rating (a byte: stars, or 0
//! for none), so a list filtered by stars skips other ratings without opening their items:
//! `'R' | count (u32 BE) | ratings | stamps as a posting block`.
use crate::store::kv;

use crate::domain::{Id, Item, Location, Workspace};
use crate::store::Store;
use crate::store::search::postings::{self, Stamp, stamp_of};
use anyhow::Context;
use kv::transaction::{ConflictableTransactionError, TransactionalTree};

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

/// A stamp and its item's rating: stars 1–5, 0 for none, `ANY` when not known (a block of an
/// older layout).
pub(super) type Entry = (Stamp, u8);
const ANY: u8 = 0xff;
const RATED: u8 = b'R';

/// The byte an item's rating is listed as.
pub(super) fn rating_of(item: &Item) -> u8 {
    item.rating.map_or(0, |r| r.stars())
}

fn encode(entries: &[Entry]) -> Vec<u8> {
    let stamps: Vec<Stamp> = entries.iter().map(|e| e.0).collect();
    let count = u32::try_from(entries.len()).unwrap_or(u32::MAX);
    let mut out = Vec::with_capacity(5 + entries.len() * 4);
    out.push(RATED);
    out.extend_from_slice(&count.to_be_bytes());
    out.extend(entries.iter().map(|e| e.1));
    out.extend_from_slice(&postings::encode(&stamps));
    out
}

fn decode(raw: &[u8]) -> anyhow::Result<Vec<Entry>> {
    let Some((&RATED, rest)) = raw.split_first() else {
        return Ok(postings::decode(raw)?
            .into_iter()
            .map(|s| (s, ANY))
            .collect());
    };
    let (count, rest) = rest
        .split_at_checked(4)
        .context("a location block cut short")?;
    let count = u32::from_be_bytes(count.try_into()?) as usize;
    let (ratings, rest) = rest
        .split_at_checked(count)
        .context("a location block cut short")?;
    let stamps = postings::decode(rest)?;
    if stamps.len() != count {
        anyhow::bail!("a location block whose ratings and stamps differ in number");
    }
    Ok(stamps.into_iter().zip(ratings.iter().copied()).collect())
}

fn decode_tx(raw: Option<kv::IVec>) -> Tx<Vec<Entry>> {
    match raw {
        Some(v) => decode(&v).map_err(ConflictableTransactionError::Abort),
        None => Ok(Vec::new()),
    }
}

/// Lists `items` (id, rating) under their location, inside the transaction that stores them:
/// each block is read and written once per call (a page of 50 mostly falls in one block of
/// thousands).
pub(super) fn add_tx(
    locs: &TransactionalTree,
    ws: &Id<Workspace>,
    loc: &Id<Location>,
    items: &[(Id<Item>, u8)],
) -> Tx<()> {
    let mut fresh: Vec<Entry> = items
        .iter()
        .map(|(id, r)| (stamp_of(id.as_bytes()), *r))
        .collect();
    fresh.sort_unstable();
    for group in fresh.chunk_by(|a, b| a.0 >> BUCKET_SHIFT == b.0 >> BUCKET_SHIFT) {
        let key = bucket_key(ws, loc, group[0].0);
        let mut entries = decode_tx(locs.get(&key)?)?;
        entries.extend_from_slice(group);
        entries.sort_unstable();
        locs.insert(key, encode(&entries))?;
    }
    Ok(())
}

/// The place of one occurrence of `id`'s stamp, the one rated `rating` if there is one.
fn occurrence(entries: &[Entry], stamp: Stamp, rating: u8) -> Option<usize> {
    let lo = entries.partition_point(|e| e.0 < stamp);
    let hi = lo + entries[lo..].partition_point(|e| e.0 == stamp);
    (lo < hi).then(|| (lo..hi).find(|i| entries[*i].1 == rating).unwrap_or(lo))
}

/// Takes `id` (rated `rating`) out of its location's list (one occurrence of its stamp),
/// inside the transaction that erases the item.
pub(super) fn remove_tx(
    locs: &TransactionalTree,
    ws: &Id<Workspace>,
    loc: &Id<Location>,
    id: &Id<Item>,
    rating: u8,
) -> Tx<()> {
    let stamp = stamp_of(id.as_bytes());
    let key = bucket_key(ws, loc, stamp);
    let mut entries = decode_tx(locs.get(&key)?)?;
    if let Some(at) = occurrence(&entries, stamp, rating) {
        entries.remove(at);
    }
    if entries.is_empty() {
        locs.remove(key)?;
    } else {
        locs.insert(key, encode(&entries))?;
    }
    Ok(())
}

/// Lists `id` with its new rating, inside the transaction that changes the item (a review
/// edited at the provider from one rating to another).
pub(super) fn rerate_tx(
    locs: &TransactionalTree,
    ws: &Id<Workspace>,
    loc: &Id<Location>,
    id: &Id<Item>,
    (was, now): (u8, u8),
) -> Tx<()> {
    if was == now {
        return Ok(());
    }
    let stamp = stamp_of(id.as_bytes());
    let key = bucket_key(ws, loc, stamp);
    let mut entries = decode_tx(locs.get(&key)?)?;
    if let Some(at) = occurrence(&entries, stamp, was) {
        entries[at].1 = now;
        entries.sort_unstable();
        locs.insert(key, encode(&entries))?;
    }
    Ok(())
}

/// An item as a rebuild lists it: workspace, location, id, rating.
pub(super) type Listed = (Id<Workspace>, Id<Location>, Id<Item>, u8);

/// Adds items to the lists outside a transaction (a rebuild, which nothing races).
pub(super) fn add_all(store: &Store, items: &[Listed]) -> anyhow::Result<()> {
    let mut blocks: std::collections::BTreeMap<Vec<u8>, Vec<Entry>> = Default::default();
    for (ws, loc, id, rating) in items {
        let stamp = stamp_of(id.as_bytes());
        blocks
            .entry(bucket_key(ws, loc, stamp))
            .or_default()
            .push((stamp, *rating));
    }
    let mut batch = kv::Batch::default();
    for (key, mut add) in blocks {
        let mut entries = match store
            .item_loc
            .get(&key)
            .context("reading a location list")?
        {
            Some(v) => decode(&v)?,
            None => Vec::new(),
        };
        entries.append(&mut add);
        entries.sort_unstable();
        batch.insert(key, encode(&entries));
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
        self.ids_between(ws, stamp, stamp.saturating_add(1), before)
    }

    /// `ids_between` for each of many `(from, to)`, their blocks found in one read for all.
    pub(in crate::store) fn ids_in_ranges(
        &self,
        ws: &Id<Workspace>,
        ranges: &[(Stamp, Stamp)],
        before: Option<&[u8; 16]>,
    ) -> anyhow::Result<Vec<Vec<Id<Item>>>> {
        let found = super::blocks::under_stamp_ranges(&self.items, ws, ranges, before)?;
        Ok(found
            .into_iter()
            .map(|r| r.into_iter().map(|(id, _)| id).collect())
            .collect())
    }

    /// The items of `ws` whose ids start with a stamp from `from` up to `to` (not included)
    /// and sort below `before`, newest first.
    pub(in crate::store) fn ids_between(
        &self,
        ws: &Id<Workspace>,
        from: Stamp,
        to: Stamp,
        before: Option<&[u8; 16]>,
    ) -> anyhow::Result<Vec<Id<Item>>> {
        let at = |stamp: Stamp| {
            let mut id = [0u8; 16];
            id[..8].copy_from_slice(&stamp.to_be_bytes());
            id
        };
        let (lo, hi) = (at(from), at(to));
        let hi = match before {
            Some(b) if *b < hi => *b,
            _ => hi,
        };
        let newest_first = crate::store::Order::Descending;
        super::blocks::ids(&self.items, ws, &lo, Some(&hi), newest_first, usize::MAX)
    }
}

/// Walks one location's list from the newest item down, a block at a time (no iterator stays
/// alive between calls).
pub(super) struct Newest {
    prefix: Vec<u8>,
    /// Exclusive upper bound of the blocks still to read.
    upper: Vec<u8>,
    /// Entries of the block last read, not yet handed out, highest last.
    stamps: Vec<Entry>,
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

    /// The next lower stamp (each once) with the ratings listed under it (a bit per rating,
    /// see `has_rating`), or None at the list's end.
    pub(super) fn next(&mut self, store: &Store) -> anyhow::Result<Option<(Stamp, u16)>> {
        loop {
            if let Some((s, r)) = self.stamps.pop() {
                let mut ratings = bit(r);
                while let Some(&(t, r)) = self.stamps.last()
                    && t == s
                {
                    ratings |= bit(r);
                    self.stamps.pop();
                }
                return Ok(Some((s, ratings)));
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
            self.stamps = decode(&v)?;
        }
    }
}

fn bit(rating: u8) -> u16 {
    if rating == ANY {
        0xffff
    } else {
        1 << rating.min(15)
    }
}

/// Whether ratings from `Newest::next` may hold an item rated `rating` (stars, 0 for none).
pub(super) fn has_rating(ratings: u16, rating: u8) -> bool {
    ratings & bit(rating) != 0
}
