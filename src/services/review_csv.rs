//! Importing reviews from CSV (exports of other tools, Q&A kept from before Google closed its
//! API). Columns, by header name, any order:
//!
//! | column | required | meaning |
//! |---|---|---|
//! | `location` | yes | a location's name (case-insensitive) or id |
//! | `text` | one of text/rating | the review text |
//! | `rating` | one of text/rating | 1–5 |
//! | `created_at` | yes | RFC 3339 time, or YYYY-MM-DD |
//! | `author` | no | the reviewer's name (default "Anonymous") |
//! | `kind` | no | `review` (default), `question` or `comment` |
//! | `external_id` | no | the item's id at its origin; without one, a hash of location, author, time and text |
//! | `reply` | no | the reply already given |
//! | `replied_at` | no | when it was given (default `created_at`) |
//! | `link` | no | where the original can be read (http/https) |
//!
//! Re-importing a file changes nothing: rows are matched by external id. A file with any bad
//! row imports nothing; every bad row is reported with its line number.

use super::auth::Actor;
use super::csv_table;
use super::{Ctx, Error, Result};
use crate::domain::{Access, Author, Fetched, FetchedReply, Id, Kind, Location, Rating, Workspace};
use crate::store::{Destination, PageRequest};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// One valid row, its location not yet resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The line in the file (1 = header).
    pub line: u64,
    pub location: String,
    pub kind: Kind,
    pub external_id: String,
    pub author: String,
    pub rating: Option<u8>,
    pub text: String,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub created_at: OffsetDateTime,
    pub reply: Option<String>,
    #[serde(with = "crate::domain::when::rfc3339::option")]
    pub replied_at: Option<OffsetDateTime>,
    pub link: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    pub line: u64,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub rows: usize,
    pub new: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub errors: Vec<RowError>,
}

const MAX_TEXT: usize = 10_000;

