//! The items by the provider's id, for idempotent ingest: `item_ext` (workspace, origin, feed
//! tag, bucket) → records `hash (8) | item id (16)` sorted, where the hash is keyed (the
//! instance's lookup key) over the provider's id. A provider's id (up to a few hundred
//! characters at Google) is not kept at all; two ids may share a hash, so a hit is checked
//! against the item's own provider id.
//!
//! Which block: for items from a provider, the feed (a keyed 4-byte tag of it) and the time the
//! provider says the item was created, in steps of 2^28 ms (≈ 3.1 days). Google and Facebook
//! never change an item's creation time or its feed (the location or page it belongs to), and
//! a page of a feed holds neighbours in time, so a page of 50 new reviews reads and writes one
//! to a few blocks instead of a block each: scattered by a hash, the index was two of the three
//! sled operations a new item cost (ingest 0.48 → 0.70 of a raw batch without them, measured).
//! Imported rows may come again with another date (a corrected file) under the same id, so
//! they are located by their hash alone, in 16-bit buckets, as every item was before.
use crate::store::kv;

use super::Tx;
use crate::domain::{Id, Item, Origin, Workspace};
use crate::store::{Store, records};
use anyhow::Context;
use hmac::{Hmac, Mac};
use kv::transaction::TransactionalTree;
use sha2::Sha256;
use std::collections::BTreeMap;
use time::OffsetDateTime;

const HASH: usize = 8;
const RECORD: usize = HASH + 16;
const HASH_BUCKET_BITS: u32 = 16;
const TIME_SHIFT: u32 = 28;

/// Where a provider's id is listed: its block and its hash.
pub(super) struct External {
    block: Vec<u8>,
    hash: [u8; HASH],
}

/// The milliseconds an item created at `t` is stamped with (as `Id::generate` does).
fn millis_of(t: OffsetDateTime) -> u64 {
    u64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(0) & ((1 << 48) - 1)
}

/// Where the items of one feed are listed: the start of their blocks' keys.
pub(super) struct Feed {
    prefix: Vec<u8>,
    by_time: bool,
}

impl Store {
    /// HMAC-SHA256 with the instance's lookup key over `what` then `value`.
    pub(super) fn keyed_hash(&self, what: &[u8], value: &str) -> anyhow::Result<[u8; 32]> {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.lookup_key()?).context("item index key")?;
        mac.update(what);
        mac.update(value.as_bytes());
        Ok(mac.finalize().into_bytes().into())
    }

    /// Where the items of `feed` of `origin` in `ws` are listed (the lookup key must be cached
    /// first when this runs inside a transaction: `Store::lookup_key`).
    pub(super) fn feed_index(
        &self,
        ws: &Id<Workspace>,
        origin: Origin,
        feed: &str,
    ) -> anyhow::Result<Feed> {
        let by_time = origin != Origin::Import;
        let tag = if by_time {
            self.keyed_hash(b"item_ext_feed\0", feed)?
        } else {
            [0; 32]
        };
        let prefix = [ws.as_bytes().as_slice(), &[origin.tag()], &tag[..4]].concat();
        Ok(Feed { prefix, by_time })
    }

    /// Where `external`, created at `created` (in milliseconds, see `millis_of`), is listed
    /// in `feed`.
    fn external_at(&self, feed: &Feed, millis: u64, external: &str) -> anyhow::Result<External> {
        let mut hash = [0u8; HASH];
        hash.copy_from_slice(&self.keyed_hash(b"item_ext\0", external)?[..HASH]);
        let bucket = if feed.by_time {
            (millis >> TIME_SHIFT) as u32
        } else {
            (u64::from_be_bytes(hash) >> (64 - HASH_BUCKET_BITS)) as u32
        };
        let block = [feed.prefix.as_slice(), &bucket.to_be_bytes()].concat();
        Ok(External { block, hash })
    }

    /// Where a fetched item is listed.
    pub(super) fn external(
        &self,
        feed: &Feed,
        created: OffsetDateTime,
        external: &str,
    ) -> anyhow::Result<External> {
        self.external_at(feed, millis_of(created), external)
    }

    /// Where a stored item is listed.
    pub(super) fn external_of(&self, item: &Item) -> anyhow::Result<External> {
        let feed = self.feed_index(&item.workspace, item.origin, &item.feed)?;
        // An id's window is its millisecond: the creation time when the item was first stored.
        let millis = crate::store::search::postings::window_of(item.id.as_bytes());
        self.external_at(&feed, millis, &item.external_id)
    }
}

