//! Workspace export (portability): everything a workspace holds, as one JSON document written
//! section by section, a page at a time, so a workspace with a million reviews streams out
//! without being held in memory.

use super::auth::Principal;
use super::{Ctx, Result};
use crate::domain::{Access, Id, Workspace};
use crate::store::{ItemFilter, PageRequest, Store};
use serde::Serialize;

/// Where the document goes, a chunk at a time; an error stops the export (the reader left).
pub type Sink<'a> = dyn FnMut(Vec<u8>) -> anyhow::Result<()> + 'a;

/// Checks that `principal` may export `ws` (owners: it holds customers' personal data).
pub fn authorize(ctx: &Ctx, principal: &Principal, ws: &Id<Workspace>) -> Result<Workspace> {
    Ok(ctx.enter(principal, ws, Access::Admin)?.workspace)
}

fn json(v: &impl Serialize) -> anyhow::Result<Vec<u8>> {
    Ok(serde_json::to_vec(v)?)
}

/// A JSON array written from pages: `next(cursor)` gives a page and the next cursor.
fn array<T: Serialize>(
    sink: &mut Sink,
    name: &str,
    mut next: impl FnMut(Option<String>) -> anyhow::Result<(Vec<T>, Option<String>)>,
) -> anyhow::Result<()> {
    sink(format!(",\"{name}\":[").into_bytes())?;
    let (mut cursor, mut first) = (None, true);
    loop {
        let (items, more) = next(cursor)?;
        let mut chunk = Vec::new();
        for item in &items {
            if !first {
                chunk.push(b',');
            }
            first = false;
            chunk.extend(json(item)?);
        }
        sink(chunk)?;
        match more {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    sink(b"]".to_vec())
}

/// Writes the whole workspace: workspace, locations, members, reply templates, contacts,
/// campaigns, feedback and every item with its notes.
pub fn write(store: &Store, ws: &Workspace, sink: &mut Sink) -> anyhow::Result<()> {
    let id = ws.id;
    let page = |cursor: Option<String>| PageRequest { cursor, limit: 200 };
    sink(b"{\"format\":\"plaudit-workspace-export-1\",\"workspace\":".to_vec())?;
    sink(json(ws)?)?;
    sink(b",\"locations\":".to_vec())?;
    sink(json(&store.locations().all(&id)?)?)?;
    sink(b",\"reply_templates\":".to_vec())?;
    sink(json(&store.items().templates(&id)?)?)?;
    array(sink, "members", |c| {
        let p = store.workspaces().members(&id, &page(c))?;
        let mut out = Vec::new();
        for (user, role) in p.items {
            let email = store.users().get(&user)?.map(|u| u.email.to_string());
            out.push(serde_json::json!({"user": user.to_string(), "email": email, "role": role}));
        }
        Ok((out, p.next))
    })?;
    array(sink, "contacts", |c| {
        let p = store.contacts().page(&id, &page(c))?;
        Ok((p.items, p.next))
    })?;
    array(sink, "campaigns", |c| {
        let p = store.campaigns().page(&id, &page(c))?;
        Ok((p.items, p.next))
    })?;
    array(sink, "feedback", |c| {
        let p = store.campaigns().feedback_page(&id, &page(c))?;
        Ok((p.items, p.next))
    })?;
    let all = ItemFilter::default();
    array(sink, "items", |c| {
        let p = store.items().page(&id, &all, &page(c))?;
        let mut out = Vec::with_capacity(p.items.len());
        for item in p.items {
            let notes = store.items().notes(&id, &item.id)?;
            out.push(serde_json::json!({"item": item, "notes": notes}));
        }
        Ok((out, p.next))
    })?;
    sink(b"}".to_vec())
}
