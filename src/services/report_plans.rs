//! Client report plans and branding, as managers change them: recipients, schedule,
//! locations, period; the agency's name, colours and logo for one workspace.

use super::auth::{Actor, Principal};
use super::{Ctx, Error, Result};
use crate::domain::{
    Access, Brand, Branding, Cadence, Email, Id, Location, MAX_LOGO, MAX_RECIPIENTS, RecipientTo,
    ReportPeriod, ReportPlan, ReportRecipient, User, Workspace,
};
use crate::store::MAX_PLANS;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A plan as a manager writes it.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct PlanInput {
    #[schemars(length(min = 1, max = 100), regex(pattern = r"\S"))]
    pub name: String,
    /// Client contacts (no account needed).
    #[serde(default)]
    pub emails: Vec<String>,
    /// Members of the workspace.
    #[serde(default)]
    #[schemars(with = "Vec<IdText>")]
    pub members: Vec<Id<User>>,
    /// `month` or `week`.
    #[schemars(regex(pattern = r"^(month|week)$"))]
    pub every: String,
    /// Day of the month (1–31; 31 is the last day) or of the week (1 Monday – 7 Sunday).
    #[schemars(range(min = 1, max = 31))]
    pub day: u8,
    /// Local hour, 0–23.
    #[serde(default = "default_hour")]
    #[schemars(range(max = 23))]
    pub hour: u8,
    /// IANA time zone, e.g. `Europe/Paris`.
    #[serde(default = "default_zone")]
    pub zone: String,
    /// Empty: every location.
    #[serde(default)]
    #[schemars(with = "Vec<IdText>")]
    pub locations: Vec<Id<Location>>,
    /// `previous_month`, `previous_week` or `last_30_days`; absent: the period the cadence
    /// covers (the previous month for a monthly report, the previous week for a weekly one).
    #[serde(default)]
    #[schemars(regex(pattern = r"^(previous_month|previous_week|last_30_days)?$"))]
    pub period: Option<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

/// An id as the document shows it: 32 lowercase hex digits (for `#[schemars(with = …)]`).
#[derive(JsonSchema)]
#[allow(dead_code)]
pub(super) struct IdText(#[schemars(regex(pattern = r"^[0-9a-f]{32}$"))] String);

fn default_hour() -> u8 {
    8
}
fn default_zone() -> String {
    "UTC".into()
}
fn yes() -> bool {
    true
}

pub fn list(ctx: &Ctx, principal: &Principal, ws: &Id<Workspace>) -> Result<Vec<ReportPlan>> {
    ctx.enter(principal, ws, Access::Read)?;
    Ok(ctx.store.reports().plans(ws)?)
}

pub fn get(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id<Workspace>,
    id: &Id<ReportPlan>,
) -> Result<ReportPlan> {
    ctx.enter(principal, ws, Access::Read)?;
    ctx.store.reports().plan(ws, id)?.ok_or(Error::NotFound)
}

/// A new plan, or `id`'s replaced (keeping each kept recipient's id and unsubscribe).
pub fn save(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    id: Option<&Id<ReportPlan>>,
    input: &PlanInput,
) -> Result<ReportPlan> {
    let here = ctx.enter_as(actor, ws, Access::Write)?;
    let store = &ctx.store;
    let now = ctx.clock.now();
    let old = match id {
        Some(id) => Some(store.reports().plan(ws, id)?.ok_or(Error::NotFound)?),
        None => {
            if store.reports().plans(ws)?.len() >= MAX_PLANS {
                return Err(Error::Invalid(format!(
                    "a workspace has at most {MAX_PLANS} report plans"
                )));
            }
            None
        }
    };
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::Invalid("name: 1 to 100 characters".into()));
    }
    let cadence = match input.every.as_str() {
        "month" if (1..=31).contains(&input.day) => Cadence::Monthly { day: input.day },
        "week" if (1..=7).contains(&input.day) => Cadence::Weekly { weekday: input.day },
        "month" => return Err(Error::Invalid("day: 1 to 31 for a monthly report".into())),
        "week" => {
            return Err(Error::Invalid(
                "day: 1 (Monday) to 7 (Sunday) for a weekly report".into(),
            ));
        }
        _ => return Err(Error::Invalid("every: `month` or `week`".into())),
    };
    if input.hour > 23 {
        return Err(Error::Invalid("hour: 0 to 23".into()));
    }
    let zone = input.zone.trim();
    if jiff::tz::TimeZone::get(zone).is_err() {
        return Err(Error::Invalid(format!(
            "zone: `{zone}` is not a time zone name such as Europe/Paris"
        )));
    }
    let period = match input.period.as_deref().map(str::trim) {
        None | Some("") => match cadence {
            Cadence::Monthly { .. } => ReportPeriod::PreviousMonth,
            Cadence::Weekly { .. } => ReportPeriod::PreviousWeek,
        },
        Some(p) => ReportPeriod::parse(p).ok_or_else(|| {
            Error::Invalid("period: previous_month, previous_week or last_30_days".into())
        })?,
    };
    let known = store.locations().all(ws)?;
    for l in &input.locations {
        if !known.iter().any(|k| k.id == *l) {
            return Err(Error::Invalid(format!("locations: no location {l} here")));
        }
    }
    let previous = old.as_ref().map_or(&[][..], |o| o.recipients.as_slice());
    let mut recipients: Vec<ReportRecipient> = Vec::new();
    let mut add = |to: RecipientTo| {
        if recipients.iter().any(|r| r.to == to) {
            return;
        }
        let kept = previous.iter().find(|r| r.to == to);
        recipients.push(ReportRecipient {
            id: kept.map_or_else(|| Id::generate(now), |r| r.id),
            to,
            unsubscribed_at: kept.and_then(|r| r.unsubscribed_at),
        });
    };
    for raw in input.emails.iter().filter(|e| !e.trim().is_empty()) {
        let email = Email::parse(raw).map_err(|e| Error::Invalid(format!("emails: {e}")))?;
        add(RecipientTo::Email(email));
    }
    for m in &input.members {
        if store.workspaces().role(ws, m)?.is_none() {
            return Err(Error::Invalid(format!("members: {m} is not a member here")));
        }
        add(RecipientTo::Member(*m));
    }
    if recipients.is_empty() {
        return Err(Error::Invalid(
            "emails: name at least one recipient (a client's address or a member)".into(),
        ));
    }
    if recipients.len() > MAX_RECIPIENTS {
        return Err(Error::Invalid(format!(
            "emails: at most {MAX_RECIPIENTS} recipients"
        )));
    }
    let zone_tz = crate::domain::zone(zone);
    let plan = ReportPlan {
        id: old.as_ref().map_or_else(|| Id::generate(now), |o| o.id),
        name: name.to_string(),
        recipients,
        cadence,
        hour: input.hour,
        zone: zone.to_string(),
        locations: input.locations.clone(),
        period,
        enabled: input.enabled,
        next_at: cadence.next(input.hour, &zone_tz, now),
        last_sent_at: old.as_ref().and_then(|o| o.last_sent_at),
        created_at: old.as_ref().map_or(now, |o| o.created_at),
    };
    store.reports().put_plan(ws, &plan)?;
    let action = if old.is_some() {
        "report.updated"
    } else {
        "report.created"
    };
    store.audit().append(ws, &here.audit(action, &plan.name))?;
    Ok(plan)
}

