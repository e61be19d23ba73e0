//! Requests about reviewers: the people who wrote the reviews, comments and posts copied from
//! Google and Facebook. Found by the name shown or by the provider's id (of the author or of
//! one of their items). Plaudit cannot delete anything at the provider: erasure removes its
//! copy, leaves a tombstone so no sync brings it back, and shreds the key that sealed it.
//! Restriction keeps their items but raises no alerts about them any more.

use super::export::time;
use super::{Ctx, Error, Result, audit, workspace};
use crate::domain::{Id, Item, OutboxMessage, Workspace};
use crate::services::auth::Actor;
use crate::store::{ComeBack, Store, journal};
use serde::Serialize;
use serde_json::{Value, json};

/// Who a request is about: a name as shown, a provider id, or both (either matches).
#[derive(Debug, Clone, Default)]
pub struct Reviewer {
    pub name: Option<String>,
    pub provider_id: Option<String>,
}

impl Reviewer {
    pub fn new(name: Option<String>, provider_id: Option<String>) -> Result<Self> {
        let clean = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let r = Self {
            name: clean(name),
            provider_id: clean(provider_id),
        };
        if r.name.is_none() && r.provider_id.is_none() {
            return Err(Error::Invalid(
                "give the reviewer's name as shown, or a provider id".into(),
            ));
        }
        Ok(r)
    }

    pub(super) fn label(&self, items: usize) -> String {
        format!("a reviewer ({items} items)")
    }
}

pub struct Found {
    pub items: Vec<Item>,
    /// Alert mail quoting them (to the workspace's members).
    pub messages: Vec<OutboxMessage>,
}

pub fn find(store: &Store, ws: &Id<Workspace>, who: &Reviewer) -> Result<Found> {
    let items = store
        .items()
        .by_author(ws, who.name.as_deref(), who.provider_id.as_deref())?;
    let names: Vec<&str> = items
        .iter()
        .filter(|i| !i.author.anonymous && i.author.name.chars().count() >= 2)
        .map(|i| i.author.name.as_str())
        .collect();
    let messages = store
        .outbox()
        .all()?
        .into_iter()
        .filter(|m| m.campaign.is_none() && m.about.is_none())
        .filter(|m| {
            names.iter().any(|n| {
                m.subject.contains(n)
                    || m.text.contains(n)
                    || m.html.as_deref().is_some_and(|h| h.contains(n))
            })
        })
        .collect();
    Ok(Found { items, messages })
}

