//! Auto-response rules (`auto_rules`: (workspace, rule) → rule) and the replies they queued
//! (`auto_queue`: (workspace, item) → queued reply). The queue holds only replies not yet sent:
//! the alert step adds them with the new items they answer (`Alerts::settle`), the sender or a
//! person's cancel removes them.

use super::page::{self, Order, PageRequest};
use super::{Store, keys, typed};
use crate::domain::{AutoRule, Id, Item, MAX_AUTO_RULES, QueuedReply, Workspace};
use anyhow::Context;

pub struct AutoReplies<'a> {
    pub(super) store: &'a Store,
}

/// What a cancel found.
#[derive(Debug, PartialEq, Eq)]
pub enum Cancelled {
    Done(QueuedReply),
    /// The sender has it already.
    TooLate,
    NotQueued,
}

impl AutoReplies<'_> {
    pub fn rules(&self, ws: &Id<Workspace>) -> anyhow::Result<Vec<AutoRule>> {
        Ok(page::records(
            &self.store.auto_rules,
            ws.as_bytes(),
            &PageRequest::first(MAX_AUTO_RULES),
            Order::Ascending,
        )?
        .items)
    }

    pub fn rule(&self, ws: &Id<Workspace>, id: &Id<AutoRule>) -> anyhow::Result<Option<AutoRule>> {
        typed::get(&self.store.auto_rules, &keys::pair(ws, id))
    }

    pub fn put_rule(&self, ws: &Id<Workspace>, rule: &AutoRule) -> anyhow::Result<()> {
        typed::put(&self.store.auto_rules, &keys::pair(ws, &rule.id), rule)
    }

    pub fn remove_rule(&self, ws: &Id<Workspace>, id: &Id<AutoRule>) -> anyhow::Result<bool> {
        Ok(self
            .store
            .auto_rules
            .remove(keys::pair(ws, id))
            .context("removing an auto-response rule")?
            .is_some())
    }

    /// The reply queued for `item`, if any.
    pub fn queued(
        &self,
        ws: &Id<Workspace>,
        item: &Id<Item>,
    ) -> anyhow::Result<Option<QueuedReply>> {
        typed::get(&self.store.auto_queue, &keys::pair(ws, item))
    }

    /// The replies queued for `items`, in their order.
    pub fn queued_many(
        &self,
        ws: &Id<Workspace>,
        items: &[Id<Item>],
    ) -> anyhow::Result<Vec<Option<QueuedReply>>> {
        let keys: Vec<_> = items.iter().map(|i| keys::pair(ws, i)).collect();
        typed::get_many(&self.store.auto_queue, &keys)
    }

    /// Every reply queued in `ws` (at most `limit`), by item.
    pub fn queue_of(&self, ws: &Id<Workspace>, limit: usize) -> anyhow::Result<Vec<QueuedReply>> {
        Ok(page::records(
            &self.store.auto_queue,
            ws.as_bytes(),
            &PageRequest::first(limit),
            Order::Ascending,
        )?
        .items)
    }

    /// Queued replies of every workspace due at `now` or taken by a sender that stopped
    /// (at most `limit`). Read whole before returning: no iterator outlives the call.
    pub fn due(
        &self,
        now: time::OffsetDateTime,
        limit: usize,
    ) -> anyhow::Result<Vec<(Id<Workspace>, QueuedReply)>> {
        let mut out = Vec::new();
        for entry in self.store.auto_queue.iter() {
            let (k, v) = entry.context("reading queued replies")?;
            let Some(ws) = keys::id_at::<Workspace>(&k, 0) else {
                continue;
            };
            let q: QueuedReply = super::codec::decode(&v)?;
            if q.sending || q.due_at <= now {
                out.push((ws, q));
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Marks the reply as being sent, unless it was cancelled meanwhile; the reply as taken.
    pub fn take(&self, ws: &Id<Workspace>, item: &Id<Item>) -> anyhow::Result<Option<QueuedReply>> {
        typed::update(
            &self.store.auto_queue,
            &keys::pair(ws, item),
            |q: &mut QueuedReply| {
                let first = !q.sending;
                q.sending = true;
                first
            },
        )
    }

    /// Removes the queued reply whatever its state (sent, or no longer wanted).
    pub fn done(&self, ws: &Id<Workspace>, item: &Id<Item>) -> anyhow::Result<()> {
        self.store
            .auto_queue
            .remove(keys::pair(ws, item))
            .context("removing a queued reply")?;
        Ok(())
    }

    /// Removes the queued reply unless the sender has taken it.
    pub fn cancel(&self, ws: &Id<Workspace>, item: &Id<Item>) -> anyhow::Result<Cancelled> {
        let key = keys::pair(ws, item);
        loop {
            let Some(old) = self
                .store
                .auto_queue
                .get(key)
                .context("reading a queued reply")?
            else {
                return Ok(Cancelled::NotQueued);
            };
            let q: QueuedReply = super::codec::decode(&old)?;
            if q.sending {
                return Ok(Cancelled::TooLate);
            }
            if self
                .store
                .auto_queue
                .compare_and_swap(key, Some(old), None::<&[u8]>)
                .context("cancelling a queued reply")?
                .is_ok()
            {
                return Ok(Cancelled::Done(q));
            }
        }
    }
}
