//! Items in blocks: one `items` entry holds the sealed items of a workspace whose ids fall
//! between the block's lower bound (in its key) and the next block's (in its value), up to
//! `MAX_ENTRIES` of them. sled keeps memory and a page per ~16 entries, so a million items
//! as a million entries cost a page table of a million-entry store; in blocks of 16–32 they
//! cost a twentieth of it. Each item is still sealed alone with its author's key: a block
//! is a container, erasure works item by item as before.
//!
//! The blocks of a workspace form a chain: the first has the lower bound zero, each names
//! the next one's lower bound (its `upper`), a block splits in two when it grows past its
//! limit and is never merged or removed (an emptied block stays as an entry of a few bytes)
//! but with its workspace. So any block with a lower bound at or below an id leads to the
//! id's block by following `upper`: writers find a start outside their transaction (sled
//! transactions have no range reads) with `Hints`, and follow the chain inside it.
//!
//! Key: workspace (16) | lower bound (16) | `TAG`; 33 bytes, so an older store's one-item keys
//! (32 bytes) are told apart while schema 5's migration moves them. Value: see `block`.
use crate::store::kv;

mod block;
mod hints;
mod many;

pub(in crate::store) use block::{Block, items_of};
use block::{find, upper};
pub(in crate::store) use hints::Hints;
pub(in crate::store) use many::{get_many, under_stamp_ranges, under_stamps};

use crate::domain::{Id, Item, Workspace};
use crate::store::Order;
use anyhow::{Context, bail};

pub(in crate::store) const KEY_LEN: usize = 33;
const TAG: u8 = b'B';
/// A block splits in two past this many items…
const MAX_ENTRIES: usize = 16;
/// …or past this many bytes (long reviews), if it holds two items or more.
const MAX_BYTES: usize = 16 * 1024;

pub(in crate::store) type BlockKey = [u8; KEY_LEN];
type Raw = [u8; 16];

pub(in crate::store) fn key(ws: &Id<Workspace>, lower: &Raw) -> BlockKey {
    let mut k = [0u8; KEY_LEN];
    k[..16].copy_from_slice(ws.as_bytes());
    k[16..32].copy_from_slice(lower);
    k[32] = TAG;
    k
}

fn first_key(ws: &Id<Workspace>) -> BlockKey {
    key(ws, &[0; 16])
}

/// The workspace and lower bound of a block key; None for any other key.
pub(in crate::store) fn parts(k: &[u8]) -> Option<(Id<Workspace>, Raw)> {
    if k.len() != KEY_LEN || k[32] != TAG {
        return None;
    }
    Some((crate::store::keys::id_at(k, 0)?, k[16..32].try_into().ok()?))
}

/// The block whose range holds `id`, as far as one read can tell: the last block of `ws`
/// with a lower bound at or below it.
fn locate(
    tree: &kv::Tree,
    ws: &Id<Workspace>,
    id: &Raw,
) -> anyhow::Result<Option<(kv::IVec, kv::IVec)>> {
    for kv in tree.range(first_key(ws)..=key(ws, id)).rev() {
        let (k, v) = kv.context("finding an item's block")?;
        // Only while schema 5's migration runs do one-item keys sit between the blocks.
        if k.len() == KEY_LEN {
            return Ok(Some((k, v)));
        }
    }
    Ok(None)
}

/// The stored (sealed) item `id` of `ws`.
pub(in crate::store) fn get(
    tree: &kv::Tree,
    ws: &Id<Workspace>,
    id: &Id<Item>,
) -> anyhow::Result<Option<Vec<u8>>> {
    let id = id.as_bytes();
    let Some((_, mut raw)) = locate(tree, ws, id)? else {
        return Ok(None);
    };
    // A block split between the read above and now: its upper half follows. At most a
    // few steps, each to a higher bound (a malformed chain ends the walk).
    let mut lower = [0u8; 16];
    while let Some(up) = upper(&raw)?
        && *id >= up
        && up > lower
    {
        match tree.get(key(ws, &up)).context("reading an item block")? {
            Some(next) => (raw, lower) = (next, up),
            None => return Ok(None),
        }
    }
    Ok(find(&raw, id)?.map(std::borrow::Cow::into_owned))
}

/// Items of `ws` with ids from `from` (included) up to `to` (left out; None: no end), in
/// `order`, at most `limit`: (id, sealed value). Collected, so no iterator outlives the call.
pub(in crate::store) fn scan(
    tree: &kv::Tree,
    ws: &Id<Workspace>,
    from: &Raw,
    to: Option<&Raw>,
    order: Order,
    limit: usize,
) -> anyhow::Result<Vec<(Id<Item>, Vec<u8>)>> {
    let mut out = Vec::new();
    walk(tree, ws, (from, to), order, |id, value| {
        out.push((id, value.to_vec()));
        out.len() < limit
    })?;
    Ok(out)
}

