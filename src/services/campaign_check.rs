//! What sending a campaign would do, before it is sent: whom it would mail (after suppressions,
//! restrictions and the frequency cap), what they would read, and what must be fixed first.

use super::auth::{Actor, Principal};
use super::campaign_run::{asked_lately, cap, in_audience};
use super::campaigns::settings_of;
use super::{Ctx, Error, Result, audit};
use crate::domain::{
    Access, Campaign, CampaignStatus, Contact, Email, FeedbackSettings, Id, Location, Workspace,
};
use crate::mail::campaign::{self, Parts};
use crate::mail::templates::Rendered;

/// Contacts of a campaign's audience, as a send now would treat them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct AudienceCount {
    /// Would be mailed.
    pub will_mail: u64,
    /// Left out by the frequency cap (asked lately).
    pub capped: u64,
    /// Unsubscribed, bounced or objected.
    pub suppressed: u64,
    /// Restricted by a data-subject request.
    pub restricted: u64,
}

/// Something to fix before the campaign may go: the field, why, and where to fix it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Blocker {
    /// `postal_address` or `review_link`.
    pub field: String,
    pub message: String,
    /// The page (path) where it is fixed.
    pub fix: String,
    /// Only a confirmed warning lets the campaign go without it (`review_link`).
    pub may_override: bool,
}

/// A campaign before sending.
pub struct Check {
    pub audience: AudienceCount,
    pub blockers: Vec<Blocker>,
    /// The email as the first contact it would mail reads it (links are placeholders).
    pub preview: Option<(Contact, Rendered)>,
}

/// What must be fixed first: the footer's postal address (the legal line every email carries),
/// and a public review link on each location the campaign asks about.
pub fn blockers(
    ws: &Id<Workspace>,
    c: &Campaign,
    settings: &FeedbackSettings,
    locations: &[Location],
) -> Vec<Blocker> {
    let mut out = Vec::new();
    if settings.postal_address.trim().is_empty() {
        out.push(Blocker {
            field: "postal_address".into(),
            message: "The workspace has no postal address: every email must end with the business's address. Add it in the feedback settings.".into(),
            fix: format!("/w/{ws}/feedback#postal_address"),
            may_override: false,
        });
    }
    let chosen: Vec<&Location> = locations
        .iter()
        .filter(|l| !l.archived && c.location.is_none_or(|id| id == l.id))
        .collect();
    let bare: Vec<&&Location> = chosen
        .iter()
        .filter(|l| l.google_review_url.is_none() && l.facebook_page_url.is_none())
        .collect();
    if chosen.is_empty() {
        out.push(Blocker {
            field: "review_link".into(),
            message: "The workspace has no location with a public review link: customers will see no way to post a public review. Add a location with its Google \"write a review\" link or Facebook page.".into(),
            fix: format!("/w/{ws}/locations"),
            may_override: true,
        });
    } else if !bare.is_empty() {
        let mut names: Vec<&str> = bare.iter().take(5).map(|l| l.name.as_str()).collect();
        let more = bare.len().saturating_sub(names.len());
        let more = (more > 0).then(|| format!("{more} more"));
        names.extend(more.as_deref());
        out.push(Blocker {
            field: "review_link".into(),
            message: format!(
                "{} {} no public review link (Google \"write a review\" link or Facebook page): customers of {} will see no way to post a public review.",
                names.join(", "),
                if bare.len() == 1 { "has" } else { "have" },
                if bare.len() == 1 { "it" } else { "them" },
            ),
            fix: match bare.as_slice() {
                [one] => format!("/w/{ws}/locations/{}", one.id),
                _ => format!("/w/{ws}/locations"),
            },
            may_override: true,
        });
    }
    out
}

/// Refuses a send while a blocker stands (a review link may be waived by `without_review_link`).
pub fn refuse_unready(
    ctx: &Ctx,
    ws: &Id<Workspace>,
    c: &Campaign,
    without_review_link: bool,
) -> Result<()> {
    let settings = settings_of(ctx, ws)?;
    let locations = ctx.store.locations().all(ws)?;
    for b in blockers(ws, c, &settings, &locations) {
        if b.may_override && without_review_link {
            continue;
        }
        let waive = if b.may_override {
            " To send anyway, confirm that customers will see no review link."
        } else {
            ""
        };
        return Err(Error::Conflict(format!(
            "{}: {} ({}){waive}",
            b.field, b.message, b.fix
        )));
    }
    Ok(())
}

