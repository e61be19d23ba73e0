//! Removing what has been kept long enough: audit entries, feedback, delivered or abandoned
//! mail, contacts never asked. Each call removes at most `max` records and is safe to repeat,
//! so a purge cut short (a crash, the per-run budget) completes on the next run.

use super::page::{self, Order, PageRequest};
use super::{ComeBack, Store, keys};
use crate::domain::{
    Contact, DeliveryState, Feedback, Id, Item, ItemStatus, OutboxMessage, Workspace,
};
use anyhow::Context;
use std::collections::BTreeMap;
use std::ops::Bound;
use time::OffsetDateTime;

pub struct Retention<'a> {
    pub(super) store: &'a Store,
}

/// Where the walk for removed items stopped (the last item key looked at).
const REMOVED_ITEMS_CURSOR: &[u8] = b"retention.removed_items.after";

fn millis(at: OffsetDateTime) -> u64 {
    u64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}

/// Keys of `tree` whose value `old` says is past, at most `max`. Read a page at a time, the
/// iterator dropped before `old` runs (it may read the store: sealed values need their key).
fn expired_keys(
    tree: &sled::Tree,
    max: usize,
    mut old: impl FnMut(&[u8], &[u8]) -> bool,
) -> anyhow::Result<Vec<sled::IVec>> {
    let mut keys = Vec::new();
    let mut req = PageRequest::first(1_000);
    loop {
        let raw = page::scan(tree, b"", &req, Order::Ascending)?;
        for (k, v) in raw.items {
            if old(&k, &v) {
                keys.push(k);
                if keys.len() >= max {
                    return Ok(keys);
                }
            }
        }
        match raw.next {
            Some(next) => req.cursor = Some(next),
            None => return Ok(keys),
        }
    }
}

/// Whether a sealed record is past `cutoff` by `at`; one whose key was destroyed (its person
/// erased) is noise and goes too. One that cannot be read stays for someone to look at.
fn expired<T: serde::de::DeserializeOwned>(
    store: &Store,
    raw: &[u8],
    at: impl Fn(&T) -> bool,
) -> bool {
    match store.unseal::<T>(raw) {
        Ok(Some(v)) => at(&v),
        Ok(None) => true,
        Err(_) => false,
    }
}

fn remove(tree: &sled::Tree, keys: Vec<sled::IVec>) -> anyhow::Result<usize> {
    let n = keys.len();
    let mut batch = sled::Batch::default();
    for k in keys {
        batch.remove(k);
    }
    tree.apply_batch(batch)
        .context("removing expired records")?;
    Ok(n)
}

impl Retention<'_> {
    /// Audit entries written before `cutoff` (the time is in the key).
    pub fn audit_before(&self, cutoff: OffsetDateTime, max: usize) -> anyhow::Result<usize> {
        let limit = millis(cutoff);
        let keys = expired_keys(&self.store.audit, max, |k, _| {
            k.get(16..24)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .is_some_and(|b| u64::from_be_bytes(b) < limit)
        })?;
        remove(&self.store.audit, keys)
    }

    /// Feedback answered before `cutoff`.
    pub fn feedback_before(&self, cutoff: OffsetDateTime, max: usize) -> anyhow::Result<usize> {
        let s = self.store;
        let keys = expired_keys(&s.feedback, max, |_, v| {
            expired(s, v, |f: &Feedback| f.at < cutoff)
        })?;
        remove(&self.store.feedback, keys)
    }

    /// Mail that was delivered, failed or cancelled before `cutoff` (never what is pending).
    pub fn outbox_before(&self, cutoff: OffsetDateTime, max: usize) -> anyhow::Result<usize> {
        let s = self.store;
        let keys = expired_keys(&s.outbox, max, |_, v| {
            expired(s, v, |m: &OutboxMessage| match m.state {
                DeliveryState::Sent { at }
                | DeliveryState::Failed { at, .. }
                | DeliveryState::Cancelled { at, .. } => at < cutoff,
                DeliveryState::Queued | DeliveryState::Leased { .. } => false,
            })
        })?;
        let n = keys.len();
        for k in keys {
            if let Some(id) = keys::id_at::<OutboxMessage>(&k, 0) {
                s.outbox().remove(&id)?;
            }
        }
        Ok(n)
    }

    /// Contacts added before `cutoff` and never asked for feedback.
    pub fn unasked_contacts_before(
        &self,
        cutoff: OffsetDateTime,
        max: usize,
    ) -> anyhow::Result<usize> {
        let s = self.store;
        let old = expired_keys(&s.contacts, max, |_, v| {
            expired(s, v, |c: &Contact| {
                c.last_asked_at.is_none() && c.created_at < cutoff
            })
        })?;
        let mut n = 0;
        for k in old {
            let (Some(ws), Some(id)) = (keys::id_at(&k, 0), keys::id_at::<Contact>(&k, 16)) else {
                continue;
            };
            n += usize::from(s.contacts().delete(&ws, &id)?);
        }
        Ok(n)
    }

    /// Items gone from their provider before `cutoff`, erased (they may come back as new if
    /// the provider shows them again). Reviews have no index by removal time, so each run
    /// looks at `scan` items from where the last one stopped: a pass over a million items is
    /// spread over runs, and an interrupted one goes on from its cursor.
    pub fn removed_items_before(
        &self,
        cutoff: OffsetDateTime,
        scan: usize,
        max: usize,
    ) -> anyhow::Result<usize> {
        let s = self.store;
        let after = s.meta.get(REMOVED_ITEMS_CURSOR)?;
        let lower = after.map_or(Bound::Unbounded, Bound::Excluded);
        // Collected first: no iterator stays alive while items are read and erased.
        let chunk: Vec<(sled::IVec, sled::IVec)> = s
            .items
            .range::<sled::IVec, _>((lower, Bound::Unbounded))
            .take(scan)
            .collect::<Result<_, _>>()
            .context("reading items for retention")?;
        let mut due: BTreeMap<Id<Workspace>, Vec<Id<Item>>> = BTreeMap::new();
        let (mut found, mut last) = (0, None);
        for (k, v) in &chunk {
            last = Some(k.clone());
            if let Some(item) = s.item_at(k, v)?
                && item.status == ItemStatus::Removed
                && item.removed_at.unwrap_or(item.updated_at) < cutoff
            {
                due.entry(item.workspace).or_default().push(item.id);
                found += 1;
                if found >= max {
                    break;
                }
            }
        }
        let mut erased = 0;
        for (ws, ids) in due {
            erased += s.items().erase(&ws, &ids, ComeBack::Allowed)?;
        }
        match last {
            Some(k) if chunk.len() == scan || found >= max => {
                s.meta.insert(REMOVED_ITEMS_CURSOR, k)
            }
            _ => s.meta.remove(REMOVED_ITEMS_CURSOR), // the end: the next pass starts over
        }
        .context("keeping the retention cursor")?;
        Ok(erased)
    }
}
