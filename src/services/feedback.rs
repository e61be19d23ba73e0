//! What happens behind the links in a campaign email: the feedback page, one-click
//! unsubscribe and the open pixel. No sign-in: the signed token is the only proof, and every
//! kind of bad token gets the same answer (`None`).

use super::{Ctx, Result, campaigns::settings_of};
use crate::domain::{
    About, Campaign, Contact, Feedback, FeedbackSettings, Id, Location, Role, ScoreScale,
    Suppression, SuppressionReason,
};
use crate::mail::signed_links::{self, LinkKind, LinkRef};
use crate::mail::{self, FeedbackAlert};
use crate::store::PageRequest;

/// Everything the public page shows.
pub struct FeedbackView {
    pub settings: FeedbackSettings,
    pub location: Option<Location>,
    pub contact_first_name: String,
    pub score: Option<u8>,
    pub comment: String,
    /// The customer agreed to their answer being published (the box stays ticked).
    pub publish_consent: bool,
    /// "Powered by Plaudit" in the footer (the workspace's branding).
    pub powered_by: bool,
}

impl FeedbackView {
    /// The public review pages: shown to every customer whatever their score (no gating).
    pub fn review_links(&self) -> Vec<(&'static str, String)> {
        self.location
            .as_ref()
            .map(Location::review_links)
            .unwrap_or_default()
    }
}

struct Resolved {
    link: LinkRef,
    contact: Contact,
    campaign: Campaign,
}

/// A genuine token whose contact, campaign and recipient record still exist.
fn resolve(ctx: &Ctx, kind: LinkKind, token: &str) -> Result<Option<Resolved>> {
    let Some(link) = signed_links::verify(&ctx.store, kind, token)? else {
        return Ok(None);
    };
    let Some(contact) = ctx.store.contacts().get(&link.workspace, &link.contact)? else {
        return Ok(None);
    };
    let Some(campaign) = ctx.store.campaigns().get(&link.workspace, &link.campaign)? else {
        return Ok(None);
    };
    if ctx
        .store
        .campaigns()
        .recipient(&link.campaign, &link.contact)?
        .is_none()
    {
        return Ok(None);
    }
    Ok(Some(Resolved {
        link,
        contact,
        campaign,
    }))
}

fn view(ctx: &Ctx, r: &Resolved) -> Result<FeedbackView> {
    let settings = settings_of(ctx, &r.link.workspace)?;
    let loc_id = r.campaign.location.or(r.contact.location);
    let location = match loc_id {
        Some(id) => ctx.store.locations().get(&r.link.workspace, &id)?,
        None => None,
    };
    let rec = ctx
        .store
        .campaigns()
        .recipient(&r.link.campaign, &r.link.contact)?;
    let previous = match rec.and_then(|r| r.feedback) {
        Some(id) => ctx.store.campaigns().feedback(&r.link.workspace, &id)?,
        None => None,
    };
    Ok(FeedbackView {
        powered_by: super::report_plans::brand_of(ctx, &r.link.workspace)?.powered_by,
        settings,
        location,
        contact_first_name: r.contact.first_name().to_string(),
        score: previous.as_ref().map(|f| f.score),
        publish_consent: previous
            .as_ref()
            .is_some_and(|f| f.publish_consent.is_some()),
        comment: previous.map(|f| f.comment).unwrap_or_default(),
    })
}

/// The feedback page; counts the click (once).
pub fn open(ctx: &Ctx, token: &str) -> Result<Option<FeedbackView>> {
    let Some(r) = resolve(ctx, LinkKind::Feedback, token)? else {
        return Ok(None);
    };
    let now = ctx.clock.now();
    ctx.store
        .campaigns()
        .update_recipient(&r.link.campaign, &r.link.contact, |rec| {
            let first = rec.clicked_at.is_none();
            if first {
                rec.clicked_at = Some(now);
            }
            first
        })?;
    Ok(Some(view(ctx, &r)?))
}

/// Checks a score and comment from the public form.
pub fn parse_answer(
    scale: ScoreScale,
    score: &str,
    comment: &str,
) -> std::result::Result<(u8, String), String> {
    let range = scale.range();
    let score = score
        .trim()
        .parse::<u8>()
        .ok()
        .filter(|s| range.contains(s))
        .ok_or_else(|| format!("Choose a score from {} to {}.", range.start(), range.end()))?;
    let comment: String = comment
        .trim()
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect();
    if comment.chars().count() > 4000 {
        return Err("Please keep the comment under 4,000 characters.".into());
    }
    Ok((score, comment))
}

