//! The workspace's feedback-request template, branding and score scale, and the answers list.

use super::auth::{Actor, Principal};
use super::{Ctx, Error, Result, audit};
use crate::domain::{
    Access, FeedbackSettings, Id, ScoreScale, Workspace, header_safe, parse_message,
};
use crate::store::{Page, PageRequest};
use serde::{Deserialize, Serialize};

/// The workspace's settings, or the defaults until someone saves them.
pub fn settings_of(ctx: &Ctx, ws: &Id<Workspace>) -> Result<FeedbackSettings> {
    if let Some(s) = ctx.store.campaigns().settings(ws)? {
        return Ok(s);
    }
    let name = ctx
        .store
        .workspaces()
        .get(ws)?
        .map(|w| w.name)
        .unwrap_or_default();
    let mut s = FeedbackSettings::default_for(&name);
    // Not set up yet: the agency's colour (its branding) rather than Plaudit's.
    let b = ctx.store.reports().branding(ws)?;
    let instance = ctx.config.branding.primary_colour.trim().to_string();
    if let Some(c) = [b.primary, instance].into_iter().find(|c| !c.is_empty()) {
        s.brand_color = c;
    }
    Ok(s)
}

pub fn settings(ctx: &Ctx, principal: &Principal, ws: &Id<Workspace>) -> Result<FeedbackSettings> {
    ctx.enter(principal, ws, Access::Read)?;
    settings_of(ctx, ws)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsInput {
    #[schemars(
        length(max = 80),
        regex(pattern = crate::domain::shapes::LINE)
    )]
    pub sender_name: String,
    #[schemars(
        length(max = 200),
        regex(pattern = crate::domain::shapes::LINE)
    )]
    pub subject: String,
    #[schemars(
        length(max = 20000),
        regex(
            pattern = crate::domain::shapes::TEXT_NOT_BLANK
        )
    )]
    pub body_text: String,
    #[serde(default)]
    #[schemars(
        length(max = 100000),
        regex(pattern = crate::domain::shapes::TEXT)
    )]
    pub body_html: Option<String>,
    /// An https URL.
    #[serde(default)]
    #[schemars(
        length(max = 2000),
        regex(pattern = r"^https://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(/[A-Za-z0-9._~/%-]*)?$")
    )]
    pub logo_url: Option<String>,
    /// `#rrggbb`.
    #[schemars(regex(pattern = r"^#[0-9a-fA-F]{6}$"))]
    pub brand_color: String,
    #[serde(default)]
    #[schemars(length(max = 300), regex(pattern = crate::domain::shapes::LINE_OR_EMPTY))]
    pub postal_address: String,
    pub scale: ScoreScale,
    #[serde(default)]
    pub track_opens: bool,
    #[serde(default = "yes")]
    pub alert_on_low_score: bool,
    /// The frequency cap: contacts asked by any campaign within this many days are not asked
    /// again (90 when absent).
    #[serde(default = "default_cap")]
    #[schemars(range(min = 1, max = 3650))]
    pub ask_cap_days: u32,
}

fn default_cap() -> u32 {
    crate::domain::DEFAULT_ASK_CAP_DAYS
}

fn yes() -> bool {
    true
}

pub fn save_settings(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    input: &SettingsInput,
) -> Result<FeedbackSettings> {
    ctx.enter(actor, ws, Access::Write)?;
    let sender_name = header_safe(&input.sender_name);
    if sender_name.is_empty() || sender_name.chars().count() > 80 {
        return Err(Error::Invalid("sender_name: 1 to 80 characters".into()));
    }
    let message = parse_message(&input.subject, &input.body_text, input.body_html.as_deref())
        .map_err(Error::Invalid)?;
    let logo_url = match input.logo_url.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(u) => {
            let ok = u.len() <= 2000
                && url::Url::parse(u).is_ok_and(|p| p.scheme() == "https" && p.host().is_some())
                && !u.contains(['"', '\'', '<', '>', ' ']);
            if !ok {
                return Err(Error::Invalid("logo_url: an https:// address".into()));
            }
            Some(u.to_string())
        }
    };
    let color = input.brand_color.trim().to_ascii_lowercase();
    if !(color.len() == 7
        && color.starts_with('#')
        && color[1..].chars().all(|c| c.is_ascii_hexdigit()))
    {
        return Err(Error::Invalid(
            "brand_color: a colour such as #2563eb".into(),
        ));
    }
    let postal_address = header_safe(&input.postal_address);
    if postal_address.chars().count() > 300 {
        return Err(Error::Invalid(
            "postal_address: at most 300 characters".into(),
        ));
    }
    if !(1..=3650).contains(&input.ask_cap_days) {
        return Err(Error::Invalid("ask_cap_days: 1 to 3650".into()));
    }
    let s = FeedbackSettings {
        sender_name,
        subject: message.subject,
        body_text: message.body_text,
        body_html: message.body_html,
        logo_url,
        brand_color: color,
        postal_address,
        scale: input.scale,
        track_opens: input.track_opens,
        alert_on_low_score: input.alert_on_low_score,
        ask_cap_days: input.ask_cap_days,
    };
    ctx.store.campaigns().put_settings(ws, &s)?;
    audit::record(ctx, ws, actor, "feedback.settings_changed", "");
    Ok(s)
}

pub fn feedback(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id<Workspace>,
    req: &PageRequest,
) -> Result<Page<crate::domain::Feedback>> {
    ctx.enter(principal, ws, Access::Read)?;
    Ok(ctx.store.campaigns().feedback_page(ws, req)?)
}
