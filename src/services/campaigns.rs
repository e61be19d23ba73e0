//! Campaigns: create, change, send, pause, resume. The workspace's template and branding are in
//! `feedback_settings` (re-exported here).

use super::auth::{Actor, Principal};
use super::{Ctx, Error, Result, audit};
use crate::domain::{
    Access, Audience, Campaign, CampaignStatus, Funnel, Id, Workspace, header_safe, parse_message,
};
use crate::store::{Page, PageRequest};

pub use super::feedback_settings::{SettingsInput, feedback, save_settings, settings, settings_of};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A campaign as a caller describes it. Absent message fields come from the workspace's
/// feedback-request template.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignInput {
    #[schemars(
        length(min = 1, max = 120),
        regex(pattern = crate::domain::shapes::LINE)
    )]
    pub name: String,
    /// Ask only this location's contacts (a location id).
    #[serde(default)]
    #[schemars(regex(pattern = r"^[0-9a-f]{32}$"))]
    pub location: Option<String>,
    /// One line; placeholders allowed.
    #[serde(default)]
    #[schemars(
        length(max = 200),
        regex(pattern = crate::domain::shapes::LINE)
    )]
    pub subject: Option<String>,
    #[serde(default)]
    #[schemars(
        length(max = 20000),
        regex(
            pattern = crate::domain::shapes::TEXT_NOT_BLANK
        )
    )]
    pub body_text: Option<String>,
    #[serde(default)]
    #[schemars(
        length(max = 100000),
        regex(pattern = crate::domain::shapes::TEXT)
    )]
    pub body_html: Option<String>,
    /// Only contacts added at or after this time (RFC 3339, UTC).
    #[serde(default)]
    #[schemars(regex(
        pattern = r"^20[2-9][0-9]-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z$"
    ))]
    pub added_since: Option<String>,
    /// The frequency cap for this campaign: skip contacts asked by any campaign in the last N
    /// days (absent: the workspace's, 90 unless changed; 0: ask them whenever they were asked,
    /// though never while another campaign's message to them still waits).
    #[serde(default, deserialize_with = "whole")]
    #[schemars(range(min = 0, max = 3650))]
    pub not_asked_days: Option<u32>,
    /// One reminder to those who did not answer, N days after the first pass.
    #[serde(default, deserialize_with = "whole")]
    #[schemars(range(min = 1, max = 90))]
    pub reminder_days: Option<u32>,
    /// At most N first messages a day.
    #[serde(default, deserialize_with = "whole")]
    #[schemars(range(min = 1, max = 1000000))]
    pub daily_cap: Option<u32>,
    /// Start sending at this time (RFC 3339, UTC) when `send` is called; absent: at once.
    #[serde(default)]
    #[schemars(regex(
        pattern = r"^20[2-9][0-9]-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z$"
    ))]
    pub send_at: Option<String>,
}

/// A whole number, also when JSON writes it `45.0` (JSON Schema counts that as an integer).
fn whole<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<u32>, D::Error> {
    match Option::<f64>::deserialize(d)? {
        None => Ok(None),
        Some(n) if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n) => {
            Ok(Some(n as u32))
        }
        Some(n) => Err(serde::de::Error::custom(format!(
            "{n} is not a whole number"
        ))),
    }
}

fn time_field(name: &str, raw: Option<&str>) -> Result<Option<OffsetDateTime>> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => crate::domain::when::parse_time(s)
            .map(Some)
            .ok_or_else(|| Error::Invalid(format!("{name}: `{s}` is not an RFC 3339 time"))),
    }
}

fn plan_allows(ctx: &Ctx, ws: &Workspace) -> Result<()> {
    if ctx.config.plans.get(&ws.plan).is_some_and(|p| !p.campaigns) {
        return Err(Error::PlanLimit(format!(
            "the `{}` plan does not include feedback campaigns",
            ws.plan
        )));
    }
    Ok(())
}

