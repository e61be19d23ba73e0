//! Sending a campaign, one batch per step: pick the next contacts of its audience, render their
//! messages, and queue them with their recipient records in one transaction. A crash between
//! steps loses nothing and repeats nothing: the cursor moves with the batch.

use super::{Ctx, Result, campaigns::settings_of};
use crate::domain::{
    Campaign, CampaignMail, CampaignStatus, Contact, Email, FeedbackSettings, Id, Location,
    Recipient, Workspace,
};
use crate::mail::campaign::{self, Parts};
use crate::mail::signed_links::{LinkKind, LinkRef, sign};
use crate::store::Queued;
use time::{Duration, OffsetDateTime};

/// Most messages queued per step (and per transaction).
pub const BATCH: usize = 200;

fn day_number(at: OffsetDateTime) -> i32 {
    at.date().to_julian_day()
}

/// What may still be sent today under the cap.
fn room_today(c: &mut Campaign, now: OffsetDateTime) -> usize {
    let today = day_number(now);
    if c.sent_on_day.0 != today {
        c.sent_on_day = (today, 0);
    }
    match c.daily_cap {
        Some(cap) => cap.saturating_sub(c.sent_on_day.1) as usize,
        None => usize::MAX,
    }
    .min(BATCH)
}

/// May this contact be asked by this campaign now (suppression is checked too, separately)?
pub(super) fn in_audience(c: &Campaign, contact: &Contact) -> bool {
    if contact.restricted {
        return false;
    }
    if c.location.is_some() && contact.location != c.location {
        return false;
    }
    if c.audience
        .added_since
        .is_some_and(|t| contact.created_at < t)
    {
        return false;
    }
    true
}

/// The frequency cap: the campaign's own, else the workspace's.
pub(super) fn cap(c: &Campaign, settings: &FeedbackSettings) -> Duration {
    Duration::days(i64::from(
        c.audience.not_asked_days.unwrap_or(settings.ask_cap_days),
    ))
}

/// Asked by any campaign within the cap: left out (checked again when it is queued).
pub(super) fn asked_lately(contact: &Contact, cap: Duration, now: OffsetDateTime) -> bool {
    contact.last_asked_at.is_some_and(|at| at > now - cap)
}

struct Renderer<'a> {
    ctx: &'a Ctx,
    c: &'a Campaign,
    settings: FeedbackSettings,
    locations: Vec<Location>,
}

impl Renderer<'_> {
    fn message(
        &self,
        contact: &Contact,
        reminder: bool,
        now: OffsetDateTime,
    ) -> Result<crate::domain::OutboxMessage> {
        let r = LinkRef {
            workspace: self.c.workspace,
            campaign: self.c.id,
            contact: contact.id,
        };
        let store = &self.ctx.store;
        let feedback_url = self
            .ctx
            .link(&format!("/f/{}", sign(store, LinkKind::Feedback, &r)?));
        let unsubscribe_url = self
            .ctx
            .link(&format!("/u/{}", sign(store, LinkKind::Unsubscribe, &r)?));
        let open_url = if self.settings.track_opens {
            Some(
                self.ctx
                    .link(&format!("/o/{}", sign(store, LinkKind::Open, &r)?)),
            )
        } else {
            None
        };
        let location_id = self.c.location.or(contact.location);
        let location = self.locations.iter().find(|l| Some(l.id) == location_id);
        let parts = Parts {
            settings: &self.settings,
            business: &self.settings.sender_name,
            contact,
            location,
            feedback_url: &feedback_url,
            unsubscribe_url: &unsubscribe_url,
            open_url: open_url.as_deref(),
            mailto: self.ctx.config.smtp.unsubscribe_mailto.as_deref(),
            reminder,
        };
        let rendered = campaign::render(&self.c.message, &parts)
            .map_err(|e| anyhow::anyhow!("rendering a campaign message: {e}"))?;
        let headers = campaign::headers(&parts, &self.c.id.to_string());
        let mut msg =
            crate::mail::message(now, &self.ctx.mail_from, &contact.email, rendered, headers);
        msg.from_name = Some(self.settings.sender_name.clone());
        if !contact.name.is_empty() {
            // "Ana Lopez <ana@…>": lettre quotes or encodes the name; it is one plain line.
            let email = contact
                .email
                .as_str()
                .parse()
                .map_err(|e| anyhow::anyhow!("a stored address does not parse: {e}"))?;
            msg.to = lettre::message::Mailbox::new(Some(contact.name.clone()), email).to_string();
        }
        msg.campaign = Some(CampaignMail {
            workspace: self.c.workspace,
            campaign: self.c.id,
            contact: contact.id,
            reminder,
        });
        Ok(msg)
    }
}

fn suppressed(ctx: &Ctx, ws: &Id<Workspace>, email: &Email) -> Result<bool> {
    Ok(ctx.store.contacts().suppression(ws, email)?.is_some())
}

