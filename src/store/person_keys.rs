//! Where a person's key is kept in `person_keys`. Most people have an entry of their own
//! (reference → 32 bytes). An item's author — one per review, a million in a big store — shares
//! an entry with the other items of the same workspace and half hour (by the time stamp that
//! starts the item's id): `i | workspace | bucket` → records `item id (16) | key (32)` sorted by
//! id. sled spends about a hundred bytes on every entry whatever its size, more than the key
//! itself; a block costs that once for dozens of keys. Shredding one key rewrites its block
//! without it, as removing an entry of its own wrote a removal: sled's old log segments hold
//! the old version either way until they are cleaned (see `store::sealing`).
use crate::store::kv;

use super::records;
use kv::IVec;
use kv::transaction::{ConflictableTransactionResult, TransactionalTree};

const ID: usize = 16;
const KEY: usize = 32;
const RECORD: usize = ID + KEY;
/// A stamp is 48 bits of milliseconds then 16 random bits; 2^21 ms is about 35 minutes.
const BUCKET_SHIFT: u32 = 16 + 21;
/// An item author's reference: `i | workspace (16) | item id (16)`.
const ITEM_REFERENCE: usize = 1 + 16 + ID;
/// The key of a block: `i | workspace (16) | bucket (4)`, shorter than any reference.
const BLOCK_KEY: usize = 1 + 16 + 4;

type Tx<T> = ConflictableTransactionResult<T, anyhow::Error>;

/// Where the key of `reference` is: the entry to read, and the item id to find in it when
/// that entry is a block.
fn place(reference: &[u8]) -> (Vec<u8>, Option<&[u8]>) {
    if reference.len() != ITEM_REFERENCE || reference[0] != b'i' {
        return (reference.to_vec(), None);
    }
    let (ws, id) = reference[1..].split_at(16);
    let mut stamp = [0u8; 8];
    stamp.copy_from_slice(&id[..8]);
    // 64 − 37 bits: always fits in four bytes.
    let bucket = (u64::from_be_bytes(stamp) >> BUCKET_SHIFT) as u32;
    let mut block = Vec::with_capacity(BLOCK_KEY);
    block.push(b'i');
    block.extend_from_slice(ws);
    block.extend_from_slice(&bucket.to_be_bytes());
    (block, Some(id))
}

/// The key of `reference` in the value of its entry.
fn key_in(value: Option<IVec>, id: Option<&[u8]>) -> anyhow::Result<Option<[u8; 32]>> {
    let Some(value) = value else { return Ok(None) };
    let raw = match id {
        None => &value[..],
        Some(id) => {
            if value.len() % RECORD != 0 {
                anyhow::bail!("a block of person keys of the wrong size");
            }
            match records::matching::<RECORD>(&value, id).first() {
                Some(record) => &record[ID..],
                None => return Ok(None),
            }
        }
    };
    let key: [u8; KEY] = raw
        .try_into()
        .map_err(|_| anyhow::anyhow!("a person key of the wrong size"))?;
    Ok(Some(key))
}

/// The key of `reference`, if it has one.
pub(super) fn get(tree: &kv::Tree, reference: &[u8]) -> anyhow::Result<Option<[u8; 32]>> {
    let (entry, id) = place(reference);
    key_in(tree.get(entry)?, id)
}

/// The keys of `references`, in their order, every entry read once and all of them in one
/// read (a page of items: one round trip on a database server, not one per item).
pub(super) fn get_many(
    tree: &kv::Tree,
    references: &[&[u8]],
) -> anyhow::Result<Vec<Option<[u8; 32]>>> {
    let places: Vec<(Vec<u8>, Option<&[u8]>)> = references.iter().map(|r| place(r)).collect();
    let mut entries: Vec<&[u8]> = places.iter().map(|(e, _)| e.as_slice()).collect();
    entries.sort_unstable();
    entries.dedup();
    let values = tree.get_many(&entries)?;
    let found: std::collections::HashMap<&[u8], Option<IVec>> =
        entries.into_iter().zip(values).collect();
    places
        .iter()
        .map(|(entry, id)| key_in(found.get(entry.as_slice()).cloned().flatten(), *id))
        .collect()
}

/// `get` inside a transaction.
pub(super) fn get_tx(tree: &TransactionalTree, reference: &[u8]) -> Tx<Option<[u8; 32]>> {
    let (entry, id) = place(reference);
    key_in(tree.get(entry)?, id).map_err(kv::transaction::ConflictableTransactionError::Abort)
}

/// Stores `key` for `reference` (replacing one it had).
pub(super) fn put_tx(tree: &TransactionalTree, reference: &[u8], key: &[u8; 32]) -> Tx<()> {
    let (entry, id) = place(reference);
    let Some(id) = id else {
        tree.insert(entry, &key[..])?;
        return Ok(());
    };
    let mut record = [0u8; RECORD];
    record[..ID].copy_from_slice(id);
    record[ID..].copy_from_slice(key);
    let block = tree.get(&entry)?.unwrap_or_default();
    tree.insert(entry, records::put(&block, &record, ID))?;
    Ok(())
}