/// Checks an input against the workspace; fills `c` (new or existing).
fn apply(ctx: &Ctx, ws: &Id<Workspace>, c: &mut Campaign, input: &CampaignInput) -> Result<()> {
    let name = header_safe(&input.name);
    if name.is_empty() || name.chars().count() > 120 {
        return Err(Error::Invalid("name: 1 to 120 characters".into()));
    }
    let location = match input.location.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => {
            let id = raw
                .parse()
                .map_err(|_| Error::Invalid(format!("location: `{raw}` is not a location id")))?;
            ctx.store.locations().get(ws, &id)?.ok_or_else(|| {
                Error::Invalid(format!(
                    "location: `{raw}` is not a location of this workspace"
                ))
            })?;
            Some(id)
        }
    };
    let settings = settings_of(ctx, ws)?;
    let subject = input.subject.as_deref().unwrap_or(&settings.subject);
    let text = input.body_text.as_deref().unwrap_or(&settings.body_text);
    let html = match &input.body_html {
        Some(h) => Some(h.as_str()),
        None if input.body_text.is_none() => settings.body_html.as_deref(),
        None => None,
    };
    c.message = parse_message(subject, text, html).map_err(Error::Invalid)?;
    c.name = name;
    c.location = location;
    c.audience = Audience {
        added_since: time_field("added_since", input.added_since.as_deref())?,
        not_asked_days: input.not_asked_days,
    };
    for (field, v, min, max) in [
        ("not_asked_days", input.not_asked_days, 0, 3650),
        ("reminder_days", input.reminder_days, 1, 90),
        ("daily_cap", input.daily_cap, 1, 1_000_000),
    ] {
        if v.is_some_and(|v| v < min || v > max) {
            return Err(Error::Invalid(format!("{field}: {min} to {max}")));
        }
    }
    c.reminder_days = input.reminder_days;
    c.daily_cap = input.daily_cap;
    c.send_at = time_field("send_at", input.send_at.as_deref())?;
    Ok(())
}

pub fn create(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    input: &CampaignInput,
) -> Result<Campaign> {
    let scope = ctx.enter_as(actor, ws, Access::Write)?;
    plan_allows(ctx, &scope.workspace)?;
    if let Some(plan) = ctx.config.plans.get(&scope.workspace.plan) {
        let max = plan.max_campaigns as usize;
        if ctx.store.campaigns().count(ws, max + 1)? >= max {
            return Err(Error::PlanLimit(format!(
                "the `{}` plan keeps at most {max} campaigns; change the workspace's plan for more",
                scope.workspace.plan
            )));
        }
    }
    let now = ctx.clock.now();
    let mut c = Campaign {
        id: Id::generate(now),
        workspace: *ws,
        name: String::new(),
        location: None,
        message: parse_message("x", "x", None).map_err(Error::Invalid)?,
        audience: Audience::default(),
        reminder_days: None,
        daily_cap: None,
        status: CampaignStatus::Draft,
        send_at: None,
        cursor: None,
        reminder_cursor: None,
        sent_on_day: (0, 0),
        created_at: now,
        first_pass_done_at: None,
        capped: 0,
    };
    apply(ctx, ws, &mut c, input)?;
    ctx.store.campaigns().put(&c)?;
    audit::record(ctx, ws, actor, "campaign.created", &c.id.to_string());
    Ok(c)
}

/// Changes a campaign that has not started sending.
pub fn update(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    id: &Id<Campaign>,
    input: &CampaignInput,
) -> Result<Campaign> {
    ctx.enter(actor, ws, Access::Write)?;
    let mut c = ctx.store.campaigns().get(ws, id)?.ok_or(Error::NotFound)?;
    if !matches!(c.status, CampaignStatus::Draft | CampaignStatus::Scheduled) {
        return Err(Error::Conflict(
            "a campaign that has started sending cannot be changed; pause it or make a new one"
                .into(),
        ));
    }
    apply(ctx, ws, &mut c, input)?;
    let changed = c.clone();
    ctx.store.campaigns().update(ws, id, |stored| {
        if matches!(
            stored.status,
            CampaignStatus::Draft | CampaignStatus::Scheduled
        ) {
            *stored = changed.clone();
        }
        true
    })?;
    audit::record(ctx, ws, actor, "campaign.changed", &id.to_string());
    Ok(c)
}

