//! Data-subject requests about an outsider (a customer asked for feedback) in one workspace,
//! found by email: access (export), erasure, restriction, rectification and objection to
//! email (`rectify`). Each is recorded in the audit log
//! without the address itself.

use super::auth::{Actor, Principal};
use super::{Ctx, Error, Result, audit};
use crate::domain::{
    Access, Campaign, Contact, Email, Feedback, Id, OutboxMessage, Recipient, Suppression,
    Workspace,
};
use crate::store::{PageRequest, PersonRef, Store};

pub mod account;
mod erase;
mod export;
mod operator;
mod rectify;
pub mod reviewers;

pub use erase::{erase, erase_confirmed, erase_found, erase_in, erase_key, replay_journal};
pub use export::export_of;
pub use operator::{Who, by_operator};
pub use rectify::{Correction, object, object_in, rectify, rectify_in};
use serde::Serialize;
use serde_json::Value;

/// Everything the workspace holds about one address.
pub struct Found {
    pub contact: Option<Contact>,
    pub suppression: Option<Suppression>,
    pub recipients: Vec<(Campaign, Recipient)>,
    pub feedback: Vec<Feedback>,
    pub messages: Vec<OutboxMessage>,
    /// Client report plans listing the address as a recipient.
    pub report_plans: Vec<crate::domain::ReportPlan>,
}

fn campaigns_of(store: &Store, ws: &Id<Workspace>) -> Result<Vec<Campaign>> {
    let mut out = Vec::new();
    let mut req = PageRequest::first(200);
    loop {
        let page = store.campaigns().page(ws, &req)?;
        out.extend(page.items);
        match page.next {
            Some(n) => req.cursor = Some(n),
            None => return Ok(out),
        }
    }
}

/// Collects every record about `email` in `ws` (a scan of the workspace's campaigns, feedback
/// and the outbox: this is an administrative request, not a page).
pub fn find(store: &Store, ws: &Id<Workspace>, email: &Email) -> Result<Found> {
    let key = store.contacts().email_key(ws, email)?;
    let contact = store.contacts().by_email_key(ws, &key)?;
    let suppression = store.contacts().suppression(ws, email)?;
    linked(store, ws, &key, contact, suppression, Some(email))
}

