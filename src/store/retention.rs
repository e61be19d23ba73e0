//! Removing what has been kept long enough: audit entries, feedback, delivered or abandoned
//! mail, contacts never asked. Each call removes at most `max` records and is safe to repeat,
//! so a purge cut short (a crash, the per-run budget) completes on the next run.

use super::{Store, codec};
use crate::domain::{Contact, DeliveryState, Feedback, OutboxMessage};
use anyhow::Context;
use time::OffsetDateTime;

pub struct Retention<'a> {
    pub(super) store: &'a Store,
}

fn millis(at: OffsetDateTime) -> u64 {
    u64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}

/// Keys of `tree` whose value `old` says is past, at most `max` (the iterator is dropped
/// before anything is removed).
fn expired_keys(
    tree: &sled::Tree,
    max: usize,
    mut old: impl FnMut(&[u8], &[u8]) -> bool,
) -> anyhow::Result<Vec<sled::IVec>> {
    let mut keys = Vec::new();
    for entry in tree.iter() {
        let (k, v) = entry.context("scanning for expired records")?;
        if old(&k, &v) {
            keys.push(k);
            if keys.len() >= max {
                break;
            }
        }
    }
    Ok(keys)
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
        let keys = expired_keys(&self.store.feedback, max, |_, v| {
            codec::decode::<Feedback>(v).is_ok_and(|f| f.at < cutoff)
        })?;
        remove(&self.store.feedback, keys)
    }

    /// Mail that was delivered, failed or cancelled before `cutoff` (never what is pending).
    pub fn outbox_before(&self, cutoff: OffsetDateTime, max: usize) -> anyhow::Result<usize> {
        let keys = expired_keys(&self.store.outbox, max, |_, v| {
            codec::decode::<OutboxMessage>(v).is_ok_and(|m| match m.state {
                DeliveryState::Sent { at }
                | DeliveryState::Failed { at, .. }
                | DeliveryState::Cancelled { at, .. } => at < cutoff,
                DeliveryState::Queued | DeliveryState::Leased { .. } => false,
            })
        })?;
        remove(&self.store.outbox, keys)
    }

    /// Contacts added before `cutoff` and never asked for feedback.
    pub fn unasked_contacts_before(
        &self,
        cutoff: OffsetDateTime,
        max: usize,
    ) -> anyhow::Result<usize> {
        let mut old = Vec::new();
        for entry in self.store.contacts.iter().values() {
            let c: Contact = codec::decode(&entry.context("scanning contacts")?)?;
            if c.last_asked_at.is_none() && c.created_at < cutoff {
                old.push((c.workspace, c.id));
                if old.len() >= max {
                    break;
                }
            }
        }
        let mut n = 0;
        for (ws, id) in old {
            n += usize::from(self.store.contacts().delete(&ws, &id)?);
        }
        Ok(n)
    }
}