/// Stores the keys of many new item authors (`references` with their keys), each block read
/// and written once: a page of new items mostly shares one or two blocks.
pub(super) fn put_many_tx(tree: &TransactionalTree, new: &[(Vec<u8>, [u8; 32])]) -> Tx<()> {
    let mut blocks: std::collections::BTreeMap<Vec<u8>, Vec<[u8; RECORD]>> = Default::default();
    for (reference, key) in new {
        match place(reference) {
            (entry, Some(id)) => {
                let mut record = [0u8; RECORD];
                record[..ID].copy_from_slice(id);
                record[ID..].copy_from_slice(key);
                blocks.entry(entry).or_default().push(record);
            }
            (entry, None) => {
                tree.insert(entry, &key[..])?;
            }
        }
    }
    for (entry, records) in blocks {
        let mut block = tree.get(&entry)?.map(|v| v.to_vec()).unwrap_or_default();
        for record in &records {
            block = records::put(&block, record, ID);
        }
        tree.insert(entry, block)?;
    }
    Ok(())
}

/// Removes the key of `reference`; whether it had one.
pub(super) fn remove_tx(tree: &TransactionalTree, reference: &[u8]) -> Tx<bool> {
    let (entry, id) = place(reference);
    let Some(id) = id else {
        return Ok(tree.remove(entry)?.is_some());
    };
    let Some(value) = tree.get(&entry)? else {
        return Ok(false);
    };
    let Some(block) = records::without::<RECORD>(&value, id) else {
        return Ok(false);
    };
    if block.is_empty() {
        tree.remove(entry)?;
    } else {
        tree.insert(entry, block)?;
    }
    Ok(true)
}

/// Whether an entry of `person_keys` is an item author's key of its own, as releases before
/// the blocks kept them (moved into blocks by the v3 → v4 migration).
pub(super) fn is_single_item_key(entry: &[u8]) -> bool {
    entry.len() == ITEM_REFERENCE && entry[0] == b'i'
}

/// Lays `tree` out as releases before the blocks did: an entry of its own for every item
/// author's key. Returns how many.
#[cfg(test)]
pub(super) fn split_into_singles(tree: &kv::Tree) -> usize {
    let blocks: Vec<(IVec, IVec)> = tree
        .scan_prefix(b"i")
        .map(Result::unwrap)
        .filter(|(k, _)| k.len() == BLOCK_KEY)
        .collect();
    let mut n = 0;
    for (k, v) in blocks {
        for record in v.chunks(RECORD) {
            let single = [&k[..17], &record[..ID]].concat();
            tree.insert(single, &record[ID..]).unwrap();
            n += 1;
        }
        tree.remove(k).unwrap();
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Id, Item, Workspace};
    use crate::store::PersonRef;
    use time::macros::datetime;

    #[test]
    fn keys_of_items_share_blocks_and_each_is_found_and_removed_alone() {
        let dir = tempfile::tempdir().unwrap();
        let db = kv::Db::at(dir.path());
        let tree = db.open_tree("person_keys").unwrap();
        let ws: Id<Workspace> = Id::generate(datetime!(2026-01-01 00:00 UTC));
        let now = datetime!(2026-06-01 12:00 UTC);
        // Forty items within the same few seconds, one much later, and a customer.
        let mut refs: Vec<PersonRef> = (0..40)
            .map(|_| PersonRef::item(&ws, &Id::<Item>::generate(now)))
            .collect();
        refs.push(PersonRef::item(
            &ws,
            &Id::<Item>::generate(datetime!(2026-07-01 12:00 UTC)),
        ));
        refs.push(PersonRef::contact(&[9; 33]));
        let keys: Vec<[u8; 32]> = (0..refs.len()).map(|i| [i as u8 + 1; 32]).collect();
        tree.transaction(|t| {
            for (r, k) in refs.iter().zip(&keys) {
                put_tx(t, r.as_bytes(), k)?;
            }
            Ok::<_, kv::transaction::ConflictableTransactionError<anyhow::Error>>(())
        })
        .unwrap();
        assert_eq!(
            tree.len(),
            3,
            "one block for the forty, one for the later, one own entry"
        );
        for (r, k) in refs.iter().zip(&keys) {
            assert_eq!(get(&tree, r.as_bytes()).unwrap(), Some(*k));
        }
        let gone = &refs[17];
        let removed = tree.transaction(|t| remove_tx(t, gone.as_bytes())).unwrap();
        assert!(removed);
        assert_eq!(get(&tree, gone.as_bytes()).unwrap(), None);
        for (r, k) in refs.iter().zip(&keys).filter(|(r, _)| *r != gone) {
            assert_eq!(
                get(&tree, r.as_bytes()).unwrap(),
                Some(*k),
                "the others stay"
            );
        }
        // The last key of a block takes the block with it.
        let later = &refs[40];
        tree.transaction(|t| remove_tx(t, later.as_bytes()))
            .unwrap();
        assert_eq!(tree.len(), 2);
        let again = tree
            .transaction(|t| remove_tx(t, later.as_bytes()))
            .unwrap();
        assert!(!again, "nothing to remove twice");
    }
}
