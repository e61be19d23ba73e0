//! Per-workspace counters kept in the same transaction as the records they count, so a plan
//! limit or the last-owner rule reads one key instead of a whole collection.
use crate::store::kv;

use crate::domain::{Id, Workspace};
use kv::transaction::{TransactionalTree, UnabortableTransactionError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    Members = 1,
    Owners = 2,
    Invitations = 3,
    ActiveLocations = 4,
    ApiKeys = 5,
}

pub(super) const ALL: [Counter; 5] = [
    Counter::Members,
    Counter::Owners,
    Counter::Invitations,
    Counter::ActiveLocations,
    Counter::ApiKeys,
];

pub(super) fn key(ws: &Id<Workspace>, counter: Counter) -> [u8; 17] {
    let mut key = [0u8; 17];
    key[..16].copy_from_slice(ws.as_bytes());
    key[16] = counter as u8;
    key
}

fn value(raw: Option<&[u8]>) -> u64 {
    raw.and_then(|v| v.try_into().ok())
        .map(u64::from_be_bytes)
        .unwrap_or(0)
}

pub(super) fn get(tree: &kv::Tree, ws: &Id<Workspace>, counter: Counter) -> anyhow::Result<u64> {
    Ok(value(tree.get(key(ws, counter))?.as_deref()))
}

pub(super) fn get_tx(
    t: &TransactionalTree,
    ws: &Id<Workspace>,
    counter: Counter,
) -> Result<u64, UnabortableTransactionError> {
    Ok(value(t.get(key(ws, counter))?.as_deref()))
}

/// Adds `delta` (saturating at zero) and returns the new value.
pub(super) fn add_tx(
    t: &TransactionalTree,
    ws: &Id<Workspace>,
    counter: Counter,
    delta: i64,
) -> Result<u64, UnabortableTransactionError> {
    let now = get_tx(t, ws, counter)?;
    let new = now.saturating_add_signed(delta);
    t.insert(&key(ws, counter), &new.to_be_bytes())?;
    Ok(new)
}
