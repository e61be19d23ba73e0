//! Reply drafts: a workspace opts in (managers), a person asks for a draft of one item's reply
//! and gets text to edit in the reply box — nothing is ever posted from here. The call to the
//! model sits between `prepare` (checks, the daily cap, the prompt) and `finish` (cleaning,
//! token counts), so no store work waits on the network.

use super::auth::{Actor, Principal};
use super::{Ctx, Error, Result};
use crate::ai::{ChatMessage, Completion, prompt, sanitize};
use crate::domain::{Access, DraftSettings, DraftUsage, Id, Item, MAX_VOICE, Workspace};
use crate::store::{ItemFilter, PageRequest};

/// A draft asked for, ready to send to the model.
pub struct Prepared {
    pub messages: Vec<ChatMessage>,
    /// The item drafted for, as read for the prompt (pages show it beside the draft).
    pub item: Item,
    workspace: Id<Workspace>,
    day: u32,
    max: usize,
    bytes: bool,
}

/// What the workspace page shows: the choice, today's use and the last 30 days'.
pub struct Overview {
    pub settings: DraftSettings,
    /// The instance has a model configured (`[ai]`).
    pub available: bool,
    pub today: DraftUsage,
    pub month: DraftUsage,
    pub daily_cap: u32,
    /// Estimated cost of the last 30 days, in the operator's currency.
    pub month_cost: f64,
}

fn today(ctx: &Ctx) -> u32 {
    crate::domain::local_day(&jiff::tz::TimeZone::UTC, ctx.clock.now())
}

pub fn overview(ctx: &Ctx, principal: &Principal, ws: &Id<Workspace>) -> Result<Overview> {
    ctx.enter(principal, ws, Access::Read)?;
    let d = ctx.store.drafts();
    let day = today(ctx);
    let month = d.usage(ws, day.saturating_sub(29), day + 1)?;
    let ai = &ctx.config.ai;
    Ok(Overview {
        settings: d.settings(ws)?,
        available: ai.enabled,
        today: d.usage(ws, day, day + 1)?,
        month_cost: month.tokens() as f64 * ai.cost_per_million_tokens / 1_000_000.0,
        month,
        daily_cap: ai.daily_drafts_per_workspace,
    })
}

/// Opts the workspace in or out and sets its voice (managers).
pub fn set(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    enabled: bool,
    voice: &str,
) -> Result<DraftSettings> {
    let here = ctx.enter_as(actor, ws, Access::Write)?;
    if enabled && !ctx.config.ai.enabled {
        return Err(Error::Conflict(
            "reply drafts need a model server: the operator sets [ai] in the configuration".into(),
        ));
    }
    let voice: String = voice
        .trim()
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect();
    if voice.chars().count() > MAX_VOICE {
        return Err(Error::Invalid(format!(
            "voice: at most {MAX_VOICE} characters"
        )));
    }
    let s = DraftSettings { enabled, voice };
    ctx.store.drafts().put_settings(ws, &s)?;
    let what = if enabled { "on" } else { "off" };
    ctx.store
        .audit()
        .append(ws, &here.audit("drafts.settings", what))?;
    Ok(s)
}

/// Checks that a draft may be asked for `id` now, counts it against today's cap, and builds
/// the prompt. Asking for a draft is preparing a reply: managers.
pub fn prepare(ctx: &Ctx, actor: &Actor, ws: &Id<Workspace>, id: &Id<Item>) -> Result<Prepared> {
    let here = ctx.enter_as(actor, ws, Access::Write)?;
    let ai = &ctx.config.ai;
    if !ai.enabled {
        return Err(Error::Conflict(
            "reply drafts are off on this instance (no model server in [ai])".into(),
        ));
    }
    let settings = ctx.store.drafts().settings(ws)?;
    if !settings.enabled {
        return Err(Error::Conflict(
            "reply drafts are off for this workspace: a manager turns them on in its settings"
                .into(),
        ));
    }
    let item = ctx.store.items().get(ws, id)?.ok_or(Error::NotFound)?;
    let day = today(ctx);
    if ctx
        .store
        .drafts()
        .take(ws, day, ai.daily_drafts_per_workspace)?
        .is_err()
    {
        return Err(Error::Conflict(format!(
            "today's {} drafts are used; more tomorrow (UTC)",
            ai.daily_drafts_per_workspace
        )));
    }
    let location = ctx
        .store
        .locations()
        .get(ws, &item.location)?
        .map(|l| l.name)
        .unwrap_or_default();
    // Earlier replies at this location, for their tone (the business's own words only).
    let filter = ItemFilter {
        location: Some(item.location),
        replied: Some(true),
        ..ItemFilter::default()
    };
    let examples: Vec<String> = ctx
        .store
        .items()
        .page(ws, &filter, &PageRequest::first(3))?
        .items
        .into_iter()
        .filter(|i| i.id != item.id)
        .filter_map(|i| i.reply.map(|r| r.text))
        .collect();
    let (max, unit) = super::items::reply_limit(item.origin);
    let first_name = if item.author.anonymous {
        ""
    } else {
        item.author.name.split_whitespace().next().unwrap_or("")
    };
    let facts = prompt::ReviewFacts {
        business: &here.workspace.name,
        location: &location,
        first_name,
        rating: item.rating,
        text: &item.text,
        source: crate::domain::ShowSource::of_origin(item.origin).label(),
        max_chars: max,
    };
    let messages = prompt::messages(&facts, &settings.voice, &examples);
    Ok(Prepared {
        messages,
        item,
        workspace: *ws,
        day,
        max,
        bytes: unit == "bytes",
    })
}

/// The model's answer as a draft: cleaned, within the provider's limit; its tokens counted.
pub fn finish(ctx: &Ctx, p: &Prepared, c: &Completion) -> Result<String> {
    ctx.store
        .drafts()
        .add_tokens(&p.workspace, p.day, c.prompt_tokens, c.completion_tokens)?;
    let mut text = sanitize::clean(&c.text, p.max);
    if p.bytes && text.len() > p.max {
        // Google counts bytes: four a character at worst.
        text = sanitize::clean(&text, p.max / 4);
    }
    if text.is_empty() {
        return Err(Error::Conflict(
            "the model's answer held nothing usable as a reply; try again or write it yourself"
                .into(),
        ));
    }
    Ok(text)
}