/// Counts whom a send now would mail; the first of them, for the preview.
fn audience(
    ctx: &Ctx,
    c: &Campaign,
    settings: &FeedbackSettings,
) -> Result<(AudienceCount, Option<Contact>)> {
    let now = ctx.clock.now();
    let (ws, cap) = (c.workspace, cap(c, settings));
    let mut count = AudienceCount::default();
    let mut first = None;
    let mut after = None;
    loop {
        let page = ctx.store.contacts().after(&ws, after.as_ref(), 1000)?;
        for contact in &page {
            if contact.restricted {
                count.restricted += 1;
            } else if !in_audience(c, contact) {
            } else if ctx
                .store
                .contacts()
                .suppression(&ws, &contact.email)?
                .is_some()
            {
                count.suppressed += 1;
            } else if asked_lately(contact, cap, now) {
                count.capped += 1;
            } else if ctx
                .store
                .campaigns()
                .recipient(&c.id, &contact.id)?
                .is_none()
            {
                count.will_mail += 1;
                first.get_or_insert_with(|| contact.clone());
            }
        }
        match page.last() {
            Some(last) if page.len() == 1000 => after = Some(last.id),
            _ => return Ok((count, first)),
        }
    }
}

/// The email `contact` would get, with placeholder links (a preview must not mint real ones).
fn render_for(
    ctx: &Ctx,
    c: &Campaign,
    settings: &FeedbackSettings,
    locations: &[Location],
    contact: &Contact,
) -> Result<Rendered> {
    let location_id = c.location.or(contact.location);
    let parts = Parts {
        settings,
        business: &settings.sender_name,
        contact,
        location: locations.iter().find(|l| Some(l.id) == location_id),
        feedback_url: &ctx.link("/f/preview"),
        unsubscribe_url: &ctx.link("/u/preview"),
        open_url: None,
        mailto: None,
        reminder: false,
    };
    campaign::render(&c.message, &parts)
        .map_err(|e| Error::Internal(anyhow::anyhow!("rendering a preview: {e}")))
}

pub fn check(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id<Workspace>,
    id: &Id<Campaign>,
) -> Result<Check> {
    ctx.enter(principal, ws, Access::Read)?;
    let c = ctx.store.campaigns().get(ws, id)?.ok_or(Error::NotFound)?;
    let settings = settings_of(ctx, ws)?;
    let locations = ctx.store.locations().all(ws)?;
    let blockers = blockers(ws, &c, &settings, &locations);
    let (audience, first) = if matches!(c.status, CampaignStatus::Draft | CampaignStatus::Scheduled)
    {
        audience(ctx, &c, &settings)?
    } else {
        (AudienceCount::default(), None)
    };
    let preview = match first {
        Some(contact) => {
            let r = render_for(ctx, &c, &settings, &locations, &contact)?;
            Some((contact, r))
        }
        None => None,
    };
    Ok(Check {
        audience,
        blockers,
        preview,
    })
}

/// Queues the campaign's email, as its first contact would read it, to `to` (the person
/// asking): "[Test]" before the subject, links that go nowhere. The caller flushes.
pub fn send_test(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    id: &Id<Campaign>,
    to: &Email,
) -> Result<()> {
    ctx.enter(actor, ws, Access::Write)?;
    let c = ctx.store.campaigns().get(ws, id)?.ok_or(Error::NotFound)?;
    let settings = settings_of(ctx, ws)?;
    let locations = ctx.store.locations().all(ws)?;
    let (_, first) = audience(ctx, &c, &settings)?;
    let now = ctx.clock.now();
    // Without a contact to mail, a sample customer stands in.
    let contact = first.unwrap_or_else(|| Contact {
        id: Id::generate(now),
        workspace: *ws,
        email: to.clone(),
        name: "Sam Sample".into(),
        location: c.location,
        source: "preview".into(),
        consent: Default::default(),
        created_at: now,
        last_asked_at: None,
        restricted: false,
        last_answered_at: None,
        last_campaign: None,
    });
    let mut rendered = render_for(ctx, &c, &settings, &locations, &contact)?;
    rendered.subject = format!("[Test] {}", rendered.subject);
    let mut msg = crate::mail::message(now, &ctx.mail_from, to, rendered, Vec::new());
    msg.from_name = Some(settings.sender_name.clone());
    ctx.store.outbox().enqueue(&msg)?;
    audit::record(ctx, ws, actor, "campaign.test_sent", &id.to_string());
    Ok(())
}
