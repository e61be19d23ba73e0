//! Alert bookkeeping. Trees: `alert_prefs` (workspace, user) → prefs; `alert_pending`
//! (workspace, item) → () written with the item by ingest; `alert_digest` (workspace, user,
//! item) → () for daily digests; `webhooks` (workspace, webhook) → webhook; `webhook_due`
//! (due ms, delivery) → delivery. Pending alerts turn into mail, digest entries and webhook
//! deliveries (and auto-response rules' queued replies) in one transaction, so a crash neither
//! loses nor doubles them.
use crate::store::kv;

use super::page::{self, Order, PageRequest};
use super::{Store, codec, keys, typed};
use crate::domain::{
    AlertPrefs, Id, Item, OutboxMessage, QueuedReply, User, Webhook, WebhookDelivery, Workspace,
};
use anyhow::Context;
use kv::Transactional;
use kv::transaction::ConflictableTransactionError;
use time::OffsetDateTime;

pub struct Alerts<'a> {
    pub(super) store: &'a Store,
}

/// What a batch of pending alerts became.
#[derive(Default)]
pub struct Settled {
    pub mails: Vec<OutboxMessage>,
    pub digest: Vec<(Id<Workspace>, Id<User>, Id<Item>)>,
    pub deliveries: Vec<WebhookDelivery>,
    /// Replies auto-response rules queued for the new items.
    pub auto_replies: Vec<(Id<Workspace>, QueuedReply)>,
}

fn digest_key(ws: &Id<Workspace>, user: &Id<User>, item: &Id<Item>) -> Vec<u8> {
    [ws.as_bytes().as_slice(), user.as_bytes(), item.as_bytes()].concat()
}

