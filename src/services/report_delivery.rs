//! Client reports going out: each due plan's report made once and queued in the outbox for
//! every recipient still subscribed, under ids fixed by (plan, run, recipient) so a run
//! repeated after a crash finds its messages already queued (same Message-ID, no second copy).
//! Also the preview, the test send and the one-click unsubscribe.

use super::auth::{Actor, Principal};
use super::{Ctx, Error, Result};
use crate::domain::{
    Access, Attachment, Email, Id, Location, OutboxMessage, RecipientTo, ReportPeriod, ReportPlan,
    ReportRecipient, Workspace, local_date,
};
use crate::mail::signed_links::{self, LinkKind, LinkRef};
use crate::reports::{Report, email, gather, layout};
use sha2::{Digest, Sha256};
use time::{Date, OffsetDateTime};

/// The report of `plan` for a run at `at`.
fn report_for(ctx: &Ctx, ws: &Workspace, plan: &ReportPlan, at: OffsetDateTime) -> Result<Report> {
    let zone = crate::domain::zone(&plan.zone);
    let (from, to) = plan.period.dates(local_date(&zone, at));
    build(ctx, ws, &plan.locations, from, to, &zone)
}

fn build(
    ctx: &Ctx,
    ws: &Workspace,
    locations: &[Id<Location>],
    from: Date,
    to: Date,
    zone: &jiff::tz::TimeZone,
) -> Result<Report> {
    // Word counts follow the change log: bring them up to date first.
    ctx.store.search().catch_up(4_096)?;
    let scope = gather::Scope {
        workspace: ws,
        brand: super::report_plans::brand_of(ctx, &ws.id)?,
        locations,
        from,
        to,
        zone,
    };
    Ok(gather::build(&ctx.store, &scope, ctx.clock.now())?)
}

/// A file name for the report: `review-report-<workspace>-<period>.pdf`.
pub fn file_name(r: &Report) -> String {
    let slug: String = r
        .workspace
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let slug = slug
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    format!("review-report-{}-{}-{}.pdf", slug, r.from, r.to)
}

/// The PDF `plan` would send now (its period as of today).
pub fn preview(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id<Workspace>,
    id: &Id<ReportPlan>,
) -> Result<(String, Vec<u8>)> {
    let here = ctx.enter(principal, ws, Access::Read)?;
    let plan = ctx.store.reports().plan(ws, id)?.ok_or(Error::NotFound)?;
    let r = report_for(ctx, &here.workspace, &plan, ctx.clock.now())?;
    Ok((file_name(&r), layout::render(&r)))
}

/// The PDF of any period, for one location or all (`Download PDF`, the API).
pub fn pdf(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id<Workspace>,
    location: Option<Id<Location>>,
    period: (Option<Date>, Option<Date>),
) -> Result<(String, Vec<u8>)> {
    let here = ctx.enter(principal, ws, Access::Read)?;
    let (locations, zone) = match location {
        Some(l) => {
            let loc = ctx.store.locations().get(ws, &l)?.ok_or(Error::NotFound)?;
            (vec![l], loc.zone())
        }
        None => (Vec::new(), jiff::tz::TimeZone::UTC),
    };
    // Neither end given: the last whole month, as a monthly report would cover it today.
    // One end given: the other defaults to a 30-day window ending yesterday.
    let today = local_date(&zone, ctx.clock.now());
    let (from, to) = match period {
        (None, None) => ReportPeriod::PreviousMonth.dates(today),
        (from, to) => {
            let to = to.unwrap_or_else(|| today.previous_day().unwrap_or(today));
            (from.unwrap_or(to - time::Duration::days(29)), to)
        }
    };
    if from > to {
        return Err(Error::Invalid(
            "from: the period starts after it ends".into(),
        ));
    }
    if (to - from).whole_days() > i64::from(super::stats::MAX_DAYS) {
        return Err(Error::Invalid(format!(
            "to: a report covers at most {} days",
            super::stats::MAX_DAYS
        )));
    }
    let r = build(ctx, &here.workspace, &locations, from, to, &zone)?;
    Ok((file_name(&r), layout::render(&r)))
}

/// The message id of `recipient`'s copy of the run at `at`: the same on every try.
fn run_message_id(
    plan: &Id<ReportPlan>,
    at: OffsetDateTime,
    r: &Id<ReportRecipient>,
) -> Id<OutboxMessage> {
    let mut h = Sha256::new();
    h.update(b"plaudit report run v1");
    h.update(plan.as_bytes());
    h.update(at.unix_timestamp().to_be_bytes());
    h.update(r.as_bytes());
    let digest = h.finalize();
    let millis = u64::try_from(at.unix_timestamp()).unwrap_or(0) * 1000;
    let mut bytes = [0u8; 16];
    bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
    bytes[6..].copy_from_slice(&digest[..10]);
    Id::from_bytes(bytes)
}