fn date(raw: &str) -> Option<OffsetDateTime> {
    let raw = raw.trim();
    if let Some(t) = crate::domain::when::parse_time(&raw.to_ascii_uppercase()) {
        return Some(t);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(raw, &fmt)
        .ok()
        .map(|d| d.midnight().assume_utc())
}

fn clean(s: &str, max: usize) -> std::result::Result<String, String> {
    let s = s.trim();
    if s.chars().count() > max {
        return Err(format!("longer than {max} characters"));
    }
    if s.chars().any(|c| c.is_control() && !"\n\r\t".contains(c)) {
        return Err("control characters are not allowed".into());
    }
    Ok(s.to_string())
}

/// Reads a CSV file: the valid rows, and an error for every bad one.
pub fn parse(bytes: &[u8]) -> (Vec<Row>, Vec<RowError>) {
    let mut rows = Vec::new();
    let mut table = match csv_table::read(bytes, csv::Trim::Headers) {
        Ok(t) => t,
        Err(e) => return (rows, vec![e]),
    };
    let mut errors = Vec::new();
    for required in ["location", "created_at"] {
        if !table.has(required) {
            errors.push(RowError { line: 1, message: format!("the header has no `{required}` column (columns: location, text, rating, created_at, author, kind, external_id, reply, replied_at, link)") });
        }
    }
    if !table.has("text") && !table.has("rating") {
        errors.push(RowError {
            line: 1,
            message: "the header needs a `text` or a `rating` column".into(),
        });
    }
    if !errors.is_empty() {
        return (rows, errors);
    }
    errors = std::mem::take(&mut table.errors);
    for (line, record) in std::mem::take(&mut table.records) {
        let get = |name: &str| {
            table
                .col(name)
                .and_then(|i| record.get(i))
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let mut problems = Vec::new();
        let mut field = |name: &str, max: usize| match clean(&get(name), max) {
            Ok(v) => v,
            Err(m) => {
                problems.push(format!("{name}: {m}"));
                String::new()
            }
        };
        let location = field("location", 200);
        let text = field("text", MAX_TEXT);
        let author = field("author", 200);
        let reply = field("reply", MAX_TEXT);
        let link = field("link", 2000);
        let external = field("external_id", 500);
        if location.is_empty() {
            problems.push("location: empty".into());
        }
        let rating = match get("rating").as_str() {
            "" => None,
            r => match r.parse::<u8>() {
                Ok(n) if (1..=5).contains(&n) => Some(n),
                _ => {
                    problems.push(format!("rating: `{r}` is not a whole number from 1 to 5"));
                    None
                }
            },
        };
        if rating.is_none() && text.is_empty() && problems.is_empty() {
            problems.push("neither a rating nor a text".into());
        }
        let created_at = match date(&get("created_at")) {
            Some(t) => t,
            None => {
                problems.push(format!(
                    "created_at: `{}` is not a date (2026-01-31) or an RFC 3339 time",
                    get("created_at")
                ));
                OffsetDateTime::UNIX_EPOCH
            }
        };
        let replied_at = match get("replied_at").as_str() {
            "" => None,
            r => match date(r) {
                Some(t) => Some(t),
                None => {
                    problems.push(format!("replied_at: `{r}` is not a date"));
                    None
                }
            },
        };
        let kind = match get("kind").to_ascii_lowercase().as_str() {
            "" | "review" => Kind::Review,
            "question" => Kind::Question,
            "comment" => Kind::Comment,
            other => {
                problems.push(format!("kind: `{other}`: use review, question or comment"));
                Kind::Review
            }
        };
        if !(link.is_empty() || link.starts_with("https://") || link.starts_with("http://")) {
            problems.push("link: use an http(s) address".into());
        }
        if !problems.is_empty() {
            errors.push(RowError {
                line,
                message: problems.join("; "),
            });
            continue;
        }
        let external_id = if external.is_empty() {
            let digest = Sha256::digest(format!(
                "{}\u{1f}{}\u{1f}{}\u{1f}{}",
                location.to_lowercase(),
                author,
                created_at.unix_timestamp(),
                text
            ));
            format!("csv:{}", hex::encode(&digest[..16]))
        } else {
            external
        };
        rows.push(Row {
            line,
            location,
            kind,
            external_id,
            author: if author.is_empty() {
                "Anonymous".into()
            } else {
                author
            },
            rating,
            text,
            created_at,
            reply: (!reply.is_empty()).then_some(reply),
            replied_at,
            link: (!link.is_empty()).then_some(link),
        });
    }
    errors.sort_by_key(|e| e.line);
    (rows, errors)
}

pub(crate) fn resolve(locations: &[Location], name: &str) -> Option<Id<Location>> {
    locations
        .iter()
        .find(|l| l.id.to_string() == name || l.name.eq_ignore_ascii_case(name))
        .map(|l| l.id)
}

/// Imports rows into `ws` (or only checks them, with `dry_run`): rows naming an unknown
/// location are errors, and with any error nothing is written.
pub fn import(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    rows: &[Row],
    dry_run: bool,
) -> Result<Report> {
    let here = ctx.enter_as(actor, ws, Access::Write)?;
    import_rows(&ctx.store, ws, rows, dry_run, ctx.clock.now()).and_then(|report| {
        if !dry_run && report.errors.is_empty() && report.rows > 0 {
            let entry = here.audit("items.imported", &format!("{} rows", report.rows));
            ctx.store.audit().append(ws, &entry)?;
        }
        Ok(report)
    })
}

/// A whole file: parsed, checked, and written only when no row is bad (and not `dry_run`).
/// Answers the report (bad lines of both kinds, in order) and how many rows passed every
/// check (what "import the valid rows" would write).
pub fn import_file(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    bytes: &[u8],
    dry_run: bool,
) -> Result<(Report, usize)> {
    let (rows, mut errors) = parse(bytes);
    let mut report = import(ctx, actor, ws, &rows, dry_run || !errors.is_empty())?;
    let valid = report.rows.saturating_sub(report.errors.len());
    errors.append(&mut report.errors);
    errors.sort_by_key(|e| e.line);
    report.errors = errors;
    Ok((report, valid))
}

/// Imports the rows of a file that pass every check and skips the others (the person saw
/// the bad rows listed and chose to go on): the report lists the skipped lines.
pub fn import_valid(ctx: &Ctx, actor: &Actor, ws: &Id<Workspace>, bytes: &[u8]) -> Result<Report> {
    let (rows, mut errors) = parse(bytes);
    let check = import(ctx, actor, ws, &rows, true)?;
    let bad: std::collections::HashSet<u64> = check.errors.iter().map(|e| e.line).collect();
    let good: Vec<Row> = rows
        .into_iter()
        .filter(|r| !bad.contains(&r.line))
        .collect();
    let mut report = import(ctx, actor, ws, &good, false)?;
    errors.extend(check.errors);
    errors.sort_by_key(|e| e.line);
    report.errors = errors;
    Ok(report)
}

/// Resolves the rows' locations and writes them unless `dry_run`.
fn import_rows(
    store: &crate::store::Store,
    ws: &Id<Workspace>,
    rows: &[Row],
    dry_run: bool,
    now: OffsetDateTime,
) -> Result<Report> {
    if store.workspaces().get(ws)?.is_none() {
        return Err(Error::Invalid(format!("no workspace {ws}")));
    }
    let locations = store
        .locations()
        .page(ws, &PageRequest::first(10_000))?
        .items;
    let mut report = Report {
        rows: rows.len(),
        ..Report::default()
    };
    let mut resolved = Vec::with_capacity(rows.len());
    for r in rows {
        match resolve(&locations, &r.location) {
            Some(l) => resolved.push((l, r)),
            None => report.errors.push(RowError {
                line: r.line,
                message: format!(
                    "location: `{}` is not a location of this workspace",
                    r.location
                ),
            }),
        }
    }
    if dry_run || !report.errors.is_empty() {
        return Ok(report);
    }
    for chunk in resolved.chunks(200) {
        // One transaction per location and chunk, like a provider page.
        let mut by_loc: std::collections::BTreeMap<Id<Location>, Vec<Fetched>> = Default::default();
        for (loc, r) in chunk {
            by_loc.entry(*loc).or_default().push(Fetched {
                kind: r.kind,
                external_id: r.external_id.clone(),
                parent_external_id: None,
                author: Author {
                    name: r.author.clone(),
                    photo_url: None,
                    anonymous: false,
                    external_id: None,
                },
                rating: r.rating.map(Rating::Stars),
                text: r.text.clone(),
                link: r.link.clone(),
                created_at: r.created_at,
                updated_at: r.created_at,
                reply: r.reply.as_ref().map(|t| FetchedReply {
                    text: t.clone(),
                    at: r.replied_at.unwrap_or(r.created_at),
                    external_id: None,
                }),
                reply_authoritative: true,
            });
        }
        for (loc, batch) in by_loc {
            let done = store.items().ingest(
                &Destination {
                    workspace: *ws,
                    location: loc,
                    origin: crate::domain::Origin::Import,
                    feed: "csv",
                    connection: None,
                    alert: false,
                },
                &batch,
                now,
            )?;
            report.new += done.new;
            report.updated += done.changed;
            report.unchanged += batch.len() - done.new - done.changed;
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_checked_and_numbered() {
        let csv = "location,author,rating,text,created_at,kind\n\
                   Old Town,Ana,5,\"Great, really\",2026-01-02,review\n\
                   Old Town,Bo,six,Bad,2026-01-02,\n\
                   ,Cy,3,,yesterday,\n\
                   Old Town,Di,,\"Multi\nline\",2026-01-03T10:00:00Z,question\n\
                   Old Town,Ed,4,ok,2026-01-04,poem\n";
        let (rows, errors) = parse(csv.as_bytes());
        assert_eq!(rows.len(), 2, "{errors:?}");
        assert_eq!(rows[1].kind, Kind::Question);
        assert_eq!(rows[1].text, "Multi\nline");
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 4, 7], "{errors:?}");
        assert!(errors[0].message.contains("rating: `six`"));
        assert!(
            errors[1].message.contains("location: empty")
                && errors[1].message.contains("created_at")
        );
        // The same row always gets the same id: re-imports match.
        let (again, _) = parse(csv.as_bytes());
        assert_eq!(rows[0].external_id, again[0].external_id);
    }

    #[test]
    fn a_header_without_required_columns_is_refused() {
        let (rows, errors) = parse(b"name,stars\nx,5\n");
        assert!(rows.is_empty());
        assert!(errors[0].message.contains("`location`"));
    }
}
