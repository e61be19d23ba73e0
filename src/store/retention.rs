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
        let mut after = s.meta.get(REMOVED_ITEMS_CURSOR)?;
        let mut due: BTreeMap<Id<Workspace>, Vec<Id<Item>>> = BTreeMap::new();
        let (mut found, mut read, mut last) = (0, 0, None);
        let mut at_end = false;
        // A thousand at a time, each collected first: no iterator stays alive while items are
        // read and erased, and a run never holds more than a thousand items in memory.
        'scan: while read < scan {
            let lower = after.clone().map_or(Bound::Unbounded, Bound::Excluded);
            let chunk: Vec<(sled::IVec, sled::IVec)> = s
                .items
                .range::<sled::IVec, _>((lower, Bound::Unbounded))
                .take((scan - read).min(1_000))
                .collect::<Result<_, _>>()
                .context("reading items for retention")?;
            if chunk.is_empty() {
                at_end = true;
                break;
            }
            read += chunk.len();
            after = chunk.last().map(|(k, _)| k.clone());
            for (k, v) in &chunk {
                last = Some(k.clone());
                if let Some(item) = s.item_at(k, v)?
                    && item.status == ItemStatus::Removed
                    && item.removed_at.unwrap_or(item.updated_at) < cutoff
                {
                    due.entry(item.workspace).or_default().push(item.id);
                    found += 1;
                    if found >= max {
                        break 'scan;
                    }
                }
            }
        }
        let mut erased = 0;
        for (ws, ids) in due {
            erased += s.items().erase(&ws, &ids, ComeBack::Allowed)?;
        }
        match last {
            Some(k) if !at_end && (read == scan || found >= max) => {
                s.meta.insert(REMOVED_ITEMS_CURSOR, k)
            }
            _ => s.meta.remove(REMOVED_ITEMS_CURSOR), // the end: the next pass starts over
        }
        .context("keeping the retention cursor")?;
        Ok(erased)
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::{Fetched, Id, Kind, Rating};
    use crate::store::{Destination, Store};
    use std::collections::HashSet;
    use time::macros::datetime;

    /// Runs that read fewer items than the store holds, a thousand at a time, go on where the
    /// last stopped, find every removed item once, and start over after the end.
    #[test]
    fn runs_shorter_than_the_store_reach_every_removed_item_in_turn() {
        let dir = tempfile::tempdir().unwrap();
        let now = datetime!(2026-06-01 12:00 UTC);
        let store = Store::open(dir.path(), 16, now).unwrap();
        let dest = Destination {
            workspace: Id::generate(now),
            location: Id::generate(now),
            origin: crate::domain::Origin::Google,
            feed: "f",
            connection: None,
            alert: false,
        };
        let at = now - time::Duration::days(800);
        let review = |n: usize| Fetched {
            kind: Kind::Review,
            external_id: format!("r{n}"),
            parent_external_id: None,
            author: Default::default(),
            rating: Some(Rating::Stars(4)),
            text: String::new(),
            link: None,
            created_at: at + time::Duration::minutes(n as i64),
            updated_at: at + time::Duration::minutes(n as i64),
            reply: None,
            reply_authoritative: true,
        };
        let all: Vec<Fetched> = (0..2_600).map(review).collect();
        for page in all.chunks(100) {
            store.items().ingest(&dest, page, at).unwrap();
        }
        // Every seventh one gone from the provider 400 days ago.
        let seen: HashSet<String> = (0..2_600)
            .filter(|n| n % 7 != 0)
            .map(|n| format!("r{n}"))
            .collect();
        // What a full sync that saw only `seen` marks removed, 400 days ago.
        let removed_but = |seen: &HashSet<String>| {
            let at = now - time::Duration::days(400);
            let items = store.items();
            items
                .mark_missing_removed(&dest, &[Kind::Review], seen, at)
                .unwrap()
        };
        let gone = removed_but(&seen);
        assert_eq!(gone, 372);
        let cutoff = now - time::Duration::days(365);
        let r = store.retention();
        // 1,200 read a run: 2,600 items take three runs (the third reaches the end).
        let runs: Vec<usize> = (0..3)
            .map(|_| r.removed_items_before(cutoff, 1_200, 10_000).unwrap())
            .collect();
        assert_eq!(runs.iter().sum::<usize>(), 372, "{runs:?}");
        assert!(runs.iter().all(|&n| n > 0), "{runs:?}");
        assert!(
            store
                .meta
                .get(super::REMOVED_ITEMS_CURSOR)
                .unwrap()
                .is_none(),
            "the end reached: the next pass starts over"
        );
        // A cap on erasures per run stops the run there and the next goes on from it.
        store.items().ingest(&dest, &all[..50], at).unwrap();
        let seen: HashSet<String> = (10..50).map(|n| format!("r{n}")).collect();
        let gone_again = removed_but(&seen);
        assert!(gone_again >= 10, "{gone_again}");
        assert_eq!(r.removed_items_before(cutoff, 1_200, 4).unwrap(), 4);
        let rest = r.removed_items_before(cutoff, 10_000, 10_000).unwrap();
        assert_eq!(4 + rest, gone_again);
    }
}
