//! Exports a person can take away: the filtered inbox as CSV, safe to open in a spreadsheet.

use super::auth::Principal;
use super::{Ctx, Result};
use crate::domain::{Access, Id, Item, Origin, Rating, Workspace};
use crate::export_zip::table::cell;
use crate::store::{ItemFilter, PageRequest};
use time::format_description::well_known::Rfc3339;

/// Rows one export holds at most; a bigger inbox is exported a date range at a time.
pub const MAX_ROWS: usize = 100_000;

/// Stars as a number a spreadsheet can average; a recommendation has its own column.
fn rating(r: Option<Rating>) -> String {
    match r {
        Some(Rating::Stars(s)) => s.clamp(1, 5).to_string(),
        _ => String::new(),
    }
}

fn recommendation(r: Option<Rating>) -> &'static str {
    match r {
        Some(Rating::Recommends(true)) => "recommends",
        Some(Rating::Recommends(false)) => "does not recommend",
        _ => "",
    }
}

/// Opens the file as UTF-8 in Excel, which otherwise guesses a legacy code page and
/// garbles every accent; other spreadsheets and CSV readers skip it.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// The items passing `filter`, newest first, as CSV with a header row.
pub fn items_csv(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id<Workspace>,
    filter: &ItemFilter,
) -> Result<Vec<u8>> {
    ctx.enter(principal, ws, Access::Read)?;
    let names: std::collections::HashMap<_, _> = ctx
        .store
        .locations()
        .all(ws)?
        .into_iter()
        .map(|l| (l.id, l.name))
        .collect();
    let mut w = csv::Writer::from_writer(BOM.to_vec());
    let header = [
        "id",
        "created_at",
        "location",
        "source",
        "kind",
        "author",
        "rating",
        "text",
        "reply",
        "reply_state",
        "status",
        "link",
        "tags",
        "recommendation",
    ];
    w.write_record(header).map_err(anyhow::Error::from)?;
    let mut req = PageRequest::first(200);
    let mut rows = 0;
    loop {
        let page = ctx.store.items().page(ws, filter, &req)?;
        for i in &page.items {
            write_row(ctx, &mut w, i, &names)?;
            rows += 1;
        }
        match page.next {
            Some(n) if rows < MAX_ROWS => req.cursor = Some(n),
            _ => break,
        }
    }
    Ok(w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)
}

fn write_row(
    ctx: &Ctx,
    w: &mut csv::Writer<Vec<u8>>,
    i: &Item,
    names: &std::collections::HashMap<Id<crate::domain::Location>, String>,
) -> Result<()> {
    let tags = ctx
        .store
        .items()
        .notes(&i.workspace, &i.id)?
        .tags
        .join(", ");
    let (reply, state) = match &i.reply {
        Some(r) => (
            r.text.clone(),
            match r.state.error() {
                Some(reason) => format!("{}: {reason}", r.state.name()),
                None => r.state.name().to_string(),
            },
        ),
        None => (String::new(), String::new()),
    };
    let source = match i.origin {
        Origin::Google => "google",
        Origin::Facebook => "facebook",
        Origin::Import => "import",
    };
    let row = [
        i.id.to_string(),
        i.created_at.format(&Rfc3339).unwrap_or_default(),
        names.get(&i.location).cloned().unwrap_or_default(),
        source.to_string(),
        i.kind.as_str().to_string(),
        i.author.name.clone(),
        rating(i.rating),
        i.text.clone(),
        reply,
        state,
        format!("{:?}", i.status).to_lowercase(),
        i.link.clone().unwrap_or_default(),
        tags,
        recommendation(i.rating).to_string(),
    ];
    w.write_record(row.iter().map(|c| cell(c)))
        .map_err(anyhow::Error::from)?;
    Ok(())
}
