//! Campaigns (`campaigns`: (ws, campaign)), their recipients (`recipients`: (campaign, contact)
//! → stages), feedback (`feedback`: (ws, feedback)) and each workspace's feedback settings
//! (`feedback_settings`: ws → settings). A batch of first messages is queued in one transaction
//! with its recipients, the contacts' last-asked times and the campaign's cursor.
use crate::store::kv;

use super::outbox::Outbox;
use super::page::{self, Order, PageRequest};
use super::{Page, PersonRef, Store, codec, keys, typed};
use crate::domain::{
    Campaign, Contact, Feedback, FeedbackSettings, Funnel, Id, OutboxMessage, Recipient, Workspace,
};
use anyhow::Context;
use kv::Transactional;
use kv::transaction::ConflictableTransactionError;

pub struct Campaigns<'a> {
    pub(super) store: &'a Store,
}

/// One message of a batch: to whom, whether it is the reminder, the mail itself.
pub struct Queued {
    pub contact: Id<Contact>,
    pub reminder: bool,
    pub message: OutboxMessage,
}

impl Campaigns<'_> {
    pub fn get(&self, ws: &Id<Workspace>, id: &Id<Campaign>) -> anyhow::Result<Option<Campaign>> {
        typed::get(&self.store.campaigns, &keys::pair(ws, id))
    }

    pub fn put(&self, c: &Campaign) -> anyhow::Result<()> {
        typed::put(&self.store.campaigns, &keys::pair(&c.workspace, &c.id), c)?;
        self.note(c)
    }

    /// Keeps `campaigns_active` in step with a campaign just written. Written after it (not in
    /// one transaction): an entry left stale by a crash is dropped by `active`, and the whole
    /// index is rebuilt on open.
    fn note(&self, c: &Campaign) -> anyhow::Result<()> {
        let key = keys::pair(&c.workspace, &c.id);
        if c.status.may_have_work() {
            self.store.campaigns_active.insert(key, &[])?;
        } else {
            self.store.campaigns_active.remove(key)?;
        }
        Ok(())
    }

    /// Rebuilds `campaigns_active` from the campaigns (on open: a store from before the index,
    /// a restore, a crash between a campaign and its entry). Keys are collected first, so no
    /// iterator is alive across a write.
    pub(super) fn rebuild_active(&self) -> anyhow::Result<()> {
        let mut active = Vec::new();
        for entry in self.store.campaigns.iter() {
            let (k, v) = entry.context("scanning campaigns")?;
            let c: Campaign = codec::decode(&v)?;
            if c.status.may_have_work() {
                active.push(k);
            }
        }
        self.store.campaigns_active.clear()?;
        let mut batch = kv::Batch::default();
        for k in active {
            batch.insert(k, &[]);
        }
        self.store.campaigns_active.apply_batch(batch)?;
        Ok(())
    }

    /// How many campaigns a workspace has (for the plan's cap), counting at most `up_to`.
    pub fn count(&self, ws: &Id<Workspace>, up_to: usize) -> anyhow::Result<usize> {
        Ok(page::keys(&self.store.campaigns, ws.as_bytes(), up_to)?.len())
    }

    /// Changes a campaign atomically; `change` returns false to leave it alone.
    pub fn update(
        &self,
        ws: &Id<Workspace>,
        id: &Id<Campaign>,
        change: impl Fn(&mut Campaign) -> bool,
    ) -> anyhow::Result<Option<Campaign>> {
        let changed = typed::update(&self.store.campaigns, &keys::pair(ws, id), change)?;
        if let Some(c) = &changed {
            self.note(c)?;
        }
        Ok(changed)
    }

    /// Deletes a campaign that is still a draft (it has no recipients). `Ok(None)`: no such
    /// campaign; `Ok(Some(false))`: it is not a draft (any more).
    pub fn remove_draft(
        &self,
        ws: &Id<Workspace>,
        id: &Id<Campaign>,
    ) -> anyhow::Result<Option<bool>> {
        let key = keys::pair(ws, id);
        let result = self.store.campaigns.transaction(|t| {
            let Some(raw) = t.get(key)? else {
                return Ok(None);
            };
            let c: Campaign = codec::decode(&raw).map_err(ConflictableTransactionError::Abort)?;
            if c.status != crate::domain::CampaignStatus::Draft {
                return Ok(Some(false));
            }
            t.remove(&key[..])?;
            Ok(Some(true))
        });
        result.map_err(typed::txn_any)
    }

    /// Newest first.
    pub fn page(&self, ws: &Id<Workspace>, req: &PageRequest) -> anyhow::Result<Page<Campaign>> {
        page::records(&self.store.campaigns, ws.as_bytes(), req, Order::Descending)
    }

    /// Every campaign of every workspace that may have work: for the campaign worker. Read
    /// through `campaigns_active` (keys collected before any other read), so the cost follows
    /// the campaigns at work, never the drafts and finished ones.
    pub fn active(&self) -> anyhow::Result<Vec<Campaign>> {
        let mut keys = Vec::new();
        for entry in self.store.campaigns_active.iter() {
            keys.push(entry.context("scanning active campaigns")?.0);
        }
        let mut out = Vec::new();
        for k in keys {
            match typed::get::<Campaign>(&self.store.campaigns, &k)? {
                Some(c) if c.status.may_have_work() => out.push(c),
                // Finished or gone since: the entry is stale.
                _ => {
                    self.store.campaigns_active.remove(&k)?;
                }
            }
        }
        Ok(out)
    }

    pub fn recipient(
        &self,
        campaign: &Id<Campaign>,
        contact: &Id<Contact>,
    ) -> anyhow::Result<Option<Recipient>> {
        typed::get(&self.store.recipients, &keys::pair(campaign, contact))
    }

    /// Changes a recipient's stages atomically; `change` returns false when nothing changed.
    pub fn update_recipient(
        &self,
        campaign: &Id<Campaign>,
        contact: &Id<Contact>,
        change: impl Fn(&mut Recipient) -> bool,
    ) -> anyhow::Result<Option<Recipient>> {
        typed::update(
            &self.store.recipients,
            &keys::pair(campaign, contact),
            change,
        )
    }

    /// Up to `n` recipients after `after`, in contact order.
    pub fn recipients_after(
        &self,
        campaign: &Id<Campaign>,
        after: Option<&Id<Contact>>,
        n: usize,
    ) -> anyhow::Result<Vec<(Id<Contact>, Recipient)>> {
        let req = PageRequest {
            cursor: after.map(|id| hex::encode(id.as_bytes())),
            limit: n,
        };
        let raw = page::scan(
            &self.store.recipients,
            campaign.as_bytes(),
            &req,
            Order::Ascending,
        )?;
        raw.items
            .iter()
            .map(|(k, v)| {
                let id = keys::id_at(k, 16).context("a recipient key")?;
                Ok((id, codec::decode(v)?))
            })
            .collect()
    }

    /// The funnel, counted over every recipient (pages of 1,000, no iterator kept).
    pub fn funnel(&self, campaign: &Id<Campaign>) -> anyhow::Result<Funnel> {
        let mut funnel = Funnel::default();
        let mut after = None;
        loop {
            let batch = self.recipients_after(campaign, after.as_ref(), 1000)?;
            for (_, r) in &batch {
                funnel.add(r);
            }
            match batch.last() {
                Some((id, _)) if batch.len() == 1000 => after = Some(*id),
                _ => return Ok(funnel),
            }
        }
    }

    /// Stores the campaign as changed (cursor, counters), and each message with its recipient
    /// stage and its contact's last-asked time, all or nothing. Recipients and contacts are
    /// read inside the transaction, so a concurrent unsubscribe or restriction is not undone.
    ///
    /// The frequency cap is checked here again, where no other campaign can interleave: a
    /// first message to a contact asked within `cap`, or still waiting in another campaign's
    /// queue, is not queued but recorded as skipped.
    pub fn queue_batch(
        &self,
        campaign: &Campaign,
        batch: &[Queued],
        cap: time::Duration,
        now: time::OffsetDateTime,
    ) -> anyhow::Result<()> {
        let s = self.store;
        let campaign_value = codec::encode(campaign)?;
        let ws = campaign.workspace;
        let sealed = batch
            .iter()
            .map(|q| s.seal_message(&q.message))
            .collect::<anyhow::Result<Vec<_>>>()?;
        s.lookup_key()?;
        (
            &s.campaigns,
            &s.recipients,
            &s.contacts,
            &s.outbox,
            &s.outbox_due,
            &s.person_keys,
        )
            .transaction(
                |(campaigns, recipients, contacts, outbox, due, person_keys)| {
                    let abort = ConflictableTransactionError::Abort;
                    campaigns.insert(&keys::pair(&ws, &campaign.id), campaign_value.clone())?;
                    for (q, message) in batch.iter().zip(&sealed) {
                        let contact_key = keys::pair(&ws, &q.contact);
                        let Some(raw) = contacts.get(contact_key)? else {
                            continue; // deleted meanwhile: nobody to write to
                        };
                        let Some(mut contact): Option<Contact> =
                            Store::unseal_tx(person_keys, &raw)?
                        else {
                            continue; // erased meanwhile
                        };
                        let rkey = keys::pair(&campaign.id, &q.contact);
                        let mut r: Recipient = match recipients.get(rkey)? {
                            Some(raw) => codec::decode(&raw).map_err(abort)?,
                            None => Recipient::default(),
                        };
                        if !q.reminder
                            && let Some(why) = held_back(&contact, campaign, recipients, cap, now)?
                        {
                            r.skipped.get_or_insert(why);
                            recipients.insert(&rkey, codec::encode(&r).map_err(abort)?)?;
                            continue;
                        }
                        contact.last_asked_at = Some(now);
                        contact.last_campaign = Some(campaign.id);
                        // The lookup key was cached above: no store read in here.
                        let who = s.contact_ref(&ws, &contact.email).map_err(abort)?;
                        let value = Store::reseal_tx(person_keys, &raw, who, &contact)?;
                        contacts.insert(&contact_key, value)?;
                        if q.reminder {
                            r.reminded_at = Some(now);
                        } else {
                            r.queued_at = Some(now);
                        }
                        recipients.insert(&rkey, codec::encode(&r).map_err(abort)?)?;
                        Outbox::enqueue_tx(outbox, due, &q.message, message)?;
                    }
                    Ok(())
                },
            )
            .map_err(typed::txn_any)?;
        self.note(campaign)
    }

    pub fn remove_recipient(
        &self,
        campaign: &Id<Campaign>,
        contact: &Id<Contact>,
    ) -> anyhow::Result<bool> {
        Ok(self
            .store
            .recipients
            .remove(keys::pair(campaign, contact))
            .context("removing a recipient")?
            .is_some())
    }

    pub fn remove_feedback(&self, ws: &Id<Workspace>, id: &Id<Feedback>) -> anyhow::Result<bool> {
        Ok(self
            .store
            .feedback
            .remove(keys::pair(ws, id))
            .context("removing feedback")?
            .is_some())
    }

    pub fn feedback(
        &self,
        ws: &Id<Workspace>,
        id: &Id<Feedback>,
    ) -> anyhow::Result<Option<Feedback>> {
        self.store
            .unseal_at(&self.store.feedback, &keys::pair(ws, id))
    }

    /// Stores an answer sealed with its customer's key (its own when the contact is gone).
    pub fn put_feedback(&self, f: &Feedback) -> anyhow::Result<()> {
        let s = self.store;
        let who = s.feedback_ref(f)?;
        s.feedback
            .insert(keys::pair(&f.workspace, &f.id), s.seal(&who, f)?)
            .context("writing feedback")?;
        Ok(())
    }

    /// Answers in `ws` that may be `who`'s: sealed with their key, or plain (see
    /// `Store::sealed_for`).
    pub fn feedback_sealed_for(
        &self,
        ws: &Id<Workspace>,
        who: &PersonRef,
    ) -> anyhow::Result<Vec<Feedback>> {
        self.store
            .sealed_for(&self.store.feedback, ws.as_bytes(), who)
    }

    /// Newest first.
    pub fn feedback_page(
        &self,
        ws: &Id<Workspace>,
        req: &PageRequest,
    ) -> anyhow::Result<Page<Feedback>> {
        let raw = page::scan(&self.store.feedback, ws.as_bytes(), req, Order::Descending)?;
        let mut items = Vec::with_capacity(raw.items.len());
        for (_, v) in &raw.items {
            items.extend(self.store.unseal(v)?);
        }
        Ok(Page {
            items,
            next: raw.next,
        })
    }

    pub fn settings(&self, ws: &Id<Workspace>) -> anyhow::Result<Option<FeedbackSettings>> {
        typed::get(&self.store.feedback_settings, ws.as_bytes())
    }

    pub fn put_settings(&self, ws: &Id<Workspace>, s: &FeedbackSettings) -> anyhow::Result<()> {
        typed::put(&self.store.feedback_settings, ws.as_bytes(), s)
    }
}

