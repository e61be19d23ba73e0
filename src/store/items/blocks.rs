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
//! (32 bytes) are told apart while schema 5's migration moves them. Value: `FORMAT`, the
//! upper bound (0, or 1 and 16 bytes), then each item in id order: id (16), length (varint),
//! the sealed item.

use super::rollups::{Tx, abort};
use crate::domain::{Id, Item, Workspace};
use crate::store::Order;
use anyhow::{Context, bail};
use sled::transaction::TransactionalTree;

pub(in crate::store) const KEY_LEN: usize = 33;
const TAG: u8 = b'B';
const FORMAT: u8 = 1;
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

/// A block read whole, for changing it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(in crate::store) struct Block {
    pub upper: Option<Raw>,
    pub entries: Vec<(Raw, Vec<u8>)>,
}

impl Block {
    pub fn decode(raw: &[u8]) -> anyhow::Result<Self> {
        let (upper, rest) = header(raw)?;
        let mut entries = Vec::new();
        for e in Entries(rest) {
            let (id, v) = e?;
            entries.push((id, v.to_vec()));
        }
        Ok(Self { upper, entries })
    }

    pub fn encode(&self) -> Vec<u8> {
        let size: usize = self.entries.iter().map(|(_, v)| v.len() + 19).sum();
        let mut out = Vec::with_capacity(18 + size);
        out.push(FORMAT);
        match &self.upper {
            Some(u) => {
                out.push(1);
                out.extend_from_slice(u);
            }
            None => out.push(0),
        }
        for (id, v) in &self.entries {
            out.extend_from_slice(id);
            let mut n = v.len();
            while n >= 0x80 {
                out.push((n as u8) | 0x80);
                n >>= 7;
            }
            out.push(n as u8);
            out.extend_from_slice(v);
        }
        out
    }

    fn bytes(&self) -> usize {
        self.entries.iter().map(|(_, v)| v.len() + 18).sum()
    }

    /// Puts `value` as item `id` (over an older one); returns the old value.
    fn put(&mut self, id: Raw, value: &[u8]) -> Option<Vec<u8>> {
        match self.entries.binary_search_by(|(e, _)| e.cmp(&id)) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value.to_vec())),
            Err(i) => {
                self.entries.insert(i, (id, value.to_vec()));
                None
            }
        }
    }

    fn take(&mut self, id: &Raw) -> Option<Vec<u8>> {
        let i = self.entries.binary_search_by(|(e, _)| e.cmp(id)).ok()?;
        Some(self.entries.remove(i).1)
    }

    fn over(&self) -> bool {
        self.entries.len() > MAX_ENTRIES || (self.entries.len() >= 2 && self.bytes() > MAX_BYTES)
    }

    /// This block cut in halves until each is within its limits, in id order; each piece
    /// names the next one's lower bound, the last keeps this block's upper bound.
    fn pieces(mut self) -> Vec<Block> {
        if !self.over() {
            return vec![self];
        }
        let upper_half = self.entries.split_off(self.entries.len() / 2);
        let right = Block {
            upper: self.upper,
            entries: upper_half,
        };
        self.upper = Some(right.entries[0].0);
        let mut out = self.pieces();
        out.extend(right.pieces());
        out
    }
}

/// The upper bound of a block and the bytes of its items.
fn header(raw: &[u8]) -> anyhow::Result<(Option<Raw>, &[u8])> {
    match raw {
        [FORMAT, 0, rest @ ..] => Ok((None, rest)),
        [FORMAT, 1, rest @ ..] => match rest.split_first_chunk::<16>() {
            Some((upper, rest)) => Ok((Some(*upper), rest)),
            None => bail!("a cut item block"),
        },
        _ => bail!("a malformed item block"),
    }
}

/// The items of a block's bytes, in id order, without copying them.
struct Entries<'a>(&'a [u8]);

impl<'a> Iterator for Entries<'a> {
    type Item = anyhow::Result<(Raw, &'a [u8])>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.0.is_empty() {
            return None;
        }
        let read = || -> anyhow::Result<(Raw, &'a [u8], &'a [u8])> {
            let id: Raw = self.0.get(..16).context("a cut item block")?.try_into()?;
            let (mut len, mut shift, mut at) = (0usize, 0, 16);
            loop {
                let b = *self.0.get(at).context("a cut item block")?;
                at += 1;
                len |= usize::from(b & 0x7f) << shift;
                if b & 0x80 == 0 {
                    break;
                }
                shift += 7;
                if shift > 28 {
                    bail!("a malformed item block");
                }
            }
            let end = at.checked_add(len).context("a malformed item block")?;
            let value = self.0.get(at..end).context("a cut item block")?;
            Ok((id, value, &self.0[end..]))
        };
        match read() {
            Ok((id, value, rest)) => {
                self.0 = rest;
                Some(Ok((id, value)))
            }
            Err(e) => {
                self.0 = &[];
                Some(Err(e))
            }
        }
    }
}

