//! Erasure of a customer: every record found for an address removed, its key shredded, the
//! address kept only as a keyed hash on the suppression list, and the erasure journaled first
//! so a restore of an older backup carries it out again (`replay_journal`).

use super::{Counts, Found, as_owner, find, linked};
use crate::domain::{Email, Id, Item, Suppression, SuppressionReason, Workspace};
use crate::services::auth::Actor;
use crate::services::{Ctx, Result};
use crate::store::{ComeBack, PersonRef, Store, journal};

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
    for plan in &f.report_plans {
        let gone = store.reports().update_plan(ws, &plan.id, |p| {
            let before = p.recipients.len();
            p.recipients.retain(|r| match &r.to {
                crate::domain::RecipientTo::Email(a) => store
                    .contacts()
                    .email_key(ws, a)
                    .map_or(true, |k| k.as_slice() != key),
                crate::domain::RecipientTo::Member(_) => true,
            });
            p.recipients.len() != before
        })?;
        counts.report_recipients += usize::from(gone.is_some());
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

/// An erasure the person confirmed after its preview: carried out when what is found still
/// counts what they saw (`expected`, `Counts::key`), else `Err` with what it would remove now.
/// One look-up either way, so nothing found since the preview goes unseen.
pub fn erase_confirmed(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    email: &str,
    expected: &str,
) -> Result<std::result::Result<Counts, Counts>> {
    super::workspace(ctx, actor, ws)?;
    let email = super::email_of(email)?;
    let found = find(&ctx.store, ws, &email)?;
    let seen = found.counts();
    if seen.is_empty() || seen.key() != expected {
        return Ok(Err(seen));
    }
    let label = super::subject_label(found.contact.as_ref());
    let counts = erase_found(&ctx.store, ws, &email, found, ctx.clock.now())?;
    crate::services::audit::record(ctx, ws, actor, "privacy.erased", &label);
    Ok(Ok(counts))
}

pub fn erase(ctx: &Ctx, actor: &Actor, ws: &Id<Workspace>, email: &str) -> Result<Counts> {
    let now = ctx.clock.now();
    as_owner(ctx, actor, ws, email, "privacy.erased", |s, e| {
        erase_in(s, ws, e, now)
    })
}
