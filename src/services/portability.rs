//! Workspace export (portability): everything a workspace holds, as one JSON document or as a
//! ZIP of that document with a CSV per table, written a page at a time, so a workspace with a
//! million reviews streams out without being held in memory.

use super::auth::Principal;
use super::{Ctx, Result};
use crate::domain::{Access, Id, Workspace};
use crate::export_zip::table::{Table, columns_of};
use crate::export_zip::{readme, zip::Zip};
use crate::store::{ItemFilter, PageRequest, Store};
use serde_json::{Value, json};
use std::io::Write;

/// Checks that `principal` may export `ws` (owners: it holds customers' personal data).
pub fn authorize(ctx: &Ctx, principal: &Principal, ws: &Id<Workspace>) -> Result<Workspace> {
    Ok(ctx.enter(principal, ws, Access::Admin)?.workspace)
}

/// Rows a page at a time: `next(cursor)` gives a page and the next cursor. It can be read again
/// from the start (the ZIP reads each list twice: for the JSON document and for its table).
type Pages<'a> =
    Box<dyn FnMut(Option<String>) -> anyhow::Result<(Vec<Value>, Option<String>)> + 'a>;

/// One part of the export, by its key in the document.
enum Part<'a> {
    /// Written whole (the workspace, its locations, its reply templates).
    Whole(&'static str, Value),
    /// A list read a page at a time; `flat` makes a row a table row.
    Pages(&'static str, Pages<'a>, fn(Value) -> Value),
}

fn page(cursor: Option<String>) -> PageRequest {
    PageRequest { cursor, limit: 200 }
}

fn values<T: serde::Serialize>(rows: Vec<T>) -> anyhow::Result<Vec<Value>> {
    Ok(rows
        .into_iter()
        .map(serde_json::to_value)
        .collect::<std::result::Result<_, _>>()?)
}

/// The workspace, locations, reply templates, members, contacts, campaigns, feedback, and every
/// item with its notes.
fn parts<'a>(store: &'a Store, ws: &Workspace) -> anyhow::Result<Vec<Part<'a>>> {
    let id = ws.id;
    let same = |v| v;
    Ok(vec![
        Part::Whole("workspace", serde_json::to_value(ws)?),
        Part::Whole(
            "locations",
            serde_json::to_value(store.locations().all(&id)?)?,
        ),
        Part::Whole(
            "reply_templates",
            serde_json::to_value(store.items().templates(&id)?)?,
        ),
        Part::Pages(
            "members",
            Box::new(move |c| {
                let p = store.workspaces().members(&id, &page(c))?;
                let mut out = Vec::new();
                for (user, role) in p.items {
                    let email = store.users().get(&user)?.map(|u| u.email.to_string());
                    out.push(json!({"user": user.to_string(), "email": email, "role": role}));
                }
                Ok((out, p.next))
            }),
            same,
        ),
        Part::Pages(
            "contacts",
            Box::new(move |c| {
                let p = store.contacts().page(&id, &page(c))?;
                Ok((values(p.items)?, p.next))
            }),
            same,
        ),
        Part::Pages(
            "campaigns",
            Box::new(move |c| {
                let p = store.campaigns().page(&id, &page(c))?;
                Ok((values(p.items)?, p.next))
            }),
            same,
        ),
        Part::Pages(
            "feedback",
            Box::new(move |c| {
                let p = store.campaigns().feedback_page(&id, &page(c))?;
                Ok((values(p.items)?, p.next))
            }),
            same,
        ),
        Part::Pages(
            "items",
            Box::new(move |c| {
                let all = ItemFilter::default();
                let p = store.items().page(&id, &all, &page(c))?;
                let mut out = Vec::with_capacity(p.items.len());
                for item in p.items {
                    let notes = store.items().notes(&id, &item.id)?;
                    out.push(json!({"item": item, "notes": notes}));
                }
                Ok((out, p.next))
            }),
            // A table row: the item's fields, and its notes as JSON text.
            |mut row| match row.get_mut("item").map(Value::take) {
                Some(Value::Object(mut item)) => {
                    item.insert("notes".into(), row["notes"].take());
                    Value::Object(item)
                }
                _ => row,
            },
        ),
    ])
}

/// Every page of `pages` from the start, a page at a time.
fn each_page(
    pages: &mut Pages,
    mut take: impl FnMut(Vec<Value>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut cursor = None;
    loop {
        let (rows, more) = pages(cursor)?;
        take(rows)?;
        match more {
            Some(c) => cursor = Some(c),
            None => return Ok(()),
        }
    }
}

fn write_json(parts: &mut [Part], out: &mut dyn Write) -> anyhow::Result<()> {
    out.write_all(b"{\"format\":\"plaudit-workspace-export-1\"")?;
    for part in parts {
        match part {
            Part::Whole(name, v) => write!(out, ",\"{name}\":{v}")?,
            Part::Pages(name, pages, _) => {
                write!(out, ",\"{name}\":[")?;
                let mut first = true;
                each_page(pages, |rows| {
                    for row in rows {
                        if !first {
                            out.write_all(b",")?;
                        }
                        first = false;
                        serde_json::to_writer(&mut *out, &row)?;
                    }
                    Ok(())
                })?;
                out.write_all(b"]")?;
            }
        }
    }
    out.write_all(b"}")?;
    Ok(())
}

/// Writes the whole workspace as one JSON document (the caller flushes `out`).
pub fn write(store: &Store, ws: &Workspace, out: &mut dyn Write) -> anyhow::Result<()> {
    write_json(&mut parts(store, ws)?, out)
}

/// Writes the whole workspace as a ZIP: `README.txt`, the JSON document, and a CSV per part
/// (each list read again for its table; the columns are those of its first page). The caller
/// flushes `out`.
pub fn write_zip(
    store: &Store,
    ws: &Workspace,
    out: &mut dyn Write,
    now: time::OffsetDateTime,
) -> anyhow::Result<()> {
    let mut parts = parts(store, ws)?;
    let json_name = format!("plaudit-workspace-{}.json", ws.id);
    let mut zip = Zip::new(out, now);
    zip.entry("README.txt", |w| {
        Ok(w.write_all(readme(&json_name).as_bytes())?)
    })?;
    zip.entry(&json_name, |w| write_json(&mut parts, w))?;
    for part in &mut parts {
        match part {
            Part::Whole(name, v) => {
                let rows: Vec<&Value> = match v {
                    Value::Array(rows) => rows.iter().collect(),
                    v => vec![v],
                };
                zip.entry(&format!("{name}.csv"), |w| {
                    crate::export_zip::write_table(w, &rows)
                })?;
            }
            Part::Pages(name, pages, flat) => {
                zip.entry(&format!("{name}.csv"), |w| {
                    let mut table: Option<Table<&mut dyn Write>> = None;
                    let mut w = Some(w);
                    each_page(pages, |rows| {
                        let rows: Vec<Value> = rows.into_iter().map(*flat).collect();
                        if table.is_none()
                            && !rows.is_empty()
                            && let Some(out) = w.take()
                        {
                            table = Some(Table::new(out, columns_of(&rows))?);
                        }
                        match table.as_mut() {
                            Some(t) => rows.iter().try_for_each(|r| t.row(r)),
                            None => Ok(()),
                        }
                    })?;
                    match table {
                        Some(t) => t.finish(),
                        None => Ok(()),
                    }
                })?;
            }
        }
    }
    zip.finish()?;
    Ok(())
}
