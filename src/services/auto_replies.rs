//! Auto-response rules (off until a manager makes one): each queues its template as the reply
//! to new star-only reviews, sent after its delay unless a person cancels it or answers first.
//! Queued by the alert step with the new items (`notify::alerts`); sent by `send_due`.

use super::auth::{Actor, Principal};
use super::report_plans::IdText;
use super::{Ctx, Error, Result, audit, items};
use crate::domain::{
    Access, AutoRule, Id, Item, Location, MAX_AUTO_RULES, MAX_DELAY_MINUTES, MIN_DELAY_MINUTES,
    QueuedReply, ReplyTemplate, Workspace, fill_template,
};
use crate::store::Cancelled;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Most queued replies one workspace lists.
pub const MAX_LISTED: usize = 500;
/// More than a workspace's queue ever holds (new textless reviews within one delay).
const MAX_QUEUED: usize = 100_000;
/// Queued replies one step sends.
const PER_STEP: usize = 50;

/// A rule as a manager writes it.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    #[schemars(length(min = 1, max = 100), regex(pattern = r"\S"))]
    pub name: String,
    /// The star ratings answered, 1–5 (a Facebook recommendation counts as 5).
    #[schemars(length(min = 1, max = 5), inner(range(min = 1, max = 5)))]
    pub stars: Vec<u8>,
    /// The reply template sent (its placeholders are filled in for each review).
    #[schemars(with = "IdText")]
    pub template: Id<ReplyTemplate>,
    /// Minutes between the review's arrival and the reply (5 to 10080, a week): the time a
    /// person has to cancel it or write their own.
    #[serde(default = "default_delay")]
    #[schemars(range(min = 5, max = 10080))]
    pub delay_minutes: u32,
    /// Empty: every location.
    #[serde(default)]
    #[schemars(with = "Vec<IdText>", length(max = 500))]
    pub locations: Vec<Id<Location>>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn default_delay() -> u32 {
    60
}
fn yes() -> bool {
    true
}

/// A queued reply with the text it would send now.
#[derive(Debug, Clone)]
pub struct Pending {
    pub queued: QueuedReply,
    pub text: String,
}

pub fn rules(ctx: &Ctx, principal: &Principal, ws: &Id<Workspace>) -> Result<Vec<AutoRule>> {
    ctx.enter(principal, ws, Access::Read)?;
    Ok(ctx.store.auto_replies().rules(ws)?)
}

pub fn rule(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id<Workspace>,
    id: &Id<AutoRule>,
) -> Result<AutoRule> {
    ctx.enter(principal, ws, Access::Read)?;
    ctx.store
        .auto_replies()
        .rule(ws, id)?
        .ok_or(Error::NotFound)
}

/// Checks `input` against the workspace: its template and locations must be its own.
fn checked(ctx: &Ctx, ws: &Id<Workspace>, input: &RuleInput) -> Result<RuleInput> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::Invalid("name: 1 to 100 characters".into()));
    }
    let mut stars = input.stars.clone();
    stars.sort_unstable();
    stars.dedup();
    if stars.is_empty() || stars.iter().any(|s| !(1..=5).contains(s)) {
        return Err(Error::Invalid(
            "stars: choose one or more ratings from 1 to 5".into(),
        ));
    }
    if !(MIN_DELAY_MINUTES..=MAX_DELAY_MINUTES).contains(&input.delay_minutes) {
        return Err(Error::Invalid(format!(
            "delay_minutes: from {MIN_DELAY_MINUTES} to {MAX_DELAY_MINUTES} (a week), so that someone can cancel"
        )));
    }
    if ctx.store.items().template(ws, &input.template)?.is_none() {
        return Err(Error::Invalid(
            "template: no such reply template in this workspace".into(),
        ));
    }
    let mut locations = input.locations.clone();
    locations.sort();
    locations.dedup();
    for l in &locations {
        if ctx.store.locations().get(ws, l)?.is_none() {
            return Err(Error::Invalid(format!(
                "locations: {l} is not a location of this workspace"
            )));
        }
    }
    Ok(RuleInput {
        name: name.to_string(),
        stars,
        locations,
        ..input.clone()
    })
}