impl Alerts<'_> {
    pub fn prefs(&self, ws: &Id<Workspace>, user: &Id<User>) -> anyhow::Result<AlertPrefs> {
        Ok(typed::get(&self.store.alert_prefs, &keys::pair(ws, user))?
            .unwrap_or_else(|| AlertPrefs::off(*ws, *user)))
    }

    pub fn set_prefs(&self, p: &AlertPrefs) -> anyhow::Result<()> {
        typed::put(
            &self.store.alert_prefs,
            &keys::pair(&p.workspace, &p.user),
            p,
        )
    }

    /// Every member's prefs in `ws` (a workspace has tens of members, not millions).
    pub fn all_prefs(&self, ws: &Id<Workspace>) -> anyhow::Result<Vec<AlertPrefs>> {
        Ok(page::records(
            &self.store.alert_prefs,
            ws.as_bytes(),
            &PageRequest::first(10_000),
            Order::Ascending,
        )?
        .items)
    }

    /// Every workspace's prefs, for the digest step.
    pub fn every_prefs(&self, req: &PageRequest) -> anyhow::Result<super::Page<AlertPrefs>> {
        page::records(&self.store.alert_prefs, &[], req, Order::Ascending)
    }

    /// Up to `limit` pending (workspace, item) alerts, oldest first.
    pub fn pending(&self, limit: usize) -> anyhow::Result<Vec<(Id<Workspace>, Id<Item>)>> {
        let raw = page::scan(
            &self.store.alert_pending,
            &[],
            &PageRequest::first(limit),
            Order::Ascending,
        )?;
        Ok(raw
            .items
            .iter()
            .filter_map(|(k, _)| Some((keys::id_at(k, 0)?, keys::id_at(k, 16)?)))
            .collect())
    }

    /// Removes the pending alerts `done` and stores what they became, all at once.
    pub fn settle(&self, done: &[(Id<Workspace>, Id<Item>)], out: &Settled) -> anyhow::Result<()> {
        let s = self.store;
        let sealed = out
            .mails
            .iter()
            .map(|m| s.seal_message(m))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let hooks_sealed = out
            .deliveries
            .iter()
            .map(|d| s.seal_delivery(d))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let queued = out
            .auto_replies
            .iter()
            .map(|(_, q)| codec::encode(q))
            .collect::<anyhow::Result<Vec<_>>>()?;
        (
            &s.alert_pending,
            &s.outbox,
            &s.outbox_due,
            &s.alert_digest,
            &s.webhook_due,
            &s.auto_queue,
        )
            .transaction(|(pending, outbox, due, digest, hooks, auto)| {
                for (ws, item) in done {
                    pending.remove(&keys::pair(ws, item))?;
                }
                for (m, sealed) in out.mails.iter().zip(&sealed) {
                    super::outbox::Outbox::enqueue_tx(outbox, due, m, sealed)?;
                }
                for (ws, user, item) in &out.digest {
                    digest.insert(digest_key(ws, user, item), &[])?;
                }
                for (d, sealed) in out.deliveries.iter().zip(&hooks_sealed) {
                    hooks.insert(&keys::due(d.due_at, &d.id), sealed.as_slice())?;
                }
                for ((ws, q), value) in out.auto_replies.iter().zip(&queued) {
                    auto.insert(&keys::pair(ws, &q.item)[..], value.as_slice())?;
                }
                Ok(())
            })
            .map_err(typed::txn_any)
    }

    /// Whether any digest holds anything (a cheap check before walking everyone's prefs).
    pub fn any_digest(&self) -> anyhow::Result<bool> {
        Ok(self
            .store
            .alert_digest
            .first()
            .context("reading digests")?
            .is_some())
    }

    /// Items waiting in `user`'s digest for `ws` (at most `limit`).
    pub fn digest(
        &self,
        ws: &Id<Workspace>,
        user: &Id<User>,
        limit: usize,
    ) -> anyhow::Result<Vec<Id<Item>>> {
        let prefix = keys::pair(ws, user);
        let raw = page::scan(
            &self.store.alert_digest,
            &prefix,
            &PageRequest::first(limit),
            Order::Ascending,
        )?;
        Ok(raw
            .items
            .iter()
            .filter_map(|(k, _)| keys::id_at(k, 32))
            .collect())
    }

    /// Sends a digest: the mail queued, its items cleared and the prefs' time moved, at once.
    pub fn send_digest(
        &self,
        prefs: &AlertPrefs,
        items: &[Id<Item>],
        mail: Option<&OutboxMessage>,
        now: OffsetDateTime,
    ) -> anyhow::Result<()> {
        let s = self.store;
        let mut p = prefs.clone();
        p.last_digest_at = Some(now);
        let value = codec::encode(&p)?;
        let sealed = mail.map(|m| s.seal_message(m)).transpose()?;
        (&s.alert_digest, &s.outbox, &s.outbox_due, &s.alert_prefs)
            .transaction(|(digest, outbox, due, prefs_tree)| {
                for item in items {
                    digest.remove(digest_key(&p.workspace, &p.user, item))?;
                }
                if let (Some(m), Some(sealed)) = (mail, &sealed) {
                    super::outbox::Outbox::enqueue_tx(outbox, due, m, sealed)?;
                }
                prefs_tree.insert(&keys::pair(&p.workspace, &p.user), value.clone())?;
                Ok::<_, ConflictableTransactionError<anyhow::Error>>(())
            })
            .map_err(typed::txn_any)
    }

    pub fn put_webhook(&self, w: &Webhook) -> anyhow::Result<()> {
        typed::put(&self.store.webhooks, &keys::pair(&w.workspace, &w.id), w)
    }

    pub fn webhooks(&self, ws: &Id<Workspace>) -> anyhow::Result<Vec<Webhook>> {
        Ok(page::records(
            &self.store.webhooks,
            ws.as_bytes(),
            &PageRequest::first(1_000),
            Order::Ascending,
        )?
        .items)
    }

    pub fn webhook(&self, ws: &Id<Workspace>, id: &Id<Webhook>) -> anyhow::Result<Option<Webhook>> {
        typed::get(&self.store.webhooks, &keys::pair(ws, id))
    }

    pub fn remove_webhook(&self, ws: &Id<Workspace>, id: &Id<Webhook>) -> anyhow::Result<bool> {
        Ok(self
            .store
            .webhooks
            .remove(keys::pair(ws, id))
            .context("removing a webhook")?
            .is_some())
    }

    /// Deliveries due at `now` (at most `limit`), oldest first.
    /// When the earliest webhook delivery waiting (new or to retry) is due.
    pub fn next_delivery_due(&self) -> anyhow::Result<Option<OffsetDateTime>> {
        let first = self
            .store
            .webhook_due
            .first()
            .context("reading webhook deliveries")?;
        Ok(first.and_then(|(key, _)| keys::due_time(&key)))
    }

    pub fn due_deliveries(
        &self,
        now: OffsetDateTime,
        limit: usize,
    ) -> anyhow::Result<Vec<WebhookDelivery>> {
        let upper = keys::due_upper_bound(now);
        // Collected first: no iterator stays alive across the reads and removals below.
        let raw: Vec<(kv::IVec, kv::IVec)> = self
            .store
            .webhook_due
            .range(..upper.to_vec())
            .take(limit)
            .collect::<Result<_, _>>()
            .context("reading webhook deliveries")?;
        let mut out = Vec::new();
        for (k, v) in raw {
            match self.store.unseal::<WebhookDelivery>(&v)? {
                Some(d) => out.push(d),
                // The item's author was erased: what it would have sent is unreadable; drop it.
                None => {
                    self.store
                        .webhook_due
                        .remove(k)
                        .context("dropping a webhook delivery")?;
                }
            }
        }
        Ok(out)
    }

    /// Done (None) or due again later.
    pub fn reschedule_delivery(
        &self,
        d: &WebhookDelivery,
        next: Option<&WebhookDelivery>,
    ) -> anyhow::Result<()> {
        let s = &self.store.webhook_due;
        let mut batch = kv::Batch::default();
        batch.remove(keys::due(d.due_at, &d.id).to_vec());
        if let Some(n) = next {
            batch.insert(
                keys::due(n.due_at, &n.id).to_vec(),
                self.store.seal_delivery(n)?,
            );
        }
        s.apply_batch(batch)
            .context("rescheduling a webhook delivery")?;
        Ok(())
    }
}

