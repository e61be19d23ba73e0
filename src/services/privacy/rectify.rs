//! Rectification (a customer's name or address corrected) and objection to email (their
//! address suppressed), as data-subject requests recorded in the audit log.

use super::{Counts, as_owner, email_of, find};
use crate::domain::{ContactFields, Email, Id, Suppression, SuppressionReason, Workspace};
use crate::services::auth::Actor;
use crate::services::{Ctx, Error, Result};
use crate::store::{Moved, PersonRef, Store};

/// What to correct; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct Correction {
    /// The name as it should be (empty: no name).
    pub name: Option<String>,
    /// The address the person really has.
    pub new_email: Option<String>,
}

/// Corrects the contact with address `email` in `ws`. A new address moves the contact with
/// its history: the contact and its feedback are sealed again with the new address's key,
/// mail queued or kept for the old address is removed (it went, or would go, to the wrong
/// place), an objection or unsubscribe carries over, and the old key is destroyed.
pub fn rectify_in(
    store: &Store,
    ws: &Id<Workspace>,
    email: &Email,
    fix: &Correction,
) -> Result<Counts> {
    let name = match &fix.name {
        Some(n) => Some(
            ContactFields::parse(email.as_str(), n, "")
                .map_err(Error::Invalid)?
                .name,
        ),
        None => None,
    };
    let new_email = match fix.new_email.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(email_of(raw)?).filter(|e| e != email),
    };
    if name.is_none() && new_email.is_none() {
        return Err(Error::Invalid(
            "give the corrected name or the new email address".into(),
        ));
    }
    let Some(mut contact) = store.contacts().by_email(ws, email)? else {
        return Err(Error::Invalid(
            "no contact of this workspace has that email address".into(),
        ));
    };
    let mut counts = Counts {
        contacts: 1,
        ..Counts::default()
    };
    if let Some(name) = name {
        contact.name = name;
        store.contacts().put(&contact)?;
    }
    let Some(new) = new_email else {
        return Ok(counts);
    };
    let found = find(store, ws, email)?;
    match store.contacts().change_address(ws, email, &new)? {
        Moved::Done(_) => {}
        Moved::Taken => {
            return Err(Error::Conflict(
                "another contact of this workspace already has the new address; erase or \
                 delete one of them first"
                    .into(),
            ));
        }
        Moved::Gone => {
            return Err(Error::Conflict(
                "the contact changed meanwhile; try again".into(),
            ));
        }
    }
    for f in &found.feedback {
        store.campaigns().put_feedback(f)?; // sealed with the contact's key: the new one now
        counts.feedback += 1;
    }
    for m in &found.messages {
        let removed = store.outbox().remove(&m.id)?;
        if removed
            && matches!(
                m.state,
                crate::domain::DeliveryState::Queued | crate::domain::DeliveryState::Leased { .. }
            )
        {
            // No longer waiting in its campaign's queue: a later campaign may ask the new address.
            crate::mail::gate::record(
                store,
                m,
                Ok(()),
                Some("removed by a rectification"),
                m.due_at,
            )?;
        }
        counts.outgoing_mail += usize::from(removed);
    }
    if let Some(s) = &found.suppression {
        store.contacts().suppress(ws, &new, s)?;
        counts.suppressed = 1;
    }
    store.shred(&PersonRef::contact(&store.contacts().email_key(ws, email)?))?;
    Ok(counts)
}

pub fn rectify(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    email: &str,
    fix: &Correction,
) -> Result<Counts> {
    as_owner(ctx, actor, ws, email, "privacy.rectified", |s, e| {
        rectify_in(s, ws, e, fix)
    })
}

/// The person objects to email: their address goes on the suppression list (as a keyed hash;
/// an earlier reason, such as an unsubscribe, is kept). Their records stay.
pub fn object_in(
    store: &Store,
    ws: &Id<Workspace>,
    email: &Email,
    now: time::OffsetDateTime,
) -> Result<Counts> {
    store.contacts().suppress(
        ws,
        email,
        &Suppression {
            reason: SuppressionReason::Objected,
            at: now,
        },
    )?;
    Ok(Counts {
        contacts: usize::from(store.contacts().by_email(ws, email)?.is_some()),
        suppressed: 1,
        ..Counts::default()
    })
}

pub fn object(ctx: &Ctx, actor: &Actor, ws: &Id<Workspace>, email: &str) -> Result<Counts> {
    let now = ctx.clock.now();
    as_owner(ctx, actor, ws, email, "privacy.objected", |s, e| {
        object_in(s, ws, e, now)
    })
}