/// Creates a rule, or replaces `id`'s settings. Switching a rule off cancels what it queued.
pub fn save_rule(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    id: Option<&Id<AutoRule>>,
    input: &RuleInput,
) -> Result<AutoRule> {
    let here = ctx.enter_as(actor, ws, Access::Write)?;
    let store = ctx.store.auto_replies();
    let now = ctx.clock.now();
    // A rule that is not here is 404 before anything in the body is judged.
    let existing = match id {
        Some(id) => Some(store.rule(ws, id)?.ok_or(Error::NotFound)?),
        None => None,
    };
    let input = checked(ctx, ws, input)?;
    let (id, created_at) = match existing {
        Some(r) => (r.id, r.created_at),
        None => {
            if store.rules(ws)?.len() >= MAX_AUTO_RULES {
                return Err(Error::Conflict(format!(
                    "a workspace has at most {MAX_AUTO_RULES} auto-response rules"
                )));
            }
            (Id::generate(now), now)
        }
    };
    let rule = AutoRule {
        id,
        name: input.name,
        stars: input.stars,
        template: input.template,
        delay_minutes: input.delay_minutes,
        locations: input.locations,
        enabled: input.enabled,
        created_at,
    };
    store.put_rule(ws, &rule)?;
    if !rule.enabled {
        cancel_queued_by(ctx, ws, &rule.id)?;
    }
    ctx.store
        .audit()
        .append(ws, &here.audit("auto_rule.saved", &rule.name))?;
    Ok(rule)
}

/// Removes a rule and cancels the replies it queued that are not sent yet.
pub fn delete_rule(ctx: &Ctx, actor: &Actor, ws: &Id<Workspace>, id: &Id<AutoRule>) -> Result<()> {
    ctx.enter(actor, ws, Access::Write)?;
    if !ctx.store.auto_replies().remove_rule(ws, id)? {
        return Err(Error::NotFound);
    }
    cancel_queued_by(ctx, ws, id)?;
    audit::record(ctx, ws, actor, "auto_rule.deleted", &id.to_string());
    Ok(())
}

fn cancel_queued_by(ctx: &Ctx, ws: &Id<Workspace>, rule: &Id<AutoRule>) -> Result<()> {
    let store = ctx.store.auto_replies();
    for q in store.queue_of(ws, MAX_QUEUED)? {
        if q.rule == *rule {
            store.cancel(ws, &q.item)?;
        }
    }
    Ok(())
}

/// The text `q` would send for `item` now; None when its template is gone.
fn text_of(ctx: &Ctx, ws: &Id<Workspace>, q: &QueuedReply, item: &Item) -> Result<Option<String>> {
    let Some(t) = ctx.store.items().template(ws, &q.template)? else {
        return Ok(None);
    };
    let loc = ctx.store.locations().get(ws, &item.location)?;
    Ok(Some(fill_template(&t.body, item, loc.as_ref())))
}

/// The replies queued for `items` (one page of the inbox), with their texts: looked up for
/// those items in one read, so the inbox does not read the whole queue on every view.
pub fn pending_among(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id<Workspace>,
    items: &[&Item],
) -> Result<Vec<Pending>> {
    ctx.enter(principal, ws, Access::Read)?;
    let ids: Vec<_> = items.iter().map(|i| i.id).collect();
    let queued = ctx.store.auto_replies().queued_many(ws, &ids)?;
    let mut out = Vec::new();
    for (item, queued) in items.iter().zip(queued) {
        if let Some(queued) = queued
            && let Some(text) = text_of(ctx, ws, &queued, item)?
        {
            out.push(Pending { queued, text });
        }
    }
    Ok(out)
}

