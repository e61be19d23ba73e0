//! Data-subject requests about an outsider (a customer asked for feedback) in one workspace,
//! found by email: access (export), erasure, restriction, rectification and objection to
//! email (`rectify`). Each is recorded in the audit log
//! without the address itself.

use super::auth::Principal;
use super::{Ctx, Error, Result, audit};
use crate::domain::{
    Access, Campaign, Contact, Email, Feedback, Id, Item, OutboxMessage, Recipient, Suppression,
    SuppressionReason, Workspace,
};
use crate::store::{ComeBack, PageRequest, PersonRef, Store, journal};

pub mod account;
mod export;
mod operator;
mod rectify;
pub mod reviewers;

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
        feedback.extend(theirs.into_iter().filter(|f| f.contact == c.id));
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
    Ok(Found {
        contact,
        suppression,
        recipients,
        feedback,
        messages,
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
}

fn workspace(ctx: &Ctx, principal: &Principal, ws: &Id<Workspace>) -> Result<Workspace> {
    Ok(ctx.enter(principal, ws, Access::Admin)?.workspace)
}

fn email_of(raw: &str) -> Result<Email> {
    Email::parse(raw).map_err(Error::Invalid)
}

pub fn export(
    ctx: &Ctx,
    principal: &Principal,
    ip: &str,
    ws: &Id<Workspace>,
    email: &str,
) -> Result<Value> {
    let w = workspace(ctx, principal, ws)?;
    let email = email_of(email)?;
    let found = find(&ctx.store, ws, &email)?;
    audit::record(
        ctx,
        ws,
        principal,
        ip,
        "privacy.exported",
        &subject_label(found.contact.as_ref()),
    );
    Ok(export_of(&relay_of(ctx), &w, &email, &found))
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

/// Erases every record about `email` in `ws`; the address stays only as a keyed hash on the
/// suppression list, so it is never mailed again. Journaled first (see `store::journal`).
pub fn erase_in(
    store: &Store,
    ws: &Id<Workspace>,
    email: &Email,
    now: time::OffsetDateTime,
) -> Result<Counts> {
    erase_found(store, ws, email, find(store, ws, email)?, now)
}

/// `erase_in` for records already found (by `find`), so they are not looked up twice.
pub fn erase_found(
    store: &Store,
    ws: &Id<Workspace>,
    email: &Email,
    found: Found,
    now: time::OffsetDateTime,
) -> Result<Counts> {
    let key = store.contacts().email_key(ws, email)?;
    journal::append(
        store.data_dir(),
        &[journal::Erasure {
            at: now,
            workspace: *ws,
            key: key.to_vec(),
        }],
    )?;
    remove(store, ws, &key, found, now)
}

/// Erases what is found by the keyed hash of an address: its contact with everything linked to
/// it, and a suppression by that hash. How the journal is replayed after a restore.
pub fn erase_key(
    store: &Store,
    ws: &Id<Workspace>,
    key: &[u8],
    now: time::OffsetDateTime,
) -> Result<Counts> {
    let contact = store.contacts().by_email_key(ws, key)?;
    let found = linked(store, ws, key, contact, None, None)?;
    remove(store, ws, key, found, now)
}

/// Removes what was found and puts the keyed hash on the suppression list.
fn remove(
    store: &Store,
    ws: &Id<Workspace>,
    key: &[u8],
    f: Found,
    now: time::OffsetDateTime,
) -> Result<Counts> {
    let mut counts = Counts::default();
    for m in &f.messages {
        counts.outgoing_mail += usize::from(store.outbox().remove(&m.id)?);
    }
    for x in &f.feedback {
        counts.feedback += usize::from(store.campaigns().remove_feedback(ws, &x.id)?);
        store.shred(&PersonRef::feedback(ws, &x.id))?;
    }
    if let Some(c) = &f.contact {
        for (campaign, _) in &f.recipients {
            counts.campaign_messages +=
                usize::from(store.campaigns().remove_recipient(&campaign.id, &c.id)?);
        }
        counts.contacts += usize::from(store.contacts().delete(ws, &c.id)?);
    }
    // Whatever was sealed with their key and not found above (old segments of the store,
    // older backups, a record some path missed) becomes noise now.
    store.shred(&PersonRef::contact(key))?;
    store.contacts().suppress_key(
        key,
        &Suppression {
            reason: SuppressionReason::Erased,
            at: now,
        },
    )?;
    counts.suppressed = 1;
    Ok(counts)
}

/// Carries out every journaled erasure again (after a restore; harmless when already done).
pub fn replay_journal(store: &Store, now: time::OffsetDateTime) -> Result<usize> {
    let entries = journal::read(store.data_dir())?;
    // Items are erased per workspace at once: one search catch-up, then their keys go.
    let mut items: std::collections::BTreeMap<Id<Workspace>, Vec<Id<Item>>> = Default::default();
    for e in &entries {
        match e.key.split_first() {
            Some((b'i', id)) if id.len() == 16 => items
                .entry(e.workspace)
                .or_default()
                .push(Id::from_bytes(id.try_into().unwrap_or_default())),
            _ => {
                erase_key(store, &e.workspace, &e.key, now)?;
            }
        }
    }
    for (ws, ids) in items {
        store.items().erase(&ws, &ids, ComeBack::Never)?;
    }
    Ok(entries.len())
}

/// A request about a customer by an owner: the address checked, the work done, and the request
/// recorded in the audit log as `action`, naming the contact (as it was), never the address.
pub(super) fn as_owner<T>(
    ctx: &Ctx,
    principal: &Principal,
    ip: &str,
    ws: &Id<Workspace>,
    email: &str,
    action: &str,
    work: impl FnOnce(&Store, &Email) -> Result<T>,
) -> Result<T> {
    workspace(ctx, principal, ws)?;
    let email = email_of(email)?;
    let label = subject_label(ctx.store.contacts().by_email(ws, &email)?.as_ref());
    let out = work(&ctx.store, &email)?;
    audit::record(ctx, ws, principal, ip, action, &label);
    Ok(out)
}

pub fn erase(
    ctx: &Ctx,
    principal: &Principal,
    ip: &str,
    ws: &Id<Workspace>,
    email: &str,
) -> Result<Counts> {
    let now = ctx.clock.now();
    as_owner(ctx, principal, ip, ws, email, "privacy.erased", |s, e| {
        erase_in(s, ws, e, now)
    })
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

pub fn restrict(
    ctx: &Ctx,
    principal: &Principal,
    ip: &str,
    ws: &Id<Workspace>,
    email: &str,
) -> Result<Counts> {
    as_owner(
        ctx,
        principal,
        ip,
        ws,
        email,
        "privacy.restricted",
        |s, e| restrict_in(s, ws, e),
    )
}
