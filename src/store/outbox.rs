//! The durable outbox: messages by id plus a due index ((due time, id) → ()) of pending ones.
use crate::store::kv;

use super::{PersonRef, Store, keys};
use crate::domain::{DeliveryState, Id, OutboxMessage};
use anyhow::Context;
use kv::Transactional;
use kv::transaction::{ConflictableTransactionError, TransactionError};
use serde::Serialize;
use time::{Duration, OffsetDateTime};

pub struct Outbox<'a> {
    pub(super) store: &'a Store,
    pub(super) outbox: &'a kv::Tree,
    pub(super) due: &'a kv::Tree,
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxCounts {
    pub queued: u64,
    pub sending: u64,
    pub sent: u64,
    pub failed: u64,
    pub cancelled: u64,
}

/// How many due entries one claim looks at; others claiming at once may take some of them.
const CLAIM_CANDIDATES: usize = 16;

fn is_pending(state: &DeliveryState) -> bool {
    matches!(state, DeliveryState::Queued | DeliveryState::Leased { .. })
}

impl Outbox<'_> {
    /// Stores a new message as queued and due at `msg.due_at`.
    pub fn enqueue(&self, msg: &OutboxMessage) -> anyhow::Result<()> {
        let value = self.store.seal_message(msg)?;
        (self.outbox, self.due)
            .transaction(|(outbox, due)| {
                outbox.insert(&keys::id(&msg.id), value.clone())?;
                due.insert(&keys::due(msg.due_at, &msg.id), &[])?;
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .map_err(|e| anyhow::anyhow!("queueing a message: {e:?}"))
    }

    /// Queues inside a transaction over (outbox, outbox_due): a message is stored together with
    /// the change that causes it, or not at all. `sealed` is `Store::seal_message(msg)`, made
    /// before the transaction.
    pub(in crate::store) fn enqueue_tx(
        outbox: &kv::transaction::TransactionalTree,
        due: &kv::transaction::TransactionalTree,
        msg: &OutboxMessage,
        sealed: &[u8],
    ) -> Result<(), kv::transaction::UnabortableTransactionError> {
        outbox.insert(&keys::id(&msg.id), sealed)?;
        due.insert(&keys::due(msg.due_at, &msg.id), &[])?;
        Ok(())
    }

    pub fn get(&self, id: &Id<OutboxMessage>) -> anyhow::Result<Option<OutboxMessage>> {
        self.store.unseal_at(self.outbox, &keys::id(id))
    }

    /// Number of messages still to be delivered (queued or being sent).
    pub fn pending(&self) -> usize {
        self.due.len()
    }

    /// When the earliest message still to be delivered is due (queued, deferred or leased):
    /// what an idle sender may wait for.
    pub fn next_due(&self) -> anyhow::Result<Option<OffsetDateTime>> {
        let first = self.due.first().context("reading the due index")?;
        Ok(first.and_then(|(key, _)| keys::due_time(&key)))
    }

    /// Claims the oldest due message with a lease until `now + lease`: counts an attempt and
    /// moves its due entry to the lease expiry, so a sender that dies leaves it to be retried.
    pub fn claim_due(
        &self,
        now: OffsetDateTime,
        lease: Duration,
    ) -> anyhow::Result<Option<OutboxMessage>> {
        let upper = keys::due_upper_bound(now);
        // Collect a few candidates and drop the iterator before any transaction: an iterator
        // alive across a transaction while a batch waits is sled 0.34's deadlock.
        let mut candidates = Vec::with_capacity(CLAIM_CANDIDATES);
        for entry in self.due.range(..upper.as_slice()).take(CLAIM_CANDIDATES) {
            candidates.push(entry.context("scanning the due index")?.0);
        }
        for key in candidates {
            let Some(id) = keys::due_id(&key) else {
                continue;
            };
            let claimed = self.update(&id, |msg| {
                if !is_pending(&msg.state) || keys::due(msg.due_at, &msg.id)[..] != key[..] {
                    return false; // someone else moved it since we looked
                }
                msg.attempts += 1;
                msg.due_at = now + lease;
                msg.state = DeliveryState::Leased { until: msg.due_at };
                true
            })?;
            if let Some(msg) = claimed {
                return Ok(Some(msg));
            }
            if !self.outbox.contains_key(keys::id(&id))? {
                // An entry whose message is gone (removed while unreadable): not due any more.
                self.due
                    .remove(&key)
                    .context("dropping a stale due entry")?;
            }
        }
        Ok(None)
    }

    /// Records delivery and drops the bodies: they may carry single-use links (whose tokens are
    /// otherwise kept only as hashes), and a delivered body is never needed again.
    pub fn mark_sent(&self, id: &Id<OutboxMessage>, now: OffsetDateTime) -> anyhow::Result<()> {
        self.update(id, |msg| {
            msg.state = DeliveryState::Sent { at: now };
            msg.last_error = None;
            msg.text.clear();
            msg.html = None;
            true
        })?;
        Ok(())
    }

    /// Puts a message back in the queue after a temporary failure.
    pub fn reschedule(
        &self,
        id: &Id<OutboxMessage>,
        at: OffsetDateTime,
        error: &str,
    ) -> anyhow::Result<()> {
        self.update(id, |msg| {
            msg.state = DeliveryState::Queued;
            msg.due_at = at;
            msg.last_error = Some(error.to_string());
            true
        })?;
        Ok(())
    }

    pub fn mark_failed(
        &self,
        id: &Id<OutboxMessage>,
        now: OffsetDateTime,
        reason: &str,
    ) -> anyhow::Result<()> {
        self.update(id, |msg| {
            msg.state = DeliveryState::Failed {
                at: now,
                reason: reason.to_string(),
            };
            msg.last_error = Some(reason.to_string());
            true
        })?;
        Ok(())
    }

    /// Drops a message that must not be sent any more (its address was suppressed meanwhile).
    pub fn cancel(
        &self,
        id: &Id<OutboxMessage>,
        now: OffsetDateTime,
        reason: &str,
    ) -> anyhow::Result<()> {
        self.update(id, |msg| {
            msg.state = DeliveryState::Cancelled {
                at: now,
                reason: reason.to_string(),
            };
            msg.text.clear();
            msg.html = None;
            true
        })?;
        Ok(())
    }

    /// Puts a claimed message back until `at` without counting the attempt (its campaign is
    /// paused: nothing was tried).
    pub fn defer(&self, id: &Id<OutboxMessage>, at: OffsetDateTime) -> anyhow::Result<()> {
        self.update(id, |msg| {
            msg.state = DeliveryState::Queued;
            msg.attempts = msg.attempts.saturating_sub(1);
            msg.due_at = at;
            true
        })?;
        Ok(())
    }

    /// Removes a message and its due entry (a data-subject erasure).
    pub fn remove(&self, id: &Id<OutboxMessage>) -> anyhow::Result<bool> {
        let trees = (self.outbox, self.due, &self.store.person_keys);
        let result = trees.transaction(|(outbox, due, person_keys)| {
            let Some(raw) = outbox.get(keys::id(id))? else {
                return Ok(false);
            };
            // The due entry's key holds the due time; an unreadable message (its person erased)
            // cannot say it, and `claim_due` drops such an entry when it comes due.
            let msg: Option<OutboxMessage> = Store::unseal_tx(person_keys, &raw)?;
            if let Some(msg) = msg {
                due.remove(&keys::due(msg.due_at, &msg.id))?;
            }
            outbox.remove(&keys::id(id))?;
            Ok(true)
        });
        match result {
            Ok(done) => {
                self.store.shred(&PersonRef::message(id))?;
                Ok(done)
            }
            Err(TransactionError::Abort(e)) => Err(e),
            Err(TransactionError::Storage(e)) => Err(e).context("removing an outbox message"),
        }
    }

    /// Rebuilds the due index from the messages (after a restore: the backup may hold a
    /// message without its due entry, which would never be sent, or the other way round).
    pub fn reindex_due(&self) -> anyhow::Result<usize> {
        self.due.clear().context("clearing the due index")?;
        let mut n = 0;
        for msg in self.all()? {
            if is_pending(&msg.state) {
                self.due
                    .insert(keys::due(msg.due_at, &msg.id), &[])
                    .context("rebuilding the due index")?;
                n += 1;
            }
        }
        Ok(n)
    }

    /// At start-up this process owns the store, so every lease is a dead process's: make those
    /// messages due now instead of waiting for their leases to run out.
    pub fn release_leases(&self, now: OffsetDateTime) -> anyhow::Result<usize> {
        let mut released = 0;
        let mut ids = Vec::new();
        for key in self.due.iter().keys() {
            ids.extend(keys::due_id(&key.context("scanning the due index")?));
        }
        for id in ids {
            let moved = self.update(&id, |msg| {
                if !matches!(msg.state, DeliveryState::Leased { .. }) {
                    return false;
                }
                msg.state = DeliveryState::Queued;
                msg.due_at = now;
                true
            })?;
            released += usize::from(moved.is_some());
        }
        Ok(released)
    }

    /// Messages that may concern `who`: sealed with their key, or plain (see
    /// `Store::sealed_for`).
    pub fn sealed_for(&self, who: &PersonRef) -> anyhow::Result<Vec<OutboxMessage>> {
        self.store.sealed_for(self.outbox, &[], who)
    }

    /// Every stored message, delivered or not: for admin commands and tests, not requests.
    pub fn all(&self) -> anyhow::Result<Vec<OutboxMessage>> {
        let mut values = Vec::new();
        for entry in self.outbox.iter().values() {
            values.push(entry.context("scanning the outbox")?);
        }
        let mut out = Vec::with_capacity(values.len());
        for v in values {
            out.extend(self.store.unseal(&v)?);
        }
        Ok(out)
    }

    /// Counts by state. Scans every stored message: for admin commands and tests, not requests.
    pub fn counts(&self) -> anyhow::Result<OutboxCounts> {
        let mut counts = OutboxCounts::default();
        for msg in self.all()? {
            match msg.state {
                DeliveryState::Queued => counts.queued += 1,
                DeliveryState::Leased { .. } => counts.sending += 1,
                DeliveryState::Sent { .. } => counts.sent += 1,
                DeliveryState::Failed { .. } => counts.failed += 1,
                DeliveryState::Cancelled { .. } => counts.cancelled += 1,
            }
        }
        Ok(counts)
    }

    /// Applies `change` to a message in one transaction with its due entry; `change` returns
    /// false to leave it alone. Returns the message as written, if it was.
    fn update(
        &self,
        id: &Id<OutboxMessage>,
        change: impl Fn(&mut OutboxMessage) -> bool,
    ) -> anyhow::Result<Option<OutboxMessage>> {
        let trees = (self.outbox, self.due, &self.store.person_keys);
        let result = trees.transaction(|(outbox, due, person_keys)| {
            let Some(raw) = outbox.get(keys::id(id))? else {
                return Ok(None);
            };
            let msg: Option<OutboxMessage> = Store::unseal_tx(person_keys, &raw)?;
            let Some(mut msg) = msg else {
                // Its person was erased: never sent. What is left is noise; drop it.
                outbox.remove(&keys::id(id))?;
                return Ok(None);
            };
            let old_key = keys::due(msg.due_at, &msg.id);
            if !change(&mut msg) {
                return Ok(None);
            }
            due.remove(&old_key)?;
            if is_pending(&msg.state) {
                due.insert(&keys::due(msg.due_at, &msg.id), &[])?;
            }
            let value = Store::reseal_tx(person_keys, &raw, PersonRef::message(id), &msg)?;
            outbox.insert(&keys::id(id), value)?;
            Ok(Some(msg))
        });
        match result {
            Ok(msg) => Ok(msg),
            Err(TransactionError::Abort(e)) => Err(e),
            Err(TransactionError::Storage(e)) => Err(e).context("updating an outbox message"),
        }
    }
}

/// The address of a `To` value, bare or with a display name.
fn address_of(to: &str) -> Option<crate::domain::Email> {
    let mailbox: lettre::message::Mailbox = to.parse().ok()?;
    crate::domain::Email::parse(mailbox.email.as_ref()).ok()
}

impl Store {
    /// A message sealed with the key of the person it is about: a campaign's customer (so
    /// erasing them shreds it wherever it lies), else a key of its own, shredded with it.
    pub(super) fn seal_message(&self, msg: &OutboxMessage) -> anyhow::Result<Vec<u8>> {
        let who = match (&msg.campaign, &msg.about) {
            // `to` is "Name <address>" for a named customer: the key is the address's.
            (Some(c), _) => match address_of(&msg.to) {
                Some(to) => self.contact_ref(&c.workspace, &to)?,
                None => PersonRef::message(&msg.id),
            },
            (None, Some(a)) => match self.contacts().get(&a.workspace, &a.contact)? {
                Some(c) => self.contact_ref(&a.workspace, &c.email)?,
                None => PersonRef::message(&msg.id),
            },
            (None, None) => PersonRef::message(&msg.id),
        };
        self.seal(&who, msg)
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::{About, Contact, Email, Id};
    use crate::mail::templates::Rendered;
    use crate::store::{PersonRef, Store};
    use time::macros::datetime;

    #[test]
    fn the_next_due_time_is_the_earliest_message_still_to_deliver() {
        let dir = tempfile::tempdir().unwrap();
        let now = datetime!(2026-05-01 12:00 UTC);
        let store = Store::open(dir.path(), 16, now).unwrap();
        let outbox = store.outbox();
        assert_eq!(outbox.next_due().unwrap(), None);
        let from = "Plaudit <noreply@example.test>".parse().unwrap();
        let to = Email::parse("manager@example.test").unwrap();
        let body = || Rendered {
            subject: "s".into(),
            text: "t".into(),
            html: None,
        };
        let (later, sooner) = (
            now + time::Duration::minutes(5),
            now + time::Duration::minutes(1),
        );
        let first = crate::mail::message(later, &from, &to, body(), Vec::new());
        let second = crate::mail::message(sooner, &from, &to, body(), Vec::new());
        outbox.enqueue(&first).unwrap();
        outbox.enqueue(&second).unwrap();
        assert_eq!(outbox.next_due().unwrap(), Some(sooner));
        // Claimed, it is due again only when its lease ends, after the other one.
        let lease = time::Duration::minutes(10);
        let claimed = outbox.claim_due(sooner, lease).unwrap().unwrap();
        assert_eq!(claimed.id, second.id);
        assert_eq!(outbox.next_due().unwrap(), Some(later));
        outbox.mark_sent(&second.id, sooner).unwrap();
        assert_eq!(outbox.next_due().unwrap(), Some(later));
        let claimed = outbox.claim_due(later, lease).unwrap().unwrap();
        outbox.mark_sent(&claimed.id, later).unwrap();
        assert_eq!(outbox.next_due().unwrap(), None, "nothing left to deliver");
    }

    #[test]
    fn a_message_whose_person_was_shredded_is_dropped_not_sent() {
        let dir = tempfile::tempdir().unwrap();
        let now = datetime!(2026-05-01 12:00 UTC);
        let store = Store::open(dir.path(), 16, now).unwrap();
        let ws = Id::generate(now);
        let email = Email::parse("cleo@example.org").unwrap();
        let contact = Contact {
            id: Id::generate(now),
            workspace: ws,
            email: email.clone(),
            name: "Cleo".into(),
            location: None,
            source: "api".into(),
            consent: Default::default(),
            created_at: now,
            last_asked_at: None,
            restricted: false,

            last_answered_at: None,

            last_campaign: None,
        };
        store.contacts().upsert(contact.clone()).unwrap();
        let from = "Plaudit <noreply@example.test>".parse().unwrap();
        let to = Email::parse("manager@example.test").unwrap();
        let body = Rendered {
            subject: "Cleo left 1 star".into(),
            text: "Cleo says".into(),
            html: None,
        };
        let mut msg = crate::mail::message(now, &from, &to, body, Vec::new());
        msg.about = Some(About {
            workspace: ws,
            contact: contact.id,
        });
        store.outbox().enqueue(&msg).unwrap();
        // Her campaign mail, addressed with her name: sealed with her key too.
        let body = Rendered {
            subject: "How was it?".into(),
            text: "Dear Cleo".into(),
            html: None,
        };
        let mut mail = crate::mail::message(now, &from, &email, body, Vec::new());
        mail.to = "Cleo Named <cleo@example.org>".into();
        mail.campaign = Some(crate::domain::CampaignMail {
            workspace: ws,
            campaign: Id::generate(now),
            contact: contact.id,
            reminder: false,
        });
        store.outbox().enqueue(&mail).unwrap();
        let who = PersonRef::contact(&store.contacts().email_key(&ws, &email).unwrap());
        assert_eq!(store.outbox().sealed_for(&who).unwrap().len(), 2);
        let key = store.contacts().email_key(&ws, &email).unwrap();
        assert!(store.shred(&PersonRef::contact(&key)).unwrap());
        // Unreadable now: never claimed, and it and its due entry go.
        let claimed = store
            .outbox()
            .claim_due(now, time::Duration::minutes(5))
            .unwrap();
        assert!(claimed.is_none());
        let claimed = store
            .outbox()
            .claim_due(now, time::Duration::minutes(5))
            .unwrap();
        assert!(claimed.is_none());
        assert_eq!(store.outbox().pending(), 0);
        assert!(store.outbox.is_empty());
    }
}
