//! Removing what has been kept long enough: audit entries, feedback, delivered or abandoned
//! mail, contacts never asked. Each call removes at most `max` records and is safe to repeat,
//! so a purge cut short (a crash, the per-run budget) completes on the next run.
use crate::store::kv;

use super::page::{self, Order, PageRequest};
use super::{ComeBack, Store, keys};
use crate::domain::{Contact, DeliveryState, Feedback, OutboxMessage};
use anyhow::Context;
use time::OffsetDateTime;

pub struct Retention<'a> {
    pub(super) store: &'a Store,
}

/// Where the walk over every item for removed ones stopped, in releases before they were
/// listed (`items::gone`): removed when found.
const REMOVED_ITEMS_CURSOR: &[u8] = b"retention.removed_items.after";

/// Keys of `tree` whose value `old` says is past, at most `max`. Read a page at a time, the
/// iterator dropped before `old` runs (it may read the store: sealed values need their key).
fn expired_keys(
    tree: &kv::Tree,
    max: usize,
    mut old: impl FnMut(&[u8], &[u8]) -> bool,
) -> anyhow::Result<Vec<kv::IVec>> {
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

fn remove(tree: &kv::Tree, keys: Vec<kv::IVec>) -> anyhow::Result<usize> {
    let n = keys.len();
    let mut batch = kv::Batch::default();
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
        let limit = keys::millis(cutoff);
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
    /// the provider shows them again): at most `max`, read from the list of removed items
    /// (`items::gone`), workspace by workspace.
    pub fn removed_items_before(
        &self,
        cutoff: OffsetDateTime,
        max: usize,
    ) -> anyhow::Result<usize> {
        let s = self.store;
        // What releases before the list kept: the walk's cursor.
        if s.meta.contains_key(REMOVED_ITEMS_CURSOR)? {
            s.meta
                .remove(REMOVED_ITEMS_CURSOR)
                .context("dropping the old retention cursor")?;
        }
        let mut by_workspace: std::collections::BTreeMap<_, Vec<_>> = Default::default();
        for (ws, id) in s.items().removed_before(cutoff, max)? {
            by_workspace.entry(ws).or_default().push(id);
        }
        let mut erased = 0;
        for (ws, ids) in by_workspace {
            erased += s.items().erase(&ws, &ids, ComeBack::Allowed)?;
        }
        Ok(erased)
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::{Fetched, Id, Kind, Rating};
    use crate::store::{Destination, Store};
    use std::collections::HashSet;
    use time::macros::datetime;

    /// Removed items are erased once past their time, whatever their workspace, a run at a
    /// time under its cap; those removed lately, and those the provider showed again, stay;
    /// the list is rebuilt from the items when the rollups are.
    #[test]
    fn removed_items_are_erased_once_past_their_time_and_no_others() {
        let dir = tempfile::tempdir().unwrap();
        let now = datetime!(2026-06-01 12:00 UTC);
        let store = Store::open(dir.path(), 16, now).unwrap();
        let dest = |ws| Destination {
            workspace: ws,
            location: Id::generate(now),
            origin: crate::domain::Origin::Google,
            feed: "f",
            connection: None,
            alert: false,
        };
        let (a, b) = (dest(Id::generate(now)), dest(Id::generate(now)));
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
        for d in [&a, &b] {
            for page in all.chunks(100) {
                store.items().ingest(d, page, at).unwrap();
            }
        }
        // What a full sync that saw only the ids `seen` keeps marks removed, `days` ago.
        let sync = |d: &Destination, seen: &dyn Fn(usize) -> bool, days: i64| {
            let seen: HashSet<String> = (0..2_600)
                .filter(|n| seen(*n))
                .map(|n| format!("r{n}"))
                .collect();
            let when = now - time::Duration::days(days);
            store
                .items()
                .mark_missing_removed(d, &[Kind::Review], &seen, when)
                .unwrap()
        };
        // In a: every seventh gone 400 days ago; then one in eleven of the rest lately.
        assert_eq!(sync(&a, &|n| n % 7 != 0, 400), 372);
        assert_eq!(sync(&a, &|n| n % 7 != 0 && n % 11 != 0, 30), 203);
        // In b: every fifth gone 400 days ago, then ten of them seen again.
        assert_eq!(sync(&b, &|n| n % 5 != 0, 400), 520);
        store.items().ingest(&b, &all[..50], now).unwrap();
        let past = |d: &Destination, n: usize| {
            if d.workspace == a.workspace {
                n.is_multiple_of(7)
            } else {
                n.is_multiple_of(5) && n >= 50
            }
        };
        // The list rebuilt from the items gives the same answers as the one kept.
        store.meta.remove(crate::store::items::ROLLUPS_KEY).unwrap();
        store.items().rebuild_derived().unwrap();
        let cutoff = now - time::Duration::days(365);
        let r = store.retention();
        let runs: Vec<usize> = (0..6)
            .map(|_| r.removed_items_before(cutoff, 200).unwrap())
            .collect();
        assert_eq!(runs, [200, 200, 200, 200, 82, 0], "372 + 510, 200 a run");
        for d in [&a, &b] {
            let ids: HashSet<String> = store
                .items()
                .page(
                    &d.workspace,
                    &crate::store::ItemFilter::default(),
                    &crate::store::PageRequest::first(5_000),
                )
                .unwrap()
                .items
                .into_iter()
                .map(|i| i.external_id)
                .collect();
            for n in 0..2_600 {
                assert_eq!(ids.contains(&format!("r{n}")), !past(d, n), "r{n}");
            }
        }
    }
}