/// Stores (or replaces) the customer's answer; a low score alerts the managers when the
/// workspace wants it. `Ok(None)`: bad token. `Ok(Some(Err))`: bad input, nothing stored.
pub fn submit(
    ctx: &Ctx,
    token: &str,
    score: &str,
    comment: &str,
    consent: bool,
) -> Result<Option<std::result::Result<FeedbackView, String>>> {
    let Some(r) = resolve(ctx, LinkKind::Feedback, token)? else {
        return Ok(None);
    };
    let settings = settings_of(ctx, &r.link.workspace)?;
    let (score, comment) = match parse_answer(settings.scale, score, comment) {
        Ok(v) => v,
        Err(m) => return Ok(Some(Err(m))),
    };
    let now = ctx.clock.now();
    let campaigns = ctx.store.campaigns();
    let rec = campaigns
        .recipient(&r.link.campaign, &r.link.contact)?
        .unwrap_or_default();
    let before = match rec.feedback {
        Some(id) => campaigns.feedback(&r.link.workspace, &id)?,
        None => None,
    };
    let changed = before
        .as_ref()
        .is_none_or(|b| (b.score, b.comment.as_str()) != (score, comment.as_str()));
    // Off unless ticked, and stored with the very words shown (the business name may change).
    let publish_consent =
        consent.then(|| crate::domain::publish_consent_wording(&settings.sender_name));
    let alerted_lately = rec
        .alerted_at
        .is_some_and(|at| now - at < time::Duration::hours(1));
    let feedback = Feedback {
        id: rec.feedback.unwrap_or_else(|| Id::generate(now)),
        workspace: r.link.workspace,
        campaign: Some(r.link.campaign),
        contact: Some(r.link.contact),
        via: crate::domain::FeedbackVia::Email,
        name: String::new(),
        location: r.campaign.location.or(r.contact.location),
        scale: settings.scale,
        score,
        comment,
        at: now,
        publish_consent,
    };
    campaigns.put_feedback(&feedback)?;
    let id = feedback.id;
    campaigns.update_recipient(&r.link.campaign, &r.link.contact, |rec| {
        rec.feedback = Some(id);
        rec.rated_at.get_or_insert(now);
        rec.clicked_at.get_or_insert(now);
        true
    })?;
    ctx.store
        .contacts()
        .update(&r.link.workspace, &r.link.contact, |c| {
            c.last_answered_at = Some(now);
            true
        })?;
    // A link re-posted any number of times alerts once per answer; a changed answer may
    // alert again, at most once an hour.
    if settings.alert_on_low_score
        && settings.scale.is_low(score)
        && !r.contact.restricted
        && changed
        && !alerted_lately
    {
        let who = if r.contact.name.is_empty() {
            r.contact.email.to_string()
        } else {
            r.contact.name.clone()
        };
        let about = About {
            workspace: r.link.workspace,
            contact: r.link.contact,
        };
        alert(ctx, &feedback, &who, Some(about))?;
        campaigns.update_recipient(&r.link.campaign, &r.link.contact, |rec| {
            rec.alerted_at = Some(now);
            true
        })?;
    }
    Ok(Some(Ok(view(ctx, &r)?)))
}

