//! Tags, assignment and internal notes on items, and the workspace's reply templates.

use super::auth::{Actor, Principal};
use super::{Ctx, Error, Result, audit};
use crate::domain::{
    Access, Id, Item, ItemNotes, MAX_NOTES, MAX_TAGS, Note, ReplyTemplate, User, Workspace,
    parse_note, parse_tag, parse_template,
};

pub fn notes(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id<Workspace>,
    item: &Id<Item>,
) -> Result<ItemNotes> {
    ctx.enter(principal, ws, Access::Read)?;
    ctx.store.items().get(ws, item)?.ok_or(Error::NotFound)?;
    Ok(ctx.store.items().notes(ws, item)?)
}

fn change(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    item: &Id<Item>,
    action: &str,
    f: impl Fn(&mut ItemNotes) -> std::result::Result<(), String>,
) -> Result<ItemNotes> {
    ctx.enter(actor, ws, Access::Write)?;
    ctx.store.items().get(ws, item)?.ok_or(Error::NotFound)?;
    let out = ctx.store.items().update_notes(ws, item, |n| {
        f(n)?;
        Ok(n.clone())
    })?;
    let notes = out.map_err(Error::Invalid)?;
    audit::record(ctx, ws, actor, action, &item.to_string());
    Ok(notes)
}

/// The caller may write here and the item exists: checked before the input, so another
/// workspace's or a missing item answers 404 whatever the body says.
fn writable(ctx: &Ctx, principal: &Principal, ws: &Id<Workspace>, item: &Id<Item>) -> Result<()> {
    ctx.enter(principal, ws, Access::Write)?;
    ctx.store.items().get(ws, item)?.ok_or(Error::NotFound)?;
    Ok(())
}

/// Replaces the item's tags (each checked, duplicates dropped).
pub fn set_tags(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    item: &Id<Item>,
    raw: &[String],
) -> Result<ItemNotes> {
    writable(ctx, actor, ws, item)?;
    let mut tags: Vec<String> = Vec::new();
    for t in raw {
        let t = parse_tag(t).map_err(|e| Error::Invalid(format!("tags: {e}")))?;
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(Error::Invalid(format!("tags: at most {MAX_TAGS} per item")));
    }
    change(ctx, actor, ws, item, "item.tagged", move |n| {
        n.tags = tags.clone();
        Ok(())
    })
}

/// Assigns the item to a member of the workspace, or to nobody.
pub fn assign(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    item: &Id<Item>,
    to: Option<Id<User>>,
) -> Result<ItemNotes> {
    writable(ctx, actor, ws, item)?;
    if let Some(u) = &to
        && ctx.store.workspaces().role(ws, u)?.is_none()
    {
        return Err(Error::Invalid(
            "assignee: not a member of this workspace".into(),
        ));
    }
    change(ctx, actor, ws, item, "item.assigned", move |n| {
        n.assignee = to;
        Ok(())
    })
}

/// Adds an internal note, signed with the writer's name.
pub fn add_note(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    item: &Id<Item>,
    text: &str,
) -> Result<ItemNotes> {
    writable(ctx, actor, ws, item)?;
    let text = parse_note(text).map_err(|e| Error::Invalid(format!("text: {e}")))?;
    let (author, author_name) = match &actor.principal {
        Principal::User { user, .. } if !user.name.trim().is_empty() => {
            (Some(user.id), user.name.clone())
        }
        Principal::User { user, .. } => (Some(user.id), user.email.to_string()),
        Principal::ApiKey { .. } | Principal::Operator => (None, actor.label()),
    };
    let at = ctx.clock.now();
    change(ctx, actor, ws, item, "item.noted", move |n| {
        if n.notes.len() >= MAX_NOTES {
            return Err(format!("text: an item holds at most {MAX_NOTES} notes"));
        }
        n.notes.push(Note {
            author,
            author_name: author_name.clone(),
            text: text.clone(),
            at,
        });
        Ok(())
    })
}

pub fn templates(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id<Workspace>,
) -> Result<Vec<ReplyTemplate>> {
    ctx.enter(principal, ws, Access::Read)?;
    Ok(ctx.store.items().templates(ws)?)
}

/// A workspace holds at most this many reply templates.
pub const MAX_TEMPLATES: usize = 100;

/// Creates a template, or replaces `id`'s name and body.
pub fn save_template(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    id: Option<Id<ReplyTemplate>>,
    name: &str,
    body: &str,
) -> Result<ReplyTemplate> {
    ctx.enter(actor, ws, Access::Write)?;
    let (name, body) = parse_template(name, body).map_err(Error::Invalid)?;
    let items = ctx.store.items();
    let t = match id {
        Some(id) => {
            let mut t = items.template(ws, &id)?.ok_or(Error::NotFound)?;
            t.name = name;
            t.body = body;
            t
        }
        None => {
            if items.templates(ws)?.len() >= MAX_TEMPLATES {
                return Err(Error::Conflict(format!(
                    "a workspace holds at most {MAX_TEMPLATES} reply templates"
                )));
            }
            let now = ctx.clock.now();
            ReplyTemplate {
                id: Id::generate(now),
                workspace: *ws,
                name,
                body,
                created_at: now,
            }
        }
    };
    items.put_template(&t)?;
    audit::record(ctx, ws, actor, "template.saved", &t.id.to_string());
    Ok(t)
}

pub fn delete_template(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    id: &Id<ReplyTemplate>,
) -> Result<()> {
    ctx.enter(actor, ws, Access::Write)?;
    if !ctx.store.items().remove_template(ws, id)? {
        return Err(Error::NotFound);
    }
    audit::record(ctx, ws, actor, "template.deleted", &id.to_string());
    Ok(())
}
