//! Contacts from CSV files (the Contacts page, the API, `plaudit import contacts`).
//!
//! CSV columns by header name, any order: `email` (required), `name`, `location` (a location's
//! name or id), `consent` (`existing_customer` default, or `opt_in`), `source`. Addresses are
//! compared lower-cased; a repeated address in one file counts once (later rows override the
//! fields they fill, as a re-import would). A file
//! with any bad row imports nothing; every bad row is reported with its line number.

use super::auth::Actor;
use super::contacts::{check, new_contact};
use super::csv_table;
use super::review_csv::RowError;
use super::{Ctx, Error, Result, audit};
use crate::domain::{Access, ContactFields, Email, Id, Workspace};
use crate::store::{Store, Upserted};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub use super::contacts::ContactInput;

/// One CSV row, checked for shape (its location is resolved against the workspace later).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsvRow {
    pub line: u64,
    pub input: ContactInput,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CsvReport {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    /// Rows repeating an address seen earlier in the file.
    pub duplicates: usize,
    pub errors: Vec<RowError>,
}

/// Reads a contacts CSV: rows (deduplicated by address, the last one kept) and bad lines.
pub fn parse_csv(bytes: &[u8]) -> (Vec<CsvRow>, usize, Vec<RowError>) {
    let mut table = match csv_table::read(bytes, csv::Trim::All) {
        Ok(t) => t,
        Err(e) => return (Vec::new(), 0, vec![e]),
    };
    let Some(email_col) = table.col("email") else {
        let message =
            "the header has no `email` column (columns: email, name, location, consent, source)"
                .into();
        return (Vec::new(), 0, vec![RowError { line: 1, message }]);
    };
    let mut errors = std::mem::take(&mut table.errors);
    let mut by_email: std::collections::HashMap<Email, usize> = Default::default();
    let mut rows: Vec<CsvRow> = Vec::new();
    let mut duplicates = 0;
    for (line, record) in std::mem::take(&mut table.records) {
        let get = |name: &str| {
            table
                .col(name)
                .and_then(|i| record.get(i))
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let input = ContactInput {
            email: record.get(email_col).unwrap_or("").to_string(),
            name: get("name"),
            location: get("location"),
            consent: get("consent"),
            source: get("source").or_else(|| Some("csv".into())),
        };
        let shape = ContactFields::parse(
            &input.email,
            input.name.as_deref().unwrap_or(""),
            input.consent.as_deref().unwrap_or(""),
        );
        match shape {
            Ok(f) => match by_email.get(&f.email) {
                Some(&i) => {
                    duplicates += 1;
                    // Later rows override the fields they fill, as a re-import would.
                    let kept = &mut rows[i];
                    kept.line = line;
                    let later = input;
                    kept.input.name = later.name.or(kept.input.name.take());
                    kept.input.location = later.location.or(kept.input.location.take());
                    kept.input.consent = later.consent.or(kept.input.consent.take());
                    kept.input.source = later.source.or(kept.input.source.take());
                }
                None => {
                    by_email.insert(f.email, rows.len());
                    rows.push(CsvRow { line, input });
                }
            },
            Err(message) => errors.push(RowError { line, message }),
        }
    }
    errors.sort_by_key(|e| e.line);
    (rows, duplicates, errors)
}

/// Imports checked rows into `ws` as `actor` (or only checks them, with `dry_run`); audited
/// when something was written.
pub fn import(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    rows: &[CsvRow],
    dry_run: bool,
) -> Result<CsvReport> {
    ctx.enter(actor, ws, Access::Write)?;
    let report = import_rows(&ctx.store, ws, rows, dry_run, ctx.clock.now())?;
    if !dry_run && report.errors.is_empty() {
        let what = format!("{} created, {} updated", report.created, report.updated);
        audit::record(ctx, ws, actor, "contacts.imported", &what);
    }
    Ok(report)
}

/// Imports the rows of a file that pass every check and skips the others (the person saw
/// the bad rows listed and chose to go on): the report lists the skipped lines.
pub fn import_valid(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    bytes: &[u8],
) -> Result<CsvReport> {
    let (rows, duplicates, mut errors) = parse_csv(bytes);
    let check = import(ctx, actor, ws, &rows, true)?;
    let bad: std::collections::HashSet<u64> = check.errors.iter().map(|e| e.line).collect();
    let good: Vec<CsvRow> = rows
        .into_iter()
        .filter(|r| !bad.contains(&r.line))
        .collect();
    let mut report = import(ctx, actor, ws, &good, false)?;
    report.duplicates = duplicates;
    errors.extend(check.errors);
    errors.sort_by_key(|e| e.line);
    report.errors = errors;
    Ok(report)
}

/// Checks rows against the workspace's locations and writes them unless `dry_run`. Any bad
/// row: nothing is written.
fn import_rows(
    store: &Store,
    ws: &Id<Workspace>,
    rows: &[CsvRow],
    dry_run: bool,
    now: OffsetDateTime,
) -> Result<CsvReport> {
    store
        .workspaces()
        .get(ws)?
        .ok_or_else(|| Error::Invalid(format!("`{ws}` is not a workspace of this instance")))?;
    let locations = store.locations().all(ws)?;
    let mut report = CsvReport {
        rows: rows.len(),
        ..CsvReport::default()
    };
    let mut checked = Vec::with_capacity(rows.len());
    for r in rows {
        match check(&r.input, &locations, "csv") {
            Ok(c) => checked.push(c),
            Err(message) => report.errors.push(RowError {
                line: r.line,
                message,
            }),
        }
    }
    if dry_run || !report.errors.is_empty() {
        return Ok(report);
    }
    for (f, loc, source) in checked {
        match store
            .contacts()
            .upsert(new_contact(ws, f, loc, source, now))?
            .1
        {
            Upserted::Created => report.created += 1,
            Upserted::Updated => report.updated += 1,
        }
    }
    Ok(report)
}

/// A CSV file from a signed-in manager or an API key (the CLI sends parsed rows to `import`).
pub fn import_csv(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    bytes: &[u8],
    dry_run: bool,
) -> Result<CsvReport> {
    Ok(import_csv_counted(ctx, actor, ws, bytes, dry_run)?.0)
}

/// `import_csv`, with how many rows passed every check (what "import the valid rows" would
/// write when others are bad).
pub fn import_csv_counted(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    bytes: &[u8],
    dry_run: bool,
) -> Result<(CsvReport, usize)> {
    let (rows, duplicates, mut errors) = parse_csv(bytes);
    // A file with bad lines is only checked: nothing written, nothing audited.
    let mut report = import(ctx, actor, ws, &rows, dry_run || !errors.is_empty())?;
    let valid = rows.len().saturating_sub(report.errors.len());
    report.duplicates = duplicates;
    errors.append(&mut report.errors);
    errors.sort_by_key(|e| e.line);
    report.errors = errors;
    Ok((report, valid))
}
