//! Items the index holds nothing for yet (new ones), many to one `index_queue` entry:
//! `workspace | bucket | 'n'` → their sorted 16-byte ids, a bucket being 2^22 ms (70 minutes)
//! of id time. A page of 50 new reviews writes one or a few entries instead of 50 (an entry
//! costs sled about as much to write whatever its size). The bucket follows from the id, so a
//! later change to a waiting item finds it by exact key inside its transaction and leaves it
//! there (the index still holds nothing for it); the indexer takes ids out of an entry one by
//! one, so a page added meanwhile is never lost nor makes the indexer start over.
use crate::store::kv;

use crate::domain::{Id, Item, Workspace};
use crate::store::records;
use kv::transaction::{ConflictableTransactionError, TransactionalTree};

type Tx<T> = Result<T, ConflictableTransactionError<anyhow::Error>>;

/// Length of a fresh entry's key; item entries are 32 bytes.
pub(super) const KEY_LEN: usize = 21;
const TAG: u8 = b'n';

/// The entry that lists the new item `id` of `ws`.
pub(super) fn key(ws: &Id<Workspace>, id: &Id<Item>) -> [u8; KEY_LEN] {
    let b = id.as_bytes();
    // The first six bytes of an id are its milliseconds.
    let ms = u64::from_be_bytes([0, 0, b[0], b[1], b[2], b[3], b[4], b[5]]);
    let bucket = u32::try_from(ms >> 22).unwrap_or(u32::MAX);
    let mut out = [0u8; KEY_LEN];
    out[..16].copy_from_slice(ws.as_bytes());
    out[16..20].copy_from_slice(&bucket.to_be_bytes());
    out[20] = TAG;
    out
}

/// Whether a queue key is a fresh entry's.
pub(super) fn is_fresh(key: &[u8]) -> bool {
    key.len() == KEY_LEN && key[20] == TAG
}

/// The ids a fresh entry lists.
pub(super) fn ids(value: &[u8]) -> impl Iterator<Item = Id<Item>> + '_ {
    value.as_chunks::<16>().0.iter().map(|r| Id::from_bytes(*r))
}

/// Lists `ids` (new items of `ws`) for the indexer, inside their transaction.
pub(in crate::store) fn add_tx(
    queue: &TransactionalTree,
    ws: &Id<Workspace>,
    ids: &[Id<Item>],
) -> Tx<()> {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    for group in sorted.chunk_by(|a, b| key(ws, a) == key(ws, b)) {
        let k = key(ws, &group[0]);
        let mut block = queue.get(k)?.map(|v| v.to_vec()).unwrap_or_default();
        for id in group {
            block = records::put::<16>(&block, id.as_bytes(), 16);
        }
        queue.insert(&k, block)?;
    }
    Ok(())
}

/// Whether `id` waits in a fresh entry, inside a transaction.
pub(in crate::store) fn waits_tx(
    queue: &TransactionalTree,
    ws: &Id<Workspace>,
    id: &Id<Item>,
) -> Tx<bool> {
    Ok(queue
        .get(key(ws, id))?
        .is_some_and(|v| !records::matching::<16>(&v, id.as_bytes()).is_empty()))
}

/// Takes `done` out of the fresh entry at `key`, inside the indexer's transaction; what was
/// added meanwhile stays.
pub(super) fn take_tx(queue: &TransactionalTree, key: &[u8], done: &[Id<Item>]) -> Tx<()> {
    let Some(v) = queue.get(key)? else {
        return Ok(());
    };
    let mut block = v.to_vec();
    for id in done {
        if let Some(rest) = records::without::<16>(&block, id.as_bytes()) {
            block = rest;
        }
    }
    if block.is_empty() {
        queue.remove(key)?;
    } else if block.len() != v.len() {
        queue.insert(key, block)?;
    }
    Ok(())
}