struct Outgoing<'a> {
    report: &'a Report,
    pdf: &'a str,
    file: &'a str,
    test: bool,
}

fn message(
    ctx: &Ctx,
    id: Id<OutboxMessage>,
    to: &Email,
    unsubscribe: Option<(&str, Vec<(String, String)>)>,
    o: &Outgoing,
) -> Result<OutboxMessage> {
    let url = unsubscribe.as_ref().map_or("", |(u, _)| u);
    let mut rendered = email::ReportEmail::new(o.report, url, o.test)
        .render()
        .map_err(|e| Error::Internal(anyhow::anyhow!("rendering a report email: {e}")))?;
    if o.test {
        rendered.subject = format!("[Test] {}", rendered.subject);
    }
    let now = ctx.clock.now();
    let mut m = crate::mail::message(
        now,
        &ctx.mail_from,
        to,
        rendered,
        unsubscribe.map(|(_, h)| h).unwrap_or_default(),
    );
    m.id = id;
    m.message_id = crate::mail::message::message_id(&id, &ctx.mail_from);
    m.from_name = Some(o.report.brand.sender_name.clone());
    m.reply_to = o.report.brand.reply_to.as_ref().map(|e| e.to_string());
    m.attachments = vec![Attachment {
        filename: o.file.to_string(),
        content_type: "application/pdf".into(),
        data: o.pdf.to_string(),
    }];
    Ok(m)
}

fn pdf_base64(r: &Report) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(layout::render(r))
}

/// Queues a test of `plan` to the person asking (a member signed in), now.
pub fn send_test(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    id: &Id<ReportPlan>,
) -> Result<Email> {
    let here = ctx.enter_as(actor, ws, Access::Write)?;
    let user = actor.principal.user().map_err(|_| {
        Error::Invalid("a test goes to the person asking: sign in to send one".into())
    })?;
    let to = user.email.clone();
    let plan = ctx.store.reports().plan(ws, id)?.ok_or(Error::NotFound)?;
    let now = ctx.clock.now();
    let report = report_for(ctx, &here.workspace, &plan, now)?;
    let (pdf, file) = (pdf_base64(&report), file_name(&report));
    let o = Outgoing {
        report: &report,
        pdf: &pdf,
        file: &file,
        test: true,
    };
    let msg = message(ctx, Id::generate(now), &to, None, &o)?;
    ctx.store.outbox().enqueue(&msg)?;
    ctx.store.flush_from_blocking()?;
    Ok(to)
}

/// The address a recipient's report goes to now, if any.
fn address(ctx: &Ctx, ws: &Id<Workspace>, r: &ReportRecipient) -> Result<Option<Email>> {
    if r.unsubscribed_at.is_some() {
        return Ok(None);
    }
    let email = match &r.to {
        RecipientTo::Email(e) => e.clone(),
        RecipientTo::Member(u) => {
            // A member who left gets nothing.
            if ctx.store.workspaces().role(ws, u)?.is_none() {
                return Ok(None);
            }
            match ctx.store.users().get(u)? {
                Some(user) => user.email,
                None => return Ok(None),
            }
        }
    };
    // Bounced, complained or unsubscribed from the workspace's mail: not mailed.
    if ctx.store.contacts().suppression(ws, &email)?.is_some() {
        return Ok(None);
    }
    Ok(Some(email))
}

/// The last time `plan` was due at or before `now`: a server down for months sends the latest
/// report, not every missed one.
fn latest_due(plan: &ReportPlan, now: OffsetDateTime) -> OffsetDateTime {
    let zone = crate::domain::zone(&plan.zone);
    let mut at = plan.next_at;
    for _ in 0..1_000 {
        let next = plan.cadence.next(plan.hour, &zone, at);
        if next > now || next <= at {
            break;
        }
        at = next;
    }
    at
}

/// Sends every due plan's report; the messages queued. Flushed before each plan moves on, so
/// a crash repeats a run (finding its messages queued) and never skips one.
pub fn deliver_due(ctx: &Ctx) -> Result<usize> {
    let now = ctx.clock.now();
    let mut queued = 0;
    for (ws, plan) in ctx.store.reports().due(now)? {
        match deliver(ctx, &ws, &plan, now) {
            Ok(n) => queued += n,
            Err(e) => tracing::error!(plan = %plan.id, error = %e, "a client report failed"),
        }
    }
    Ok(queued)
}