pub fn export_of(ws: &crate::domain::Workspace, f: &Found) -> Value {
    json!({
        "controller": {"workspace": ws.name, "workspace_id": ws.id.to_string()},
        "items": f.items.iter().map(|i| json!({
            "id": i.id.to_string(),
            "source": i.origin.as_str(),
            "provider_id": i.external_id,
            "kind": i.kind.as_str(),
            "author": i.author.name,
            "author_provider_id": i.author.external_id,
            "rating": i.rating.map(|r| r.stars()),
            "text": i.text,
            "link": i.link,
            "written_at": time(i.created_at),
            "copied_at": time(i.ingested_at),
            "reply": i.reply.as_ref().map(|r| r.text.clone()),
            "came_from": match i.origin.as_str() {
                "import" => "a file imported by the workspace",
                "google" => "Google Business Profile, where it was published",
                _ => "Facebook, where it was published",
            },
            "purpose": "answering and measuring what customers write about the business",
            "kept": "while the workspace keeps its connection and the item exists at the provider",
            "shared_with": [],
        })).collect::<Vec<_>>(),
        "alert_mail": f.messages.iter().map(|m| json!({
            "subject": m.subject,
            "created_at": time(m.created_at),
            "to": "members of the workspace",
        })).collect::<Vec<_>>(),
    })
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ReviewerCounts {
    pub items: usize,
    pub alert_mail: usize,
}

/// Erases what was found: journaled first (item ids only), so a restore of an older backup
/// erases them again.
pub fn erase_found(
    store: &Store,
    ws: &Id<Workspace>,
    f: Found,
    now: time::OffsetDateTime,
) -> Result<ReviewerCounts> {
    let mut counts = ReviewerCounts::default();
    let ids: Vec<_> = f.items.iter().map(|i| i.id).collect();
    let entries: Vec<_> = ids
        .iter()
        .map(|id| journal::Erasure {
            at: now,
            workspace: *ws,
            key: item_key(id),
        })
        .collect();
    journal::append(store.data_dir(), &entries)?;
    counts.items = store.items().erase(ws, &ids, ComeBack::Never)?;
    for m in &f.messages {
        counts.alert_mail += usize::from(store.outbox().remove(&m.id)?);
    }
    Ok(counts)
}

/// Restriction: their items stay, but from now on raise no alerts (mail or webhooks), and
/// alert mail already queued about them is withdrawn. Known by every name and author id
/// their items show, and the ones given.
pub fn restrict_found(
    store: &Store,
    ws: &Id<Workspace>,
    who: &Reviewer,
    f: Found,
) -> Result<ReviewerCounts> {
    let mut names: Vec<String> = f
        .items
        .iter()
        .filter(|i| !i.author.anonymous)
        .map(|i| i.author.name.clone())
        .collect();
    names.extend(who.name.clone());
    let mut authors: Vec<String> = f
        .items
        .iter()
        .filter_map(|i| i.author.external_id.clone())
        .collect();
    // A provider id may be the author's (or one of their items': harmless as an author id).
    authors.extend(who.provider_id.clone());
    store.items().restrict_reviewer(ws, &names, &authors)?;
    let mut counts = ReviewerCounts {
        items: f.items.len(),
        ..ReviewerCounts::default()
    };
    for m in &f.messages {
        counts.alert_mail += usize::from(store.outbox().remove(&m.id)?);
    }
    Ok(counts)
}

pub fn restrict(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    who: &Reviewer,
) -> Result<ReviewerCounts> {
    as_owner(ctx, actor, ws, who, "privacy.restricted", |s, f| {
        restrict_found(s, ws, who, f)
    })
}

/// The journal's key of an item erased for its author.
pub fn item_key(id: &Id<Item>) -> Vec<u8> {
    [b"i".as_slice(), id.as_bytes()].concat()
}

/// The items a request about `who` would cover, nothing changed: the page lists them for the
/// owner to check before an erasure.
pub fn preview(ctx: &Ctx, actor: &Actor, ws: &Id<Workspace>, who: &Reviewer) -> Result<Vec<Item>> {
    workspace(ctx, actor, ws)?;
    Ok(find(&ctx.store, ws, who)?.items)
}

pub fn export(ctx: &Ctx, actor: &Actor, ws: &Id<Workspace>, who: &Reviewer) -> Result<Value> {
    Ok(export_with(ctx, actor, ws, who, false)?.unwrap_or_default())
}

/// `export`, or None (nothing audited) when no item is theirs. One look-up.
pub fn export_if_any(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    who: &Reviewer,
) -> Result<Option<Value>> {
    export_with(ctx, actor, ws, who, true)
}

fn export_with(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    who: &Reviewer,
    only_if_any: bool,
) -> Result<Option<Value>> {
    let w = workspace(ctx, actor, ws)?;
    let found = find(&ctx.store, ws, who)?;
    if only_if_any && found.items.is_empty() {
        return Ok(None);
    }
    audit::record(
        ctx,
        ws,
        actor,
        "privacy.exported",
        &who.label(found.items.len()),
    );
    Ok(Some(export_of(&w, &found)))
}

/// An erasure confirmed after its preview: carried out when their items still number
/// `expected`, else `Err` with the items it would remove now. One look-up either way.
pub fn erase_confirmed(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    who: &Reviewer,
    expected: usize,
) -> Result<std::result::Result<ReviewerCounts, Vec<Item>>> {
    workspace(ctx, actor, ws)?;
    let found = find(&ctx.store, ws, who)?;
    if found.items.is_empty() || found.items.len() != expected {
        return Ok(Err(found.items));
    }
    let label = who.label(found.items.len());
    let counts = erase_found(&ctx.store, ws, found, ctx.clock.now())?;
    audit::record(ctx, ws, actor, "privacy.erased", &label);
    Ok(Ok(counts))
}

pub fn erase(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    who: &Reviewer,
) -> Result<ReviewerCounts> {
    let now = ctx.clock.now();
    as_owner(ctx, actor, ws, who, "privacy.erased", |s, f| {
        erase_found(s, ws, f, now)
    })
}

/// A request about a reviewer by an owner: their items found, the work done, and the request
/// recorded in the audit log as `action` (with the number of items, never the name).
fn as_owner<T>(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    who: &Reviewer,
    action: &str,
    work: impl FnOnce(&Store, Found) -> Result<T>,
) -> Result<T> {
    workspace(ctx, actor, ws)?;
    let found = find(&ctx.store, ws, who)?;
    let label = who.label(found.items.len());
    let out = work(&ctx.store, found)?;
    audit::record(ctx, ws, actor, action, &label);
    Ok(out)
}