/// One step of one campaign; returns how many messages it queued. The caller flushes.
pub fn step(ctx: &Ctx, ws: &Id<Workspace>, id: &Id<Campaign>) -> Result<usize> {
    let now = ctx.clock.now();
    let Some(mut c) = ctx.store.campaigns().get(ws, id)? else {
        return Ok(0);
    };
    if c.status == CampaignStatus::Scheduled {
        if c.send_at.is_some_and(|t| t > now) {
            return Ok(0);
        }
        c.status = CampaignStatus::Sending;
    }
    let renderer = Renderer {
        ctx,
        c: &c,
        settings: settings_of(ctx, ws)?,
        locations: ctx.store.locations().all(ws)?,
    };
    let mut next = c.clone();
    let room = room_today(&mut next, now);
    let batch = match c.status {
        CampaignStatus::Sending => first_pass(ctx, &renderer, &mut next, room, now)?,
        CampaignStatus::WaitingReminder => {
            let due = c
                .first_pass_done_at
                .zip(c.reminder_days)
                .map(|(at, days)| at + Duration::days(i64::from(days)));
            match due {
                Some(due) if due <= now => reminders(ctx, &renderer, &mut next, room)?,
                Some(_) => return Ok(0),
                None => {
                    next.status = CampaignStatus::Done;
                    Vec::new()
                }
            }
        }
        _ => return Ok(0),
    };
    let queued = batch.len();
    next.sent_on_day.1 = next
        .sent_on_day
        .1
        .saturating_add(u32::try_from(queued).unwrap_or(u32::MAX));
    if next == c && queued == 0 {
        return Ok(0);
    }
    // Paused (or deleted) meanwhile: the person who paused wins; try again next step.
    let current = ctx.store.campaigns().get(ws, id)?;
    if current.is_none_or(|cur| cur.status != c.status && cur.status != CampaignStatus::Scheduled) {
        return Ok(0);
    }
    let cap = cap(&c, &renderer.settings);
    ctx.store.campaigns().queue_batch(&next, &batch, cap, now)?;
    Ok(queued)
}

fn first_pass(
    ctx: &Ctx,
    r: &Renderer,
    next: &mut Campaign,
    room: usize,
    now: OffsetDateTime,
) -> Result<Vec<Queued>> {
    let mut batch = Vec::new();
    if room == 0 {
        return Ok(batch);
    }
    let ws = next.workspace;
    loop {
        let page = ctx
            .store
            .contacts()
            .after(&ws, next.cursor.as_ref(), BATCH)?;
        let full = page.len() == BATCH;
        for contact in page {
            if batch.len() >= room {
                return Ok(batch);
            }
            next.cursor = Some(contact.id);
            if !in_audience(next, &contact) {
                continue;
            }
            if asked_lately(&contact, cap(next, &r.settings), now) {
                next.capped = next.capped.saturating_add(1);
                continue;
            }
            if suppressed(ctx, &ws, &contact.email)?
                || ctx
                    .store
                    .campaigns()
                    .recipient(&next.id, &contact.id)?
                    .is_some()
            {
                continue;
            }
            let message = r.message(&contact, false, now)?;
            batch.push(Queued {
                contact: contact.id,
                reminder: false,
                message,
            });
        }
        if !full {
            next.first_pass_done_at = Some(now);
            next.status = if next.reminder_days.is_some() {
                CampaignStatus::WaitingReminder
            } else {
                CampaignStatus::Done
            };
            return Ok(batch);
        }
        if batch.len() >= room {
            return Ok(batch);
        }
    }
}

/// Whether a recipient should get the reminder.
fn wants_reminder(r: &Recipient) -> bool {
    r.delivered_at.is_some()
        && r.rated_at.is_none()
        && r.unsubscribed_at.is_none()
        && r.bounced.is_none()
        && r.reminded_at.is_none()
}

/// Nobody who answered any campaign since this one asked, or whom another campaign asked
/// since, is reminded.
fn remind_contact(c: &Campaign, contact: &Contact, r: &Recipient) -> bool {
    let answered_since = contact
        .last_answered_at
        .is_some_and(|at| r.queued_at.is_none_or(|q| at >= q));
    !contact.restricted && !answered_since && contact.last_campaign.is_none_or(|last| last == c.id)
}

fn reminders(ctx: &Ctx, r: &Renderer, next: &mut Campaign, room: usize) -> Result<Vec<Queued>> {
    let now = ctx.clock.now();
    let mut batch = Vec::new();
    let ws = next.workspace;
    let after = next.reminder_cursor.flatten();
    let page = ctx
        .store
        .campaigns()
        .recipients_after(&next.id, after.as_ref(), room.max(1))?;
    let done = page.len() < room.max(1);
    for (contact_id, rec) in page {
        if batch.len() >= room {
            break;
        }
        next.reminder_cursor = Some(Some(contact_id));
        if !wants_reminder(&rec) {
            continue;
        }
        let Some(contact) = ctx.store.contacts().get(&ws, &contact_id)? else {
            continue;
        };
        if !remind_contact(next, &contact, &rec) || suppressed(ctx, &ws, &contact.email)? {
            continue;
        }
        let message = r.message(&contact, true, now)?;
        batch.push(Queued {
            contact: contact.id,
            reminder: true,
            message,
        });
    }
    if next.reminder_cursor.is_none() {
        next.reminder_cursor = Some(None);
    }
    if done && room > 0 {
        next.status = CampaignStatus::Done;
    }
    Ok(batch)
}