pub fn get(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id<Workspace>,
    id: &Id<Campaign>,
) -> Result<(Campaign, Funnel)> {
    ctx.enter(principal, ws, Access::Read)?;
    let c = ctx.store.campaigns().get(ws, id)?.ok_or(Error::NotFound)?;
    let funnel = ctx.store.campaigns().funnel(id)?;
    Ok((c, funnel))
}

pub fn list(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id<Workspace>,
    req: &PageRequest,
) -> Result<Page<Campaign>> {
    ctx.enter(principal, ws, Access::Read)?;
    Ok(ctx.store.campaigns().page(ws, req)?)
}

/// What a state change does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `without_review_link`: the sender confirmed that customers of locations without a
    /// public review link will see none.
    Send {
        without_review_link: bool,
    },
    Pause,
    Resume,
    /// A scheduled campaign back to a draft.
    Cancel,
}

pub fn act(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    id: &Id<Campaign>,
    action: Action,
) -> Result<Campaign> {
    let scope = ctx.enter(actor, ws, Access::Write)?;
    plan_allows(ctx, &scope.workspace)?;
    if let Action::Send {
        without_review_link,
    } = action
    {
        let c = ctx.store.campaigns().get(ws, id)?.ok_or(Error::NotFound)?;
        if matches!(c.status, CampaignStatus::Draft | CampaignStatus::Scheduled) {
            super::campaign_check::refuse_unready(ctx, ws, &c, without_review_link)?;
        }
    }
    let now = ctx.clock.now();
    let refused = std::cell::Cell::new(None);
    let c = ctx
        .store
        .campaigns()
        .update(ws, id, |c| {
            use CampaignStatus::*;
            let next = match (action, c.status) {
                (Action::Send { .. }, Draft) if c.send_at.is_some_and(|t| t > now) => Scheduled,
                (Action::Send { .. }, Draft | Scheduled) => Sending,
                (Action::Cancel, Scheduled) => Draft,
                (Action::Pause, Scheduled | Sending | WaitingReminder) => Paused,
                (Action::Resume, Paused) if c.first_pass_done_at.is_some() => WaitingReminder,
                (Action::Resume, Paused) if c.send_at.is_some_and(|t| t > now) => Scheduled,
                (Action::Resume, Paused) => Sending,
                (_, status) => {
                    refused.set(Some(status));
                    return false;
                }
            };
            c.status = next;
            true
        })?
        .ok_or(Error::NotFound)?;
    if let Some(status) = refused.get() {
        return Err(Error::Conflict(format!(
            "the campaign is {}; it cannot be {} now",
            status.name().replace('_', " "),
            match action {
                Action::Send { .. } => "sent",
                Action::Pause => "paused",
                Action::Resume => "resumed",
                Action::Cancel => "cancelled",
            }
        )));
    }
    let what = match action {
        Action::Send { .. } => "campaign.sent",
        Action::Pause => "campaign.paused",
        Action::Resume => "campaign.resumed",
        Action::Cancel => "campaign.cancelled",
    };
    audit::record(ctx, ws, actor, what, &id.to_string());
    Ok(c)
}

/// Deletes a draft; a campaign that was ever sent keeps its record (its recipients' answers
/// and unsubscribes refer to it).
pub fn remove(ctx: &Ctx, actor: &Actor, ws: &Id<Workspace>, id: &Id<Campaign>) -> Result<()> {
    ctx.enter(actor, ws, Access::Write)?;
    match ctx.store.campaigns().remove_draft(ws, id)? {
        None => Err(Error::NotFound),
        Some(false) => Err(Error::Conflict(
            "only a draft can be deleted; a campaign that was sent keeps its record".into(),
        )),
        Some(true) => {
            audit::record(ctx, ws, actor, "campaign.deleted", &id.to_string());
            Ok(())
        }
    }
}