/// Every reply queued in the workspace, soonest first, with its text.
pub fn queue(ctx: &Ctx, principal: &Principal, ws: &Id<Workspace>) -> Result<Vec<Pending>> {
    ctx.enter(principal, ws, Access::Read)?;
    let mut out = Vec::new();
    for queued in ctx.store.auto_replies().queue_of(ws, MAX_LISTED)? {
        let Some(item) = ctx.store.items().get(ws, &queued.item)? else {
            continue;
        };
        if let Some(text) = text_of(ctx, ws, &queued, &item)? {
            out.push(Pending { queued, text });
        }
    }
    out.sort_by_key(|p| p.queued.due_at);
    Ok(out)
}

/// Cancels the reply queued for `item`: it will not be sent.
pub fn cancel(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    item: &Id<Item>,
) -> Result<QueuedReply> {
    let here = ctx.enter_as(actor, ws, Access::Write)?;
    match ctx.store.auto_replies().cancel(ws, item)? {
        Cancelled::Done(q) => {
            ctx.store
                .audit()
                .append(ws, &here.audit("auto_reply.cancelled", &item.to_string()))?;
            Ok(q)
        }
        Cancelled::TooLate => Err(Error::Conflict(
            "the automatic reply is being sent already".into(),
        )),
        Cancelled::NotQueued => Err(Error::NotFound),
    }
}

/// The replies `ws`'s auto-response rules queue for its new `items`: the first enabled rule
/// that answers an item (rules in the order they were made) queues its template after its delay.
pub fn queue_for_new(
    store: &crate::store::Store,
    ws: &Id<Workspace>,
    items: &[Item],
    now: time::OffsetDateTime,
) -> anyhow::Result<Vec<(Id<Workspace>, QueuedReply)>> {
    let rules = store.auto_replies().rules(ws)?;
    Ok(items
        .iter()
        .filter_map(|item| {
            let rule = rules.iter().find(|r| r.answers(item))?;
            Some((
                *ws,
                QueuedReply {
                    item: item.id,
                    rule: rule.id,
                    rule_name: rule.name.clone(),
                    template: rule.template,
                    due_at: now + time::Duration::minutes(i64::from(rule.delay_minutes)),
                    queued_at: now,
                    sending: false,
                },
            ))
        })
        .collect())
}

/// One step of the sender: each queued reply that is due goes out as the item's reply (the
/// reply worker takes it to the provider), unless the item was answered, erased or its
/// reviewer restricted meanwhile. Returns how many it settled.
pub fn send_due(ctx: &Ctx) -> anyhow::Result<usize> {
    let now = ctx.clock.now();
    let due = ctx.store.auto_replies().due(now, PER_STEP)?;
    let operator = Actor::operator();
    for (ws, q) in &due {
        // Taken first: from here a cancel answers "too late", and a crash resumes here.
        if ctx.store.auto_replies().take(ws, &q.item)?.is_none() {
            continue; // cancelled meanwhile
        }
        if let Err(e) = send_one(ctx, &operator, ws, q) {
            match e {
                Error::Internal(e) => return Err(e),
                other => tracing::warn!(rule = %q.rule, "an automatic reply was not sent: {other}"),
            }
        }
        ctx.store.auto_replies().done(ws, &q.item)?;
    }
    Ok(due.len())
}

fn send_one(ctx: &Ctx, operator: &Actor, ws: &Id<Workspace>, q: &QueuedReply) -> Result<()> {
    let Some(item) = ctx.store.items().get(ws, &q.item)? else {
        return Ok(()); // erased
    };
    if item.reply.is_some() || ctx.store.items().reviewer_restricted(ws, &item)? {
        return Ok(());
    }
    let Some(text) = text_of(ctx, ws, q, &item)? else {
        return Err(Error::Conflict("its reply template was deleted".into()));
    };
    let here = ctx.enter_as(operator, ws, Access::Write)?;
    let note = format!(" (auto-response rule {})", q.rule_name);
    items::answer(&here, &q.item, &text, "item.auto_replied", &note)?;
    Ok(())
}