impl Store {
    /// A webhook delivery sealed with the key of the item it quotes, so erasing the item's
    /// author makes it unreadable (old deliveries, without an item, are kept plain).
    fn seal_delivery(&self, d: &WebhookDelivery) -> anyhow::Result<Vec<u8>> {
        match &d.item {
            Some(item) => self.seal(&super::PersonRef::item(&d.workspace, item), d),
            None => codec::encode(d),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::{Id, WebhookDelivery};
    use crate::store::Store;
    use time::macros::datetime;

    #[test]
    fn the_next_delivery_due_is_the_earliest_waiting_one() {
        let dir = tempfile::tempdir().unwrap();
        let now = datetime!(2026-05-01 12:00 UTC);
        let store = Store::open(dir.path(), 16, now).unwrap();
        let alerts = store.alerts();
        assert_eq!(alerts.next_delivery_due().unwrap(), None);
        let delivery = |minutes: i64| WebhookDelivery {
            id: Id::generate(now),
            workspace: Id::generate(now),
            webhook: Id::generate(now),
            item: None,
            event: "item.created".into(),
            body: "{}".into(),
            attempts: 1,
            last_error: Some("503".into()),
            due_at: now + time::Duration::minutes(minutes),
        };
        let (later, sooner) = (delivery(30), delivery(2));
        // Retries are written as a reschedule of the attempt that failed.
        alerts.reschedule_delivery(&later, Some(&later)).unwrap();
        alerts.reschedule_delivery(&sooner, Some(&sooner)).unwrap();
        assert_eq!(alerts.next_delivery_due().unwrap(), Some(sooner.due_at));
        alerts.reschedule_delivery(&sooner, None).unwrap();
        assert_eq!(alerts.next_delivery_due().unwrap(), Some(later.due_at));
        alerts.reschedule_delivery(&later, None).unwrap();
        assert_eq!(alerts.next_delivery_due().unwrap(), None);
    }
}