/// `scan` for the ids alone.
pub(in crate::store) fn ids(
    tree: &kv::Tree,
    ws: &Id<Workspace>,
    from: &Raw,
    to: Option<&Raw>,
    order: Order,
    limit: usize,
) -> anyhow::Result<Vec<Id<Item>>> {
    let mut out = Vec::new();
    walk(tree, ws, (from, to), order, |id, _| {
        out.push(id);
        out.len() < limit
    })?;
    Ok(out)
}

/// Calls `each` with the items of `ws` in the id range, in `order`, until it answers false.
/// Block by block, each one read alone, no iterator kept between reads (sled 0.34 can hang
/// on an iterator alive across other calls). Lower bounds never change and blocks only
/// split, so the next block up is the one at a block's upper bound and the next one down
/// is the one holding the id just below its lower bound, whatever splits happen meanwhile.
fn walk(
    tree: &kv::Tree,
    ws: &Id<Workspace>,
    (from, to): (&Raw, Option<&Raw>),
    order: Order,
    mut each: impl FnMut(Id<Item>, &[u8]) -> bool,
) -> anyhow::Result<()> {
    let below = |id: &Raw| {
        (u128::from_be_bytes(*id))
            .checked_sub(1)
            .map(u128::to_be_bytes)
    };
    match order {
        Order::Ascending => {
            let Some((k, mut raw)) = locate(tree, ws, from)? else {
                return Ok(());
            };
            let (_, mut lower) = parts(&k).context("a malformed item block key")?;
            loop {
                let up = upper(&raw)?;
                if up.is_some_and(|u| u <= lower) {
                    bail!("a malformed chain of item blocks");
                }
                for (id, value) in items_of(&raw)? {
                    if to.is_some_and(|t| id.as_bytes() >= t) {
                        return Ok(());
                    }
                    if id.as_bytes() >= from && !each(id, &value) {
                        return Ok(());
                    }
                }
                let Some(u) = up.filter(|u| to.is_none_or(|t| u < t)) else {
                    return Ok(());
                };
                match tree.get(key(ws, &u)).context("reading an item block")? {
                    Some(next) => (raw, lower) = (next, u),
                    None => return Ok(()), // its workspace is going
                }
            }
        }
        Order::Descending => {
            let Some(mut at) = to.map_or(Some([0xff; 16]), below) else {
                return Ok(());
            };
            let mut ahead = many::Ahead::new(ws);
            loop {
                let Some((k, raw)) = ahead.next_at_or_below(tree, &at)? else {
                    return Ok(());
                };
                let (_, lower) = parts(&k).context("a malformed item block key")?;
                for (id, value) in items_of(&raw)?.into_iter().rev() {
                    if id.as_bytes() > &at {
                        continue;
                    }
                    if id.as_bytes() < from || !each(id, &value) {
                        return Ok(());
                    }
                }
                match below(&lower) {
                    Some(b) if lower > *from => at = b,
                    _ => return Ok(()),
                }
            }
        }
    }
}

/// The id right after `id` (for walking on from the last one read).
pub(in crate::store) fn after(id: &Id<Item>) -> Raw {
    u128::from_be_bytes(*id.as_bytes())
        .saturating_add(1)
        .to_be_bytes()
}

/// Whether some item of `ws` other than `except` has an id from `from` up to `to` (left out).
pub(in crate::store) fn any_other(
    tree: &kv::Tree,
    ws: &Id<Workspace>,
    from: &Raw,
    to: &Raw,
    except: &Id<Item>,
) -> anyhow::Result<bool> {
    let found = scan(tree, ws, from, Some(to), Order::Ascending, 2)?;
    Ok(found.iter().any(|(id, _)| id != except))
}

/// Every item of the tree as (workspace, item, stored value), in key order (for tests that
/// look at what is stored).
#[cfg(test)]
pub(in crate::store) fn all(tree: &kv::Tree) -> Vec<(Id<Workspace>, Id<Item>, Vec<u8>)> {
    let mut out = Vec::new();
    for kv in tree.iter() {
        let (k, v) = kv.expect("reads");
        let (ws, _) = parts(&k).expect("a block key");
        for (id, value) in items_of(&v).expect("a block") {
            out.push((ws, id, value.to_vec()));
        }
    }
    out
}

/// Writes the tree as schema 4 did, an entry per item, but for the first `keep` items (what
/// schema 5's migration leaves when killed after a step); returns how many went single.
#[cfg(test)]
pub(in crate::store) fn split_into_singles(tree: &kv::Tree, keep: usize) -> usize {
    let every = all(tree);
    tree.clear().expect("clears");
    for (ws, id, value) in &every[..keep.min(every.len())] {
        let hints = Hints::new(tree, ws, [*id.as_bytes()]).expect("hints");
        tree.transaction(|tx| hints.put_tx(tx, ws, id, value))
            .map_err(crate::store::typed::txn_any)
            .expect("writes");
    }
    let singles = &every[keep.min(every.len())..];
    for (ws, id, value) in singles {
        tree.insert(crate::store::keys::pair(ws, id), &value[..])
            .expect("writes");
    }
    singles.len()
}

#[cfg(test)]
mod tests;