/// What is linked to `contact` in `ws`, plus campaign mail addressed to `email` (mail of a
/// contact deleted earlier is found by address; a replayed erasure has only the contact).
/// Feedback and mail are looked for among the records sealed with the key of the address's
/// keyed hash `key` (and plain ones from before sealing), not among everybody's.
fn linked(
    store: &Store,
    ws: &Id<Workspace>,
    key: &[u8],
    contact: Option<Contact>,
    suppression: Option<Suppression>,
    email: Option<&Email>,
) -> Result<Found> {
    let who = PersonRef::contact(key);
    let mut recipients = Vec::new();
    let mut feedback = Vec::new();
    if let Some(c) = &contact {
        for campaign in campaigns_of(store, ws)? {
            if let Some(r) = store.campaigns().recipient(&campaign.id, &c.id)? {
                recipients.push((campaign, r));
            }
        }
        let theirs = store.campaigns().feedback_sealed_for(ws, &who)?;
        feedback.extend(theirs.into_iter().filter(|f| f.contact == Some(c.id)));
    }
    let address = email.map(|e| format!("<{}>", e.as_str()));
    let messages = store
        .outbox()
        .sealed_for(&who)?
        .into_iter()
        .filter(|m| {
            let about_them = m.about.as_ref().is_some_and(|a| {
                a.workspace == *ws && contact.as_ref().is_some_and(|c| c.id == a.contact)
            });
            about_them
                || m.campaign.as_ref().is_some_and(|l| {
                    l.workspace == *ws
                        && (contact.as_ref().is_some_and(|c| c.id == l.contact)
                            || email.zip(address.as_ref()).is_some_and(|(e, a)| {
                                m.to == e.as_str() || m.to.ends_with(a.as_str())
                            }))
                })
        })
        .collect();
    let mut messages: Vec<OutboxMessage> = messages;
    // Client reports to the address (plain: a business contact, not sealed per person).
    if let Some(e) = email {
        let ws_header = ws.to_string();
        messages.extend(store.outbox().all()?.into_iter().filter(|m| {
            m.to == e.as_str()
                && m.headers.iter().any(|(n, _)| n == "X-Plaudit-Report")
                && m.headers
                    .iter()
                    .any(|(n, v)| n == "X-Plaudit-Workspace" && *v == ws_header)
        }));
    }
    let mut report_plans = Vec::new();
    for plan in store.reports().plans(ws)? {
        let mut named = false;
        for r in &plan.recipients {
            if let crate::domain::RecipientTo::Email(a) = &r.to {
                named |= store.contacts().email_key(ws, a)?.as_slice() == key;
            }
        }
        if named {
            report_plans.push(plan);
        }
    }
    Ok(Found {
        contact,
        suppression,
        recipients,
        feedback,
        messages,
        report_plans,
    })
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Counts {
    pub contacts: usize,
    pub campaign_messages: usize,
    pub feedback: usize,
    pub outgoing_mail: usize,
    /// 1 when the address is (now) on the suppression list as a keyed hash.
    pub suppressed: usize,
    /// Client report plans it was (or would be) taken off.
    pub report_recipients: usize,
}

impl Counts {
    /// Nothing was (or would be) found.
    pub fn is_empty(&self) -> bool {
        *self == Counts::default()
    }

    /// The counts in one word, as a preview's confirmation carries them back.
    pub fn key(&self) -> String {
        format!(
            "{}-{}-{}-{}-{}-{}",
            self.contacts,
            self.campaign_messages,
            self.feedback,
            self.outgoing_mail,
            self.suppressed,
            self.report_recipients
        )
    }
}

impl Found {
    /// What an erasure would remove: the numbers a preview shows before anything goes.
    pub fn counts(&self) -> Counts {
        Counts {
            contacts: usize::from(self.contact.is_some()),
            campaign_messages: self.recipients.len(),
            feedback: self.feedback.len(),
            outgoing_mail: self.messages.len(),
            suppressed: usize::from(self.suppression.is_some()),
            report_recipients: self.report_plans.len(),
        }
    }
}

/// What the workspace holds about `email`, counted and nothing changed: the page shows it
/// before an export or an erasure (numbers only, to an owner; not audited).
pub fn preview(ctx: &Ctx, actor: &Actor, ws: &Id<Workspace>, email: &str) -> Result<Counts> {
    workspace(ctx, actor, ws)?;
    let email = email_of(email)?;
    Ok(find(&ctx.store, ws, &email)?.counts())
}

fn workspace(ctx: &Ctx, principal: &Principal, ws: &Id<Workspace>) -> Result<Workspace> {
    Ok(ctx.enter(principal, ws, Access::Admin)?.workspace)
}

fn email_of(raw: &str) -> Result<Email> {
    Email::parse(raw).map_err(Error::Invalid)
}

pub fn export(ctx: &Ctx, actor: &Actor, ws: &Id<Workspace>, email: &str) -> Result<Value> {
    Ok(export_with(ctx, actor, ws, email, false)?.unwrap_or_default())
}

/// `export`, or None (nothing audited) when the workspace holds nothing about the address:
/// the page says so rather than handing over a file of empty lists. One look-up.
pub fn export_if_any(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    email: &str,
) -> Result<Option<Value>> {
    export_with(ctx, actor, ws, email, true)
}

fn export_with(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    email: &str,
    only_if_any: bool,
) -> Result<Option<Value>> {
    let w = workspace(ctx, actor, ws)?;
    let email = email_of(email)?;
    let found = find(&ctx.store, ws, &email)?;
    if only_if_any && found.counts().is_empty() {
        return Ok(None);
    }
    audit::record(
        ctx,
        ws,
        actor,
        "privacy.exported",
        &subject_label(found.contact.as_ref()),
    );
    Ok(Some(export_of(&relay_of(ctx), &w, &email, &found)))
}

/// Who receives campaign mail on our behalf, for exports.
pub fn relay_of(ctx: &Ctx) -> String {
    ctx.config
        .smtp
        .host
        .clone()
        .unwrap_or_else(|| "none: mail is kept as files on this server".into())
}

/// Who a request was about, for the audit log, without the address.
pub fn subject_label(contact: Option<&Contact>) -> String {
    contact.map_or_else(
        || "an address with no contact".into(),
        |c| format!("contact {}", c.id),
    )
}

/// A request about a customer by an owner: the address checked, the work done, and the request
/// recorded in the audit log as `action`, naming the contact (as it was), never the address.
pub(super) fn as_owner<T>(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    email: &str,
    action: &str,
    work: impl FnOnce(&Store, &Email) -> Result<T>,
) -> Result<T> {
    workspace(ctx, actor, ws)?;
    let email = email_of(email)?;
    let label = subject_label(ctx.store.contacts().by_email(ws, &email)?.as_ref());
    let out = work(&ctx.store, &email)?;
    audit::record(ctx, ws, actor, action, &label);
    Ok(out)
}

/// Keeps the records but stops processing them: no mail (checked again at send time), no
/// alerts about their feedback.
pub fn restrict_in(store: &Store, ws: &Id<Workspace>, email: &Email) -> Result<Counts> {
    let mut counts = Counts::default();
    if let Some(mut c) = store.contacts().by_email(ws, email)? {
        c.restricted = true;
        store.contacts().put(&c)?;
        counts.contacts = 1;
    }
    Ok(counts)
}

pub fn restrict(ctx: &Ctx, actor: &Actor, ws: &Id<Workspace>, email: &str) -> Result<Counts> {
    as_owner(ctx, actor, ws, email, "privacy.restricted", |s, e| {
        restrict_in(s, ws, e)
    })
}
