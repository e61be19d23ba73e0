//! Reading the items of a workspace and writing replies. A reply is stored as "sending" and
//! queued in one step; the reply worker takes it to the provider.

use super::auth::{Actor, Principal};
use super::scope::InWorkspace;
use super::{Ctx, Error, Result};
use crate::domain::{Access, Id, Item, ItemStatus, Kind, Origin, Reply, ReplyState, Workspace};
use crate::store::{ItemFilter, Page, PageRequest};

pub fn list(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id<Workspace>,
    filter: &ItemFilter,
    req: &PageRequest,
) -> Result<Page<Item>> {
    ctx.enter(principal, ws, Access::Read)?;
    Ok(ctx.store.items().page(ws, filter, req)?)
}

pub fn get(ctx: &Ctx, principal: &Principal, ws: &Id<Workspace>, id: &Id<Item>) -> Result<Item> {
    ctx.enter(principal, ws, Access::Read)?;
    ctx.store.items().get(ws, id)?.ok_or(Error::NotFound)
}

/// The longest reply each provider takes: Google counts bytes (4096), Facebook characters.
pub fn reply_limit(origin: Origin) -> (usize, &'static str) {
    match origin {
        Origin::Google => (4096, "bytes"),
        _ => (8000, "characters"),
    }
}

fn check_text(origin: Origin, text: &str) -> Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::Invalid("text: write the reply first".into()));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Error::Invalid(
            "text: control characters are not allowed".into(),
        ));
    }
    let (max, unit) = reply_limit(origin);
    let len = if unit == "bytes" {
        text.len()
    } else {
        text.chars().count()
    };
    if len > max {
        return Err(Error::Invalid(format!(
            "text: {} takes at most {max} {unit}; this reply has {len}",
            origin.as_str()
        )));
    }
    Ok(text.to_string())
}

/// Stores the reply as sending and queues it. Replying again replaces a published or failed
/// reply (Google replaces; Facebook adds a new comment).
pub fn reply(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    id: &Id<Item>,
    text: &str,
) -> Result<Item> {
    let here = ctx.enter_as(actor, ws, Access::Write)?;
    let item = answer(&here, id, text, "item.replied", "")?;
    // A person answered: an automatic reply queued for the item is no longer wanted.
    ctx.store.auto_replies().cancel(ws, id)?;
    Ok(item)
}

/// `reply` inside a workspace already entered; the audit entry says `action` on the item's
/// external id followed by `note`.
pub(super) fn answer(
    here: &InWorkspace,
    id: &Id<Item>,
    text: &str,
    action: &str,
    note: &str,
) -> Result<Item> {
    let (ctx, ws) = (here.ctx, &here.workspace.id);
    let mut item = ctx.store.items().get(ws, id)?.ok_or(Error::NotFound)?;
    if item.origin == Origin::Import {
        return Err(Error::Conflict(
            "imported items have no provider to answer on".into(),
        ));
    }
    if item.status == ItemStatus::Removed {
        return Err(Error::Conflict(
            "this item was removed at the provider; it cannot be answered".into(),
        ));
    }
    if item.origin == Origin::Facebook
        && item.kind == Kind::Review
        && item.external_id.starts_with("rating:")
    {
        return Err(Error::Conflict(
            "Facebook gives no way to answer this rating (it has no story to comment on)".into(),
        ));
    }
    if item.reply.as_ref().is_some_and(|r| r.state.in_flight()) {
        return Err(Error::Conflict(
            "a reply to this item is on its way (or being deleted); wait for it to settle".into(),
        ));
    }
    let text = check_text(item.origin, text)?;
    let now = ctx.clock.now();
    item.reply = Some(Reply {
        text,
        state: ReplyState::Sending,
        author: match here.principal {
            Principal::User { user, .. } => Some(user.id),
            Principal::ApiKey { .. } | Principal::Operator => None,
        },
        written_at: now,
        published_at: None,
        external_id: None,
        attempt_started_at: None,
        attempts: 0,
    });
    let entry = here.audit(action, &format!("{}{note}", item.external_id));
    ctx.store.items().queue_reply(&item, now, Some(&entry))?;
    Ok(item)
}

/// Deletes the item's reply: a published one at the provider first (queued for the reply
/// worker, removed once the provider confirms), a failed one (never published) at once.
pub fn delete_reply(ctx: &Ctx, actor: &Actor, ws: &Id<Workspace>, id: &Id<Item>) -> Result<Item> {
    let here = ctx.enter_as(actor, ws, Access::Write)?;
    let mut item = ctx.store.items().get(ws, id)?.ok_or(Error::NotFound)?;
    let Some(reply) = item.reply.as_mut() else {
        return Err(Error::Conflict("this item has no reply to delete".into()));
    };
    let now = ctx.clock.now();
    match reply.state {
        ReplyState::Sending => {
            return Err(Error::Conflict(
                "the reply is on its way to the provider; wait for it to be published, then delete it".into(),
            ));
        }
        ReplyState::Deleting => return Ok(item),
        ReplyState::Failed { .. } => item.reply = None,
        ReplyState::Published | ReplyState::DeleteFailed { .. } => {
            reply.state = ReplyState::Deleting;
            reply.attempts = 0;
        }
    }
    let entry = here.audit("item.reply_deleted", &item.external_id);
    ctx.store.items().queue_reply(&item, now, Some(&entry))?;
    Ok(item)
}

/// Each item of a bulk reply with its own outcome: sent on its way, or why not.
pub type BulkOutcome = Vec<(Id<Item>, std::result::Result<(), String>)>;

/// Most items one bulk reply answers.
pub const MAX_BULK: usize = 100;

/// Answers each item with `template` filled in for it; every item succeeds or fails apart
/// (an item already being answered, or removed, says so and the rest go on).
pub fn bulk_reply(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    ids: &[Id<Item>],
    template: &Id<crate::domain::ReplyTemplate>,
) -> Result<BulkOutcome> {
    ctx.enter(actor, ws, Access::Write)?;
    if ids.is_empty() || ids.len() > MAX_BULK {
        return Err(Error::Invalid(format!(
            "items: choose 1 to {MAX_BULK} items"
        )));
    }
    let t = ctx
        .store
        .items()
        .template(ws, template)?
        .ok_or_else(|| Error::Invalid("template: no such reply template".into()))?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(item) = ctx.store.items().get(ws, id)? else {
            out.push((*id, Err("no such item".to_string())));
            continue;
        };
        let loc = ctx.store.locations().get(ws, &item.location)?;
        let text = crate::domain::fill_template(&t.body, &item, loc.as_ref());
        let r = match reply(ctx, actor, ws, id, &text) {
            Ok(_) => Ok(()),
            Err(Error::Internal(e)) => return Err(Error::Internal(e)),
            Err(e) => Err(e.to_string()),
        };
        out.push((*id, r));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_length_is_counted_as_each_provider_counts() {
        assert!(check_text(Origin::Google, &"é".repeat(2048)).is_ok());
        assert!(check_text(Origin::Google, &"é".repeat(2049)).is_err());
        assert!(check_text(Origin::Facebook, &"é".repeat(8000)).is_ok());
        assert!(check_text(Origin::Facebook, "  ").is_err());
        assert!(check_text(Origin::Facebook, "a\u{0}b").is_err());
        assert_eq!(check_text(Origin::Google, " hi\n ").unwrap(), "hi");
    }
}
