//! The reply queue: replies stored as "sending", due for the worker.
use crate::store::kv;

use super::Items;
use crate::domain::{Id, Item, Workspace};
use crate::store::page::{self, Order, PageRequest};
use crate::store::{keys, typed};
use anyhow::Context;
use kv::Transactional;
use time::OffsetDateTime;

impl Items<'_> {
    /// Stores the item with its reply and queues the reply for the worker, in one step.
    pub fn queue_reply(
        &self,
        item: &Item,
        due: OffsetDateTime,
        entry: Option<&crate::domain::AuditEntry>,
    ) -> anyhow::Result<()> {
        let s = self.store;
        let key = keys::pair(&item.workspace, &item.id);
        let seq = crate::store::audit::next_seq(s)?;
        let tz = self.zone_of(&item.workspace, &item.location)?;
        s.lookup_key()?;
        let hints = super::blocks::Hints::new(&s.items, &item.workspace, [*item.id.as_bytes()])?;
        (
            &s.items,
            &s.rollups,
            &s.index_queue,
            &s.replies_due,
            &s.audit,
            &s.person_keys,
            &s.item_loc,
        )
            .transaction(
                |(items, rollups, changes, due_tree, audit, person_keys, locs)| {
                    let trees = [items, rollups, changes, person_keys, locs];
                    super::rewrite_tx(s, trees, &tz, &hints, item)?;
                    due_tree.insert(&key, &keys::millis(due).to_be_bytes())?;
                    if let Some(entry) = entry {
                        crate::store::audit::append_tx(audit, &item.workspace, entry, seq)?;
                    }
                    Ok(())
                },
            )
            .map_err(typed::txn_any)
    }

    /// Replies waiting to be sent whose time has come: up to `limit` (workspace, item) pairs.
    pub fn due_replies(
        &self,
        now: OffsetDateTime,
        limit: usize,
    ) -> anyhow::Result<Vec<(Id<Workspace>, Id<Item>)>> {
        let raw = page::scan(
            &self.store.replies_due,
            &[],
            &PageRequest::first(10_000),
            Order::Ascending,
        )?;
        let now_ms = keys::millis(now);
        Ok(raw
            .items
            .iter()
            .filter(|(_, v)| {
                v.as_ref()
                    .try_into()
                    .map(u64::from_be_bytes)
                    .is_ok_and(|at| at <= now_ms)
            })
            .filter_map(|(k, _)| Some((keys::id_at(k, 0)?, keys::id_at(k, 16)?)))
            .take(limit)
            .collect())
    }

    /// Retry later, or (None) forget: the reply is settled.
    pub fn reschedule_reply(
        &self,
        ws: &Id<Workspace>,
        id: &Id<Item>,
        at: Option<OffsetDateTime>,
    ) -> anyhow::Result<()> {
        let key = keys::pair(ws, id);
        let t = &self.store.replies_due;
        match at {
            Some(at) => t.insert(key, &keys::millis(at).to_be_bytes()),
            None => t.remove(key),
        }
        .context("updating the reply queue")?;
        Ok(())
    }
}