impl Store {
    /// Whose key seals an answer: its customer's, or its own once the contact is gone.
    pub(super) fn feedback_ref(&self, f: &Feedback) -> anyhow::Result<PersonRef> {
        let contact = match &f.contact {
            Some(c) => self.contacts().get(&f.workspace, c)?,
            None => None,
        };
        Ok(match contact {
            Some(c) => self.contact_ref(&f.workspace, &c.email)?,
            None => PersonRef::feedback(&f.workspace, &f.id),
        })
    }
}

/// Why a first message to `contact` must wait for another time: asked within `cap`, or
/// still waiting in another campaign's queue.
fn held_back(
    contact: &Contact,
    campaign: &Campaign,
    recipients: &kv::transaction::TransactionalTree,
    cap: time::Duration,
    now: time::OffsetDateTime,
) -> kv::transaction::ConflictableTransactionResult<Option<String>, anyhow::Error> {
    if contact.last_asked_at.is_some_and(|at| at > now - cap) {
        return Ok(Some(format!(
            "asked by a campaign within the last {} days (frequency cap)",
            cap.whole_days()
        )));
    }
    let Some(other) = contact.last_campaign.filter(|o| *o != campaign.id) else {
        return Ok(None);
    };
    let waiting = match recipients.get(keys::pair(&other, &contact.id))? {
        Some(raw) => {
            let r: Recipient = codec::decode(&raw)
                .map_err(kv::transaction::ConflictableTransactionError::Abort)?;
            r.queued_at.is_some()
                && r.delivered_at.is_none()
                && r.bounced.is_none()
                && r.failed.is_none()
                && r.skipped.is_none()
        }
        None => false,
    };
    Ok(waiting.then(|| "still waiting in another campaign's queue".to_string()))
}
