//! Contacts: added one by one by the API (a till after a visit), listed, deleted, suppressed.
//! CSV imports are in `contacts_csv`.

use super::auth::{Actor, Principal};
use super::review_csv::resolve;
use super::{Ctx, Error, Result, audit};
use crate::domain::{
    Access, Consent, Contact, ContactFields, Id, Location, Suppression, SuppressionReason,
    Workspace,
};
use crate::store::{Page, PageRequest, Upserted};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Most contacts one API call may add.
pub const MAX_PER_CALL: usize = 1000;

/// One contact as given by a caller, unchecked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    /// An address; a batch takes its good rows and lists the others in `rejected` (so this
    /// type's schema holds no rule a single row could break).
    pub email: String,
    /// At most 120 characters; whitespace and control characters are folded into single spaces.
    #[serde(default)]
    pub name: Option<String>,
    /// A location's id (or, from CSV, its name).
    #[serde(default)]
    pub location: Option<String>,
    /// `existing_customer` (default) or `opt_in`.
    #[serde(default)]
    pub consent: Option<String>,
    /// Where the contact came from (default `api`).
    #[serde(default)]
    pub source: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AddReport {
    pub created: usize,
    pub updated: usize,
    pub rejected: Vec<Rejected>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Rejected {
    /// The position in the request's array (0-based), or the CSV line.
    pub index: usize,
    pub reason: String,
}

/// A contact with its suppression, for lists.
#[derive(Debug, Clone)]
pub struct Listed {
    pub contact: Contact,
    pub suppressed: Option<Suppression>,
}

pub(super) fn check(
    input: &ContactInput,
    locations: &[Location],
    default_source: &str,
) -> std::result::Result<(ContactFields, Option<Id<Location>>, String), String> {
    let fields = ContactFields::parse(
        &input.email,
        input.name.as_deref().unwrap_or(""),
        input.consent.as_deref().unwrap_or(""),
    )?;
    let location = match input.location.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(l) => Some(
            resolve(locations, l)
                .ok_or_else(|| format!("`{l}` is not a location of this workspace"))?,
        ),
    };
    let source = crate::domain::header_safe(input.source.as_deref().unwrap_or(default_source));
    if source.chars().count() > 40 {
        return Err("a source has at most 40 characters".into());
    }
    let source = if source.is_empty() {
        default_source.to_string()
    } else {
        source
    };
    Ok((fields, location, source))
}

pub(super) fn new_contact(
    ws: &Id<Workspace>,
    f: ContactFields,
    location: Option<Id<Location>>,
    source: String,
    now: OffsetDateTime,
) -> Contact {
    Contact {
        id: Id::generate(now),
        workspace: *ws,
        email: f.email,
        name: f.name,
        location,
        source,
        consent: f.consent,
        created_at: now,
        last_asked_at: None,
        restricted: false,

        last_answered_at: None,

        last_campaign: None,
    }
}

/// Adds or updates each contact; bad entries are reported by index, the rest are stored.
pub fn add(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    inputs: &[ContactInput],
) -> Result<AddReport> {
    let scope = ctx.enter_as(actor, ws, Access::Write)?;
    if inputs.len() > MAX_PER_CALL {
        return Err(Error::Invalid(format!(
            "at most {MAX_PER_CALL} contacts a call; send the rest in another"
        )));
    }
    let locations = ctx.store.locations().all(ws)?;
    let mut report = AddReport::default();
    for (index, input) in inputs.iter().enumerate() {
        match check(input, &locations, "api") {
            Ok((f, loc, source)) => {
                let (_, what) = ctx.store.contacts().upsert(new_contact(
                    ws,
                    f,
                    loc,
                    source,
                    ctx.clock.now(),
                ))?;
                match what {
                    Upserted::Created => report.created += 1,
                    Upserted::Updated => report.updated += 1,
                }
            }
            Err(reason) => report.rejected.push(Rejected { index, reason }),
        }
    }
    if report.created + report.updated > 0 {
        let what = format!("{} created, {} updated", report.created, report.updated);
        let entry = scope.audit("contacts.added", &what);
        ctx.store.audit().append(ws, &entry)?;
    }
    Ok(report)
}

pub fn list(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id<Workspace>,
    req: &PageRequest,
) -> Result<Page<Listed>> {
    ctx.enter(principal, ws, Access::Read)?;
    let page = ctx.store.contacts().page(ws, req)?;
    let mut items = Vec::with_capacity(page.items.len());
    for contact in page.items {
        let suppressed = ctx.store.contacts().suppression(ws, &contact.email)?;
        items.push(Listed {
            contact,
            suppressed,
        });
    }
    Ok(Page {
        items,
        next: page.next,
    })
}

pub fn delete(ctx: &Ctx, actor: &Actor, ws: &Id<Workspace>, id: &Id<Contact>) -> Result<()> {
    ctx.enter(actor, ws, Access::Write)?;
    if !ctx.store.contacts().delete(ws, id)? {
        return Err(Error::NotFound);
    }
    audit::record(ctx, ws, actor, "contact.deleted", &id.to_string());
    Ok(())
}

/// Stops (or, for a manual suppression, resumes) mail to a contact. Unsubscribes and bounces
/// cannot be lifted here: the person said no, or the address does not exist.
pub fn set_suppressed(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    id: &Id<Contact>,
    suppressed: bool,
) -> Result<()> {
    ctx.enter(actor, ws, Access::Write)?;
    let c = ctx.store.contacts().get(ws, id)?.ok_or(Error::NotFound)?;
    let current = ctx.store.contacts().suppression(ws, &c.email)?;
    match (suppressed, current) {
        (true, None) => ctx.store.contacts().suppress(
            ws,
            &c.email,
            &Suppression {
                reason: SuppressionReason::Manual,
                at: ctx.clock.now(),
            },
        )?,
        (false, Some(s)) if s.reason == SuppressionReason::Manual => {
            ctx.store.contacts().unsuppress(ws, &c.email)?
        }
        (false, Some(s)) => {
            return Err(Error::Conflict(format!(
                "this address is suppressed ({}); that cannot be undone here",
                s.reason.name()
            )));
        }
        _ => {}
    }
    let action = if suppressed {
        "contact.suppressed"
    } else {
        "contact.unsuppressed"
    };
    audit::record(ctx, ws, actor, action, &id.to_string());
    Ok(())
}

/// The consent basis as words for pages.
pub fn consent_label(c: Consent) -> &'static str {
    match c {
        Consent::ExistingCustomer => "existing customer",
        Consent::OptIn => "opted in",
    }
}
