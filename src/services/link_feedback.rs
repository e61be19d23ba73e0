//! Feedback without an address: a location's public link (`/r/TOKEN`, printed as a QR code).
//! Answers land beside the emailed ones, marked `via: link`, sealed under a key of their own
//! (there is no contact to erase them with); the public review links show whatever the score.
//! A browser changes its own answer for a day instead of adding another (a signed cookie).

use super::feedback::parse_answer;
use super::feedback_settings::settings_of;
use super::{Ctx, Result};
use crate::domain::{Feedback, FeedbackSettings, FeedbackVia, Id, Location, Workspace};
use time::Duration;

/// How long one browser's answer at a location is changed rather than added to.
pub const SAME_BROWSER: Duration = Duration::days(1);

pub struct LinkPage {
    pub settings: FeedbackSettings,
    pub location: Location,
    /// This browser's answer of the last day, if any.
    pub previous: Option<Feedback>,
    /// "Powered by Plaudit" in the footer (the workspace's branding).
    pub powered_by: bool,
}

impl LinkPage {
    /// The public review pages: shown to every customer whatever their score (no gating).
    pub fn review_links(&self) -> Vec<(&'static str, String)> {
        self.location.review_links()
    }
}

/// What the customer typed.
pub struct LinkAnswer<'a> {
    pub score: &'a str,
    pub comment: &'a str,
    pub name: &'a str,
    pub consent: bool,
}

fn resolve(ctx: &Ctx, token: &str) -> Result<Option<(Id<Workspace>, Location)>> {
    let Some((ws, loc)) = super::location_links::verify(&ctx.store, token)? else {
        return Ok(None);
    };
    if ctx.store.workspaces().get(&ws)?.is_none() {
        return Ok(None);
    }
    Ok(ctx
        .store
        .locations()
        .get(&ws, &loc)?
        .filter(|l| !l.archived)
        .map(|l| (ws, l)))
}

fn previous(
    ctx: &Ctx,
    ws: &Id<Workspace>,
    loc: &Location,
    cookie: Option<&str>,
) -> Result<Option<Feedback>> {
    let Some(c) = cookie else { return Ok(None) };
    let now = ctx.clock.now();
    let Some(id) = super::location_links::verify_answer(&ctx.store, c, &loc.id, now)? else {
        return Ok(None);
    };
    Ok(ctx
        .store
        .campaigns()
        .feedback(ws, &id)?
        .filter(|f| f.via == FeedbackVia::Link))
}

/// The page behind a location's link; `None` for a bad token or an archived location.
pub fn open(ctx: &Ctx, token: &str, cookie: Option<&str>) -> Result<Option<LinkPage>> {
    let Some((ws, location)) = resolve(ctx, token)? else {
        return Ok(None);
    };
    Ok(Some(LinkPage {
        powered_by: super::report_plans::brand_of(ctx, &ws)?.powered_by,
        settings: settings_of(ctx, &ws)?,
        previous: previous(ctx, &ws, &location, cookie)?,
        location,
    }))
}

/// A first name as typed: trimmed, no control characters, at most 60 characters.
fn parse_name(s: &str) -> std::result::Result<String, String> {
    let name: String = s.trim().chars().filter(|c| !c.is_control()).collect();
    if name.chars().count() > 60 {
        return Err("Please keep the name under 60 characters.".into());
    }
    Ok(name)
}

/// Stores the answer (or changes this browser's answer of the last day). `Ok(None)`: bad
/// token. `Ok(Some(Err))`: bad input, nothing stored. `Ok(Some(Ok((page, cookie))))`: stored;
/// the cookie value names the answer for a day.
#[allow(clippy::type_complexity)]
pub fn submit(
    ctx: &Ctx,
    token: &str,
    cookie: Option<&str>,
    a: &LinkAnswer,
) -> Result<Option<std::result::Result<(LinkPage, String), (LinkPage, String)>>> {
    let Some(mut page) = open(ctx, token, cookie)? else {
        return Ok(None);
    };
    let ws = page.location.workspace;
    let parsed = parse_answer(page.settings.scale, a.score, a.comment)
        .and_then(|(s, c)| parse_name(a.name).map(|n| (s, c, n)));
    let (score, comment, name) = match parsed {
        Ok(v) => v,
        Err(m) => return Ok(Some(Err((page, m)))),
    };
    let now = ctx.clock.now();
    let before = page.previous.take();
    let feedback = Feedback {
        id: before.as_ref().map_or_else(|| Id::generate(now), |b| b.id),
        workspace: ws,
        campaign: None,
        contact: None,
        via: FeedbackVia::Link,
        name: name.clone(),
        location: Some(page.location.id),
        scale: page.settings.scale,
        score,
        comment,
        at: now,
        publish_consent: a
            .consent
            .then(|| crate::domain::publish_consent_wording(&page.settings.sender_name)),
    };
    ctx.store.campaigns().put_feedback(&feedback)?;
    // A low score alerts once per answer: not again when the same browser only rewords it.
    let was_low = before
        .as_ref()
        .is_some_and(|b| page.settings.scale.is_low(b.score));
    if page.settings.alert_on_low_score && page.settings.scale.is_low(score) && !was_low {
        let who = if name.is_empty() {
            "A customer".to_string()
        } else {
            name
        };
        super::feedback::alert(ctx, &feedback, &who, None)?;
    }
    let cookie = super::location_links::sign_answer(
        &ctx.store,
        &page.location.id,
        &feedback.id,
        now + SAME_BROWSER,
    )?;
    page.previous = Some(feedback);
    Ok(Some(Ok((page, cookie))))
}

/// The public address of a location's feedback link, for members who may see the location.
pub fn url(
    ctx: &Ctx,
    principal: &super::auth::Principal,
    ws: &Id<Workspace>,
    loc: &Id<Location>,
) -> Result<(Location, String)> {
    ctx.enter(principal, ws, crate::domain::Access::Read)?;
    let location = ctx
        .store
        .locations()
        .get(ws, loc)?
        .ok_or(super::Error::NotFound)?;
    let token = super::location_links::sign(&ctx.store, ws, loc)?;
    Ok((location, ctx.link(&format!("/r/{token}"))))
}