/// Every item in a block's bytes, in id order: (id, sealed value).
pub(in crate::store) fn items_of(raw: &[u8]) -> anyhow::Result<Vec<(Id<Item>, &[u8])>> {
    let (_, rest) = header(raw)?;
    Entries(rest)
        .map(|e| e.map(|(id, v)| (Id::from_bytes(id), v)))
        .collect()
}

fn find<'a>(raw: &'a [u8], id: &Raw) -> anyhow::Result<Option<&'a [u8]>> {
    let (_, rest) = header(raw)?;
    for e in Entries(rest) {
        let (at, v) = e?;
        if at == *id {
            return Ok(Some(v));
        }
        if at > *id {
            break;
        }
    }
    Ok(None)
}

/// The block whose range holds `id`, as far as one read can tell: the last block of `ws`
/// with a lower bound at or below it.
fn locate(
    tree: &sled::Tree,
    ws: &Id<Workspace>,
    id: &Raw,
) -> anyhow::Result<Option<(sled::IVec, sled::IVec)>> {
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
    tree: &sled::Tree,
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
    while let (Some(upper), _) = header(&raw)?
        && *id >= upper
        && upper > lower
    {
        match tree.get(key(ws, &upper)).context("reading an item block")? {
            Some(next) => (raw, lower) = (next, upper),
            None => return Ok(None),
        }
    }
    Ok(find(&raw, id)?.map(<[u8]>::to_vec))
}