fn deliver(ctx: &Ctx, ws: &Id<Workspace>, plan: &ReportPlan, now: OffsetDateTime) -> Result<usize> {
    let Some(workspace) = ctx.store.workspaces().get(ws)? else {
        return Ok(0);
    };
    let at = latest_due(plan, now);
    let mut queued = 0;
    let mut made: Option<(Report, String, String)> = None;
    for r in &plan.recipients {
        let Some(to) = address(ctx, ws, r)? else {
            continue;
        };
        let id = run_message_id(&plan.id, at, &r.id);
        if ctx.store.outbox().get(&id)?.is_some() {
            continue;
        }
        if made.is_none() {
            let report = report_for(ctx, &workspace, plan, at)?;
            let (pdf, file) = (pdf_base64(&report), file_name(&report));
            made = Some((report, pdf, file));
        }
        let Some((report, pdf, file)) = &made else {
            continue;
        };
        let token = signed_links::sign(
            &ctx.store,
            LinkKind::ReportUnsubscribe,
            &LinkRef::report(*ws, plan.id, r.id),
        )?;
        let url = ctx.link(&format!("/u/r/{token}"));
        let headers = email::headers(&url, &ws.to_string(), &plan.id.to_string());
        let o = Outgoing {
            report,
            pdf,
            file,
            test: false,
        };
        let msg = message(ctx, id, &to, Some((&url, headers)), &o)?;
        ctx.store.outbox().enqueue(&msg)?;
        queued += 1;
    }
    ctx.store.flush_from_blocking()?;
    let zone = crate::domain::zone(&plan.zone);
    let next = plan.cadence.next(plan.hour, &zone, at.max(now));
    ctx.store.reports().update_plan(ws, &plan.id, |p| {
        if p.next_at > at {
            return false; // changed meanwhile (saved again): its own schedule stands
        }
        p.next_at = next;
        p.last_sent_at = Some(at);
        true
    })?;
    ctx.store.flush_from_blocking()?;
    Ok(queued)
}

/// What an unsubscribe link is about.
pub struct Unsubscribing {
    pub workspace: String,
    pub plan: String,
    pub already: bool,
    pub brand: crate::domain::Brand,
}

/// Whom an unsubscribe token names, if it is genuine and its plan still exists.
pub fn unsubscribe_target(ctx: &Ctx, token: &str) -> Result<Option<Unsubscribing>> {
    let Some(r) = signed_links::verify(&ctx.store, LinkKind::ReportUnsubscribe, token)? else {
        return Ok(None);
    };
    let Some(plan) = ctx.store.reports().plan(&r.workspace, &r.plan())? else {
        return Ok(None);
    };
    let Some(rec) = plan.recipients.iter().find(|x| x.id == r.recipient()) else {
        return Ok(None);
    };
    let workspace = ctx
        .store
        .workspaces()
        .get(&r.workspace)?
        .map(|w| w.name)
        .unwrap_or_default();
    Ok(Some(Unsubscribing {
        workspace,
        plan: plan.name,
        already: rec.unsubscribed_at.is_some(),
        brand: super::report_plans::brand_of(ctx, &r.workspace)?,
    }))
}

/// One click: the recipient gets no more reports of that plan (durable once the caller
/// flushes). Repeating it changes nothing.
pub fn unsubscribe(ctx: &Ctx, token: &str) -> Result<Option<Unsubscribing>> {
    let Some(target) = unsubscribe_target(ctx, token)? else {
        return Ok(None);
    };
    let Some(r) = signed_links::verify(&ctx.store, LinkKind::ReportUnsubscribe, token)? else {
        return Ok(None);
    };
    let now = ctx.clock.now();
    let recipient = r.recipient();
    let mut changed = false;
    ctx.store
        .reports()
        .update_plan(&r.workspace, &r.plan(), |p| {
            match p.recipients.iter_mut().find(|x| x.id == recipient) {
                Some(x) if x.unsubscribed_at.is_none() => {
                    x.unsubscribed_at = Some(now);
                    true
                }
                _ => false,
            }
        })?;
    if !target.already {
        changed = true;
    }
    if changed {
        super::audit::record(
            ctx,
            &r.workspace,
            &Actor::operator(),
            "report.unsubscribed",
            &target.plan,
        );
    }
    Ok(Some(target))
}