/// Mails the managers of `f`'s workspace about a low score; `who` names the customer.
pub(super) fn alert(ctx: &Ctx, f: &Feedback, who: &str, about: Option<About>) -> Result<()> {
    let ws = ctx
        .store
        .workspaces()
        .get(&f.workspace)?
        .map(|w| w.name)
        .unwrap_or_default();
    let location = match f.location {
        Some(id) => ctx
            .store
            .locations()
            .get(&f.workspace, &id)?
            .map(|l| l.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let score = match f.scale {
        ScoreScale::Stars => format!("{} of 5 stars", f.score),
        ScoreScale::Nps => format!("{} of 10", f.score),
    };
    let contact = match f.via {
        crate::domain::FeedbackVia::Email => who.to_string(),
        crate::domain::FeedbackVia::Link => format!("{who} (via QR/link)"),
    };
    let feedback_url = ctx.link(&format!("/w/{}/feedback", f.workspace));
    let rendered = FeedbackAlert {
        workspace: &ws,
        location: &location,
        contact: &contact,
        score: &score,
        comment: &f.comment,
        feedback_url: &feedback_url,
    }
    .render()
    .map_err(|e| anyhow::anyhow!("rendering a feedback alert: {e}"))?;
    let members = ctx
        .store
        .workspaces()
        .members(&f.workspace, &PageRequest::first(200))?;
    for (user, role) in members.items {
        if role < Role::Manager {
            continue;
        }
        if let Some(u) = ctx.store.users().get(&user)? {
            let mut msg = mail::message(
                ctx.clock.now(),
                &ctx.mail_from,
                &u.email,
                rendered.clone(),
                Vec::new(),
            );
            msg.about = about;
            ctx.store.outbox().enqueue(&msg)?;
        }
    }
    Ok(())
}

/// The branding of a genuine token's workspace (the unsubscribe page, which changes nothing
/// on GET).
/// The page behind an unsubscribe link: the branding, and whether the address is already
/// unsubscribed (re-opening the link says so instead of asking again).
pub fn unsubscribe_target(ctx: &Ctx, token: &str) -> Result<Option<(FeedbackSettings, bool)>> {
    match resolve(ctx, LinkKind::Unsubscribe, token)? {
        Some(r) => {
            let already = ctx
                .store
                .contacts()
                .suppression(&r.link.workspace, &r.contact.email)?
                .is_some_and(|s| s.reason == SuppressionReason::Unsubscribed);
            Ok(Some((settings_of(ctx, &r.link.workspace)?, already)))
        }
        None => Ok(None),
    }
}

/// One-click unsubscribe: the address is suppressed for the workspace (durable once the
/// caller flushes). Repeating it changes nothing. `None`: bad token; else the branding.
pub fn unsubscribe(ctx: &Ctx, token: &str) -> Result<Option<(FeedbackSettings, bool)>> {
    let Some(r) = resolve(ctx, LinkKind::Unsubscribe, token)? else {
        return Ok(None);
    };
    let already = ctx
        .store
        .contacts()
        .suppression(&r.link.workspace, &r.contact.email)?
        .is_some_and(|s| s.reason == SuppressionReason::Unsubscribed);
    let now = ctx.clock.now();
    let why = Suppression {
        reason: SuppressionReason::Unsubscribed,
        at: now,
    };
    ctx.store
        .contacts()
        .suppress(&r.link.workspace, &r.contact.email, &why)?;
    ctx.store
        .campaigns()
        .update_recipient(&r.link.campaign, &r.link.contact, |rec| {
            let first = rec.unsubscribed_at.is_none();
            if first {
                rec.unsubscribed_at = Some(now);
            }
            first
        })?;
    Ok(Some((settings_of(ctx, &r.link.workspace)?, already)))
}

/// The open pixel: counted only when the workspace turned tracking on.
pub fn opened(ctx: &Ctx, token: &str) -> Result<()> {
    let Some(r) = resolve(ctx, LinkKind::Open, token)? else {
        return Ok(());
    };
    if !settings_of(ctx, &r.link.workspace)?.track_opens {
        return Ok(());
    }
    let now = ctx.clock.now();
    ctx.store
        .campaigns()
        .update_recipient(&r.link.campaign, &r.link.contact, |rec| {
            let first = rec.opened_at.is_none();
            if first {
                rec.opened_at = Some(now);
            }
            first
        })?;
    Ok(())
}

/// Deletes one answer (spam through a public link, or a customer asking): the record goes and,
/// for an answer sealed under its own key (no contact behind it), that key is shredded so no
/// copy in old log segments or backups stays readable. Managers; audited.
pub fn delete_answer(
    ctx: &Ctx,
    actor: &super::auth::Actor,
    ws: &Id<crate::domain::Workspace>,
    id: &Id<Feedback>,
) -> Result<()> {
    let here = ctx.enter_as(actor, ws, crate::domain::Access::Write)?;
    let f = ctx
        .store
        .campaigns()
        .feedback(ws, id)?
        .ok_or(super::Error::NotFound)?;
    ctx.store.campaigns().remove_feedback(ws, id)?;
    ctx.store
        .shred(&crate::store::PersonRef::feedback(ws, &f.id))?;
    ctx.store.audit().append(
        ws,
        &here.audit("feedback.deleted", &f.at.date().to_string()),
    )?;
    Ok(())
}