/// Items of `ws` with ids from `from` (included) up to `to` (left out; None: no end), in
/// `order`, at most `limit`: (id, sealed value). Collected, so no iterator outlives the call.
pub(in crate::store) fn scan(
    tree: &sled::Tree,
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
    tree: &sled::Tree,
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
    tree: &sled::Tree,
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
                let (upper, _) = header(&raw)?;
                if upper.is_some_and(|u| u <= lower) {
                    bail!("a malformed chain of item blocks");
                }
                for (id, value) in items_of(&raw)? {
                    if to.is_some_and(|t| id.as_bytes() >= t) {
                        return Ok(());
                    }
                    if id.as_bytes() >= from && !each(id, value) {
                        return Ok(());
                    }
                }
                let Some(u) = upper.filter(|u| to.is_none_or(|t| u < t)) else {
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
            loop {
                let Some((k, raw)) = locate(tree, ws, &at)? else {
                    return Ok(());
                };
                let (_, lower) = parts(&k).context("a malformed item block key")?;
                for (id, value) in items_of(&raw)?.into_iter().rev() {
                    if id.as_bytes() > &at {
                        continue;
                    }
                    if id.as_bytes() < from || !each(id, value) {
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

/// Where writers of items start their walk inside a transaction: blocks found before it, one
/// at or below each id they will touch.
pub(in crate::store) struct Hints {
    found: Vec<BlockKey>,
}

impl Hints {
    /// Hints for ids (or the lowest id of a time: its milliseconds then zeros) in `ws`.
    pub fn new(
        tree: &sled::Tree,
        ws: &Id<Workspace>,
        ids: impl IntoIterator<Item = Raw>,
    ) -> anyhow::Result<Self> {
        Self::many(tree, ids.into_iter().map(|id| (*ws, id)))
    }

    /// Hints for ids of several workspaces.
    pub fn many(
        tree: &sled::Tree,
        ids: impl IntoIterator<Item = (Id<Workspace>, Raw)>,
    ) -> anyhow::Result<Self> {
        let mut ids: Vec<(Id<Workspace>, Raw)> = ids.into_iter().collect();
        ids.sort_unstable_by(|a, b| (a.0.as_bytes(), &a.1).cmp(&(b.0.as_bytes(), &b.1)));
        ids.dedup();
        let mut found: Vec<BlockKey> = Vec::new();
        // The range of the last block found: an id inside it needs no read of its own.
        let mut last: Option<(Id<Workspace>, Raw, Option<Raw>)> = None;
        for (ws, id) in ids {
            if last.is_some_and(|(w, lower, upper)| {
                w == ws && lower <= id && upper.is_none_or(|u| id < u)
            }) {
                continue;
            }
            if let Some((k, v)) = locate(tree, &ws, &id)? {
                let (_, lower) = parts(&k).context("a malformed item block key")?;
                last = Some((ws, lower, header(&v)?.0));
                found.push(
                    k.as_ref()
                        .try_into()
                        .context("a malformed item block key")?,
                );
            }
        }
        found.sort_unstable();
        found.dedup();
        Ok(Self { found })
    }

    /// The lowest id of items created at `at` (for hints before the item exists).
    pub fn lowest_at(at: time::OffsetDateTime) -> Raw {
        let mut id = [0u8; 16];
        id[..6].copy_from_slice(&crate::store::keys::millis(at).to_be_bytes()[2..]);
        id
    }

    fn start(&self, ws: &Id<Workspace>, id: &Raw) -> BlockKey {
        let at = key(ws, id);
        match self.found.partition_point(|k| *k <= at) {
            n if n > 0 && self.found[n - 1][..16] == ws.as_bytes()[..] => self.found[n - 1],
            _ => first_key(ws),
        }
    }

    /// The block holding `id` inside a transaction: its key and contents (None: the
    /// workspace has no block yet).
    fn follow(
        &self,
        tx: &TransactionalTree,
        ws: &Id<Workspace>,
        id: &Raw,
    ) -> Tx<Option<(BlockKey, Block)>> {
        let mut k = self.start(ws, id);
        loop {
            let Some(raw) = tx.get(k)? else {
                if k == first_key(ws) {
                    return Ok(None);
                }
                // Gone with its workspace since the hint was taken: start over from the first.
                k = first_key(ws);
                continue;
            };
            let block = Block::decode(&raw).map_err(abort)?;
            match block.upper {
                // An upper bound must lie above the block's own lower one, or the walk
                // would not end.
                Some(u) if u[..] <= k[16..32] => {
                    return Err(abort(anyhow::anyhow!("a malformed chain of item blocks")));
                }
                Some(u) if *id >= u => k = key(ws, &u),
                _ => return Ok(Some((k, block))),
            }
        }
    }

    pub fn get_tx(
        &self,
        tx: &TransactionalTree,
        ws: &Id<Workspace>,
        id: &Id<Item>,
    ) -> Tx<Option<Vec<u8>>> {
        let id = id.as_bytes();
        Ok(self.follow(tx, ws, id)?.and_then(|(_, b)| {
            let i = b.entries.binary_search_by(|(e, _)| e.cmp(id)).ok()?;
            Some(b.entries[i].1.clone())
        }))
    }

    /// Stores `value` as item `id`, splitting its block when it grows past its limits.
    pub fn put_tx(
        &self,
        tx: &TransactionalTree,
        ws: &Id<Workspace>,
        id: &Id<Item>,
        value: &[u8],
    ) -> Tx<()> {
        self.put_many_tx(tx, ws, vec![(*id, value.to_vec())])
    }

    /// Stores each (id, value), a block read and written once for all of its items.
    pub fn put_many_tx(
        &self,
        tx: &TransactionalTree,
        ws: &Id<Workspace>,
        mut items: Vec<(Id<Item>, Vec<u8>)>,
    ) -> Tx<()> {
        items.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let mut items = items.into_iter().peekable();
        while let Some((id, value)) = items.next() {
            let id = *id.as_bytes();
            let (k, mut block) = self
                .follow(tx, ws, &id)?
                .unwrap_or_else(|| (first_key(ws), Block::default()));
            block.put(id, &value);
            let upper = block.upper;
            while let Some((next, value)) =
                items.next_if(|(n, _)| upper.is_none_or(|u| *n.as_bytes() < u))
            {
                block.put(*next.as_bytes(), &value);
            }
            for (n, piece) in block.pieces().into_iter().enumerate() {
                // The first piece keeps the block's key (its lower bound may sit below its
                // first item); each other is found by its first item.
                let at = match n {
                    0 => k,
                    _ => key(ws, &piece.entries[0].0),
                };
                tx.insert(&at[..], piece.encode())?;
            }
        }
        Ok(())
    }

    /// Takes item `id` out of its block; returns its stored value.
    pub fn remove_tx(
        &self,
        tx: &TransactionalTree,
        ws: &Id<Workspace>,
        id: &Id<Item>,
    ) -> Tx<Option<Vec<u8>>> {
        let Some((k, mut block)) = self.follow(tx, ws, id.as_bytes())? else {
            return Ok(None);
        };
        let old = block.take(id.as_bytes());
        if old.is_some() {
            tx.insert(&k[..], block.encode())?;
        }
        Ok(old)
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
    tree: &sled::Tree,
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
pub(in crate::store) fn all(tree: &sled::Tree) -> Vec<(Id<Workspace>, Id<Item>, Vec<u8>)> {
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
pub(in crate::store) fn split_into_singles(tree: &sled::Tree, keep: usize) -> usize {
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
#[path = "blocks_tests.rs"]
mod tests;
