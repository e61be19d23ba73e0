//! Items gone from their provider, listed by when: `rollups` entries `ws | ALL | 'g' | item id`
//! → the removal time (ms, big-endian), kept by `Deltas` in the transaction that stores the
//! item, so retention reads the removed items alone instead of opening every item in turn
//! (at a million reviews the walk pulled ~50,000 items a run into memory, right after start).
//! A derived family: the rollups' rebuild writes it from the items.
use crate::store::kv;

use super::rollups::{ALL, Tx};
use crate::domain::{Id, Item, ItemStatus, Workspace};
use crate::store::{Store, keys};
use kv::transaction::TransactionalTree;
use std::collections::BTreeMap;
use time::OffsetDateTime;

const TAG: &[u8] = b"g";

fn prefix(ws: &Id<Workspace>) -> Vec<u8> {
    [ws.as_bytes().as_slice(), &ALL, TAG].concat()
}

fn key(ws: &Id<Workspace>, id: &Id<Item>) -> Vec<u8> {
    [prefix(ws).as_slice(), id.as_bytes()].concat()
}

/// Removed items' entries changed over a transaction: Some(when) to list, None to unlist.
#[derive(Default)]
pub(super) struct Changes(BTreeMap<(Id<Workspace>, Id<Item>), Option<u64>>);

impl Changes {
    /// One item's version taken away (-1, always before the version that replaces it) or
    /// added (+1).
    pub(super) fn add(&mut self, i: &Item, sign: i64) {
        if i.status != ItemStatus::Removed {
            return;
        }
        let listed = (i.workspace, i.id);
        if sign > 0 {
            let at = keys::millis(i.removed_at.unwrap_or(i.updated_at));
            self.0.insert(listed, Some(at));
        } else {
            self.0.entry(listed).or_insert(None);
        }
    }

    pub(super) fn clear(&mut self) {
        self.0.clear();
    }

    pub(super) fn write_tx(&self, rollups: &TransactionalTree) -> Tx<()> {
        for ((ws, id), at) in &self.0 {
            match at {
                Some(ms) => rollups.insert(key(ws, id), &ms.to_be_bytes())?,
                None => rollups.remove(key(ws, id))?,
            };
        }
        Ok(())
    }
}

/// Up to `max` items removed before `cutoff`, in any workspace: the rollups are skipped
/// through a workspace at a time (one seek each), so workspaces are found without their
/// records (a workspace being purged still has its items until its purge reaches them).
pub(super) fn before(
    s: &Store,
    cutoff: OffsetDateTime,
    max: usize,
) -> anyhow::Result<Vec<(Id<Workspace>, Id<Item>)>> {
    let limit = keys::millis(cutoff);
    let mut out = Vec::new();
    let mut from: Option<[u8; 16]> = Some([0; 16]);
    while let Some(start) = from
        && out.len() < max
    {
        let Some((k, _)) = s.rollups.range(start..).next().transpose()? else {
            break;
        };
        let Some(ws) = keys::id_at::<Workspace>(&k, 0) else {
            break;
        };
        let p = prefix(&ws);
        // Nothing else reads the store while the iterator lives.
        for entry in s.rollups.scan_prefix(&p) {
            let (k, v) = entry?;
            let at = v.as_ref().try_into().map_or(0, u64::from_be_bytes);
            if at < limit
                && let Some(id) = keys::id_at::<Item>(&k, p.len())
            {
                out.push((ws, id));
                if out.len() >= max {
                    break;
                }
            }
        }
        from = next_id(ws.as_bytes());
    }
    Ok(out)
}

/// The 16 bytes after `id` in key order; None after the last.
fn next_id(id: &[u8; 16]) -> Option<[u8; 16]> {
    u128::from_be_bytes(*id)
        .checked_add(1)
        .map(u128::to_be_bytes)
}