/// The items listed under `at`'s hash in `block`.
fn listed(block: &[u8], at: &External) -> Vec<Id<Item>> {
    records::matching::<RECORD>(block, &at.hash)
        .iter()
        .filter_map(|r| crate::store::keys::id_at(r, HASH))
        .collect()
}

/// The record that lists `id` under `at`.
fn record(at: &External, id: &Id<Item>) -> [u8; RECORD] {
    let mut r = [0u8; RECORD];
    r[..HASH].copy_from_slice(&at.hash);
    r[HASH..].copy_from_slice(id.as_bytes());
    r
}

/// The items of `feed` that may be `external`, created between `from` and `to` (check each
/// one's provider id): what a lookup without the exact creation time reads.
pub(super) fn candidates_between(
    s: &Store,
    feed: &Feed,
    external: &str,
    (from, to): (OffsetDateTime, OffsetDateTime),
) -> anyhow::Result<Vec<Id<Item>>> {
    let at = s.external_at(feed, 0, external)?;
    if !feed.by_time {
        let block = s
            .item_ext
            .get(&at.block)
            .context("reading the item index")?;
        return Ok(block.map(|b| listed(&b, &at)).unwrap_or_default());
    }
    let key = |t| {
        let bucket = (millis_of(t) >> TIME_SHIFT) as u32;
        [feed.prefix.as_slice(), &bucket.to_be_bytes()].concat()
    };
    let mut out = Vec::new();
    for kv in s.item_ext.range(key(from)..=key(to.max(from))) {
        let (_, block) = kv.context("reading the item index")?;
        out.extend(listed(&block, &at));
    }
    Ok(out)
}

/// The blocks one ingest page reads, each read once and written once at its end.
#[derive(Default)]
pub(super) struct PageBlocks {
    blocks: BTreeMap<Vec<u8>, (Vec<u8>, bool)>,
}

impl PageBlocks {
    fn block(&mut self, tree: &TransactionalTree, at: &External) -> Tx<&mut (Vec<u8>, bool)> {
        Ok(match self.blocks.entry(at.block.clone()) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                let read = tree.get(&at.block)?.map(|v| v.to_vec()).unwrap_or_default();
                e.insert((read, false))
            }
        })
    }

    /// The items that may be `at` (check each one's provider id), this page's included.
    pub(super) fn candidates(
        &mut self,
        tree: &TransactionalTree,
        at: &External,
    ) -> Tx<Vec<Id<Item>>> {
        Ok(listed(&self.block(tree, at)?.0, at))
    }

    /// Lists `id` under `at` (written by `write`).
    pub(super) fn add(&mut self, tree: &TransactionalTree, at: &External, id: &Id<Item>) -> Tx<()> {
        let (block, changed) = self.block(tree, at)?;
        *block = records::put(block, &record(at, id), RECORD);
        *changed = true;
        Ok(())
    }

    /// Writes the blocks that changed.
    pub(super) fn write(self, tree: &TransactionalTree) -> Tx<()> {
        for (key, (block, changed)) in self.blocks {
            if changed {
                tree.insert(key, block)?;
            }
        }
        Ok(())
    }
}

/// Takes `id` out of `at`'s list.
pub(super) fn remove_tx(tree: &TransactionalTree, at: &External, id: &Id<Item>) -> Tx<()> {
    let Some(block) = tree.get(&at.block)? else {
        return Ok(());
    };
    match records::without::<RECORD>(&block, &record(at, id)) {
        Some(rest) if rest.is_empty() => drop(tree.remove(at.block.as_slice())?),
        Some(rest) => drop(tree.insert(at.block.as_slice(), rest)?),
        None => {}
    }
    Ok(())
}

/// Lists many items at once, outside any transaction: a rebuild, which runs before the store
/// serves anything.
pub(super) fn add_all(tree: &kv::Tree, listed: Vec<(External, Id<Item>)>) -> anyhow::Result<()> {
    let mut blocks: BTreeMap<Vec<u8>, Vec<(External, Id<Item>)>> = BTreeMap::new();
    for (at, id) in listed {
        blocks.entry(at.block.clone()).or_default().push((at, id));
    }
    let mut batch = kv::Batch::default();
    for (key, adds) in blocks {
        let mut block = tree
            .get(&key)
            .context("reading the item index")?
            .map(|v| v.to_vec())
            .unwrap_or_default();
        for (at, id) in &adds {
            block = records::put(&block, &record(at, id), RECORD);
        }
        batch.insert(key, block);
    }
    tree.apply_batch(batch).context("rebuilding the item index")
}
