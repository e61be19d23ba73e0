//! Writers' way into the blocks inside a sled transaction, which has no range reads: a block
//! at or below each id, found before the transaction, and the chain followed from there.
use crate::store::kv;

use super::block::{Block, upper};
use super::{BlockKey, Raw, first_key, key, locate, parts};
use crate::domain::{Id, Item, Workspace};
use crate::store::items::rollups::{Tx, abort};
use anyhow::Context;
use kv::transaction::TransactionalTree;

/// Where writers of items start their walk inside a transaction: blocks found before it, one
/// at or below each id they will touch.
pub(in crate::store) struct Hints {
    found: Vec<BlockKey>,
}

impl Hints {
    /// Hints for ids (or the lowest id of a time: its milliseconds then zeros) in `ws`.
    pub fn new(
        tree: &kv::Tree,
        ws: &Id<Workspace>,
        ids: impl IntoIterator<Item = Raw>,
    ) -> anyhow::Result<Self> {
        Self::many(tree, ids.into_iter().map(|id| (*ws, id)))
    }

    /// Hints for ids of several workspaces.
    pub fn many(
        tree: &kv::Tree,
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
                last = Some((ws, lower, upper(&v)?));
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
        Ok(self
            .follow(tx, ws, id)?
            .and_then(|(_, b)| b.get(id).map(<[u8]>::to_vec)))
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
