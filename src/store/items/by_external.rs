//! The items by the provider's id, for idempotent ingest: `item_ext` (workspace, origin,
//! bucket) → records `hash (8) | item id (16)` sorted, where the hash is keyed (the instance's
//! lookup key) over the provider's id and the bucket is its first 16 bits. A block costs sled's
//! hundred bytes of overhead once for many items, where an entry per item cost it for each,
//! and a provider's id (up to a few hundred characters at Google) is not kept at all. With 14
//! bits a million reviews made blocks of ~1.5 KB, each rewritten whole for every new item:
//! 16 bits keep them near 400 bytes there (445 MiB less log written per million ingested).
//! Two ids may share a hash: a hit is checked against the item's own provider id.

use super::Tx;
use crate::domain::{Id, Item, Origin, Workspace};
use crate::store::{Store, records};
use anyhow::Context;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sled::transaction::TransactionalTree;
use std::collections::BTreeMap;

const HASH: usize = 8;
const RECORD: usize = HASH + 16;
const BUCKET_BITS: u32 = 16;

/// Where a provider's id is listed: its block and its hash.
pub(super) struct External {
    block: Vec<u8>,
    hash: [u8; HASH],
}

impl Store {
    /// Where `external` of `origin` in `ws` is listed (the lookup key must be cached first
    /// when this runs inside a transaction: `Store::lookup_key`).
    pub(super) fn external(
        &self,
        ws: &Id<Workspace>,
        origin: Origin,
        external: &str,
    ) -> anyhow::Result<External> {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.lookup_key()?).context("item index key")?;
        mac.update(b"item_ext\0");
        mac.update(external.as_bytes());
        let mut hash = [0u8; HASH];
        hash.copy_from_slice(&mac.finalize().into_bytes()[..HASH]);
        let bucket = (u64::from_be_bytes(hash) >> (64 - BUCKET_BITS)) as u16;
        let block = [
            ws.as_bytes().as_slice(),
            &[origin.tag()],
            &bucket.to_be_bytes(),
        ]
        .concat();
        Ok(External { block, hash })
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

/// The items that may be `at` (check each one's provider id).
pub(super) fn candidates(tree: &sled::Tree, at: &External) -> anyhow::Result<Vec<Id<Item>>> {
    let block = tree.get(&at.block).context("reading the item index")?;
    Ok(block.map(|b| listed(&b, at)).unwrap_or_default())
}

/// The block `at` is listed in, as read inside an ingest's transaction: its candidates are
/// checked, then a new item is added to it without reading it again.
pub(super) struct Block(Option<sled::IVec>);

/// Reads `at`'s block inside a transaction.
pub(super) fn block_tx(tree: &TransactionalTree, at: &External) -> Tx<Block> {
    Ok(Block(tree.get(&at.block)?))
}

impl Block {
    /// The items that may be `at` (check each one's provider id).
    pub(super) fn candidates(&self, at: &External) -> Vec<Id<Item>> {
        self.0.as_ref().map(|b| listed(b, at)).unwrap_or_default()
    }
}

/// Lists `id` under `at`, in `block` as read in this transaction.
pub(super) fn add_tx(
    tree: &TransactionalTree,
    at: &External,
    block: &Block,
    id: &Id<Item>,
) -> Tx<()> {
    let old = block.0.as_deref().unwrap_or_default();
    tree.insert(
        at.block.as_slice(),
        records::put(old, &record(at, id), RECORD),
    )?;
    Ok(())
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
pub(super) fn add_all(tree: &sled::Tree, listed: Vec<(External, Id<Item>)>) -> anyhow::Result<()> {
    let mut blocks: BTreeMap<Vec<u8>, Vec<(External, Id<Item>)>> = BTreeMap::new();
    for (at, id) in listed {
        blocks.entry(at.block.clone()).or_default().push((at, id));
    }
    let mut batch = sled::Batch::default();
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

#[cfg(test)]
mod tests {
    use super::*;

    use time::macros::datetime;

    #[test]
    fn a_provider_id_sharing_a_hash_with_another_is_stored_as_its_own_item() {
        let dir = tempfile::tempdir().unwrap();
        let now = datetime!(2026-06-01 12:00 UTC);
        let store = Store::open(dir.path(), 16, now).unwrap();
        let (ws, loc) = (Id::generate(now), Id::generate(now));
        let dest = crate::store::fixtures::google(ws, loc);
        let review = |id: &str, text: &str| crate::store::fixtures::review(id, 4, text, now);
        store
            .items()
            .ingest(&dest, &[review("A", "first")], now)
            .unwrap();
        let a = store
            .items()
            .by_external(&ws, Origin::Google, "A")
            .unwrap()
            .unwrap();
        // B's hash lists A, as two provider ids with the same hash would.
        let at_b = store.external(&ws, Origin::Google, "B").unwrap();
        store
            .item_ext
            .transaction(|t| add_tx(t, &at_b, &block_tx(t, &at_b)?, &a.id))
            .unwrap();

        let done = store
            .items()
            .ingest(&dest, &[review("B", "second")], now)
            .unwrap();
        assert_eq!((done.new, done.changed), (1, 0), "B is not taken for A");
        let b = store
            .items()
            .by_external(&ws, Origin::Google, "B")
            .unwrap()
            .unwrap();
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
            let got = store.items().by_external(&ws, Origin::Google, id).unwrap();
            assert_eq!(got.unwrap().text, text);
        }
    }
}