pub fn delete(ctx: &Ctx, actor: &Actor, ws: &Id<Workspace>, id: &Id<ReportPlan>) -> Result<()> {
    let here = ctx.enter_as(actor, ws, Access::Write)?;
    let plan = ctx.store.reports().plan(ws, id)?.ok_or(Error::NotFound)?;
    ctx.store.reports().remove_plan(ws, id)?;
    ctx.store
        .audit()
        .append(ws, &here.audit("report.deleted", &plan.name))?;
    Ok(())
}

/// The instance's default branding (from `[branding]`).
pub fn instance_branding(ctx: &Ctx) -> Branding {
    ctx.config.branding.branding()
}

/// The branding `ws` uses, every field decided. No access check: public pages show it.
pub fn brand_of(ctx: &Ctx, ws: &Id<Workspace>) -> Result<Brand> {
    Ok(Brand::resolve(
        &instance_branding(ctx),
        &ctx.store.reports().branding(ws)?,
    ))
}

/// What a workspace set itself (empty fields follow the instance).
pub fn branding(ctx: &Ctx, principal: &Principal, ws: &Id<Workspace>) -> Result<Branding> {
    ctx.enter(principal, ws, Access::Read)?;
    Ok(ctx.store.reports().branding(ws)?)
}

/// Changes a workspace's branding; `logo` is `Some(bytes)` to replace it, `Some(empty)` to
/// remove it, `None` to keep it.
pub fn set_branding(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    mut b: Branding,
    logo: Option<Vec<u8>>,
) -> Result<Branding> {
    let here = ctx.enter_as(actor, ws, Access::Write)?;
    for (field, v) in [("primary", &mut b.primary), ("accent", &mut b.accent)] {
        *v = v.trim().to_lowercase();
        if !v.is_empty() && crate::pdf::Rgb::parse(v).is_none() {
            return Err(Error::Invalid(format!("{field}: a colour as #rrggbb")));
        }
    }
    for (field, v) in [
        ("agency_name", &mut b.agency_name),
        ("sender_name", &mut b.sender_name),
    ] {
        *v = crate::domain::header_safe(v.trim());
        if v.chars().count() > 100 {
            return Err(Error::Invalid(format!("{field}: at most 100 characters")));
        }
    }
    let old = ctx.store.reports().branding(ws)?;
    b.logo = match logo {
        None => old.logo,
        Some(bytes) if bytes.is_empty() => None,
        Some(bytes) => {
            if bytes.len() > MAX_LOGO {
                return Err(Error::Invalid("logo: at most 200 KB".into()));
            }
            crate::pdf::Image::read(&bytes).map_err(|e| Error::Invalid(format!("logo: {e}")))?;
            use base64::Engine;
            Some(base64::engine::general_purpose::STANDARD.encode(bytes))
        }
    };
    ctx.store.reports().put_branding(ws, &b)?;
    ctx.store
        .audit()
        .append(ws, &here.audit("branding.updated", &b.agency_name))?;
    Ok(b)
}
