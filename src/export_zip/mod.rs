//! ZIP archives of exports: the complete JSON document, and each of its tables as CSV for
//! spreadsheets.

pub mod table;
pub mod zip;

use serde_json::Value;
use std::io::Write;
use table::{Table, columns_of};
use time::OffsetDateTime;

/// The `Content-Type` of an archive.
pub const CONTENT_TYPE: &str = "application/zip";

/// The note at the head of every archive, saying which file is the record.
pub fn readme(json_name: &str) -> String {
    format!(
        "{json_name} is the complete export. Each CSV file holds one of its tables for a \
         spreadsheet: a column per field, nested values as JSON text, and a leading apostrophe \
         on any cell a spreadsheet would otherwise run as a formula.\n"
    )
}

/// The tables of an export document: each top-level list (a row per element) and each
/// top-level object (one row), by their key; empty lists and nulls give none.
pub fn tables(doc: &Value) -> Vec<(&str, Vec<&Value>)> {
    let Value::Object(fields) = doc else {
        return Vec::new();
    };
    fields
        .iter()
        .filter_map(|(key, v)| match v {
            Value::Array(rows) if !rows.is_empty() => Some((key.as_str(), rows.iter().collect())),
            Value::Object(_) => Some((key.as_str(), vec![v])),
            _ => None,
        })
        .collect()
}

/// One table written as an entry's CSV.
pub fn write_table(out: &mut dyn Write, rows: &[&Value]) -> anyhow::Result<()> {
    let mut t = Table::new(out, columns_of(rows.iter().copied()))?;
    for row in rows {
        t.row(row)?;
    }
    t.finish()
}

/// The archive of an export held in memory: `README.txt`, `<stem>.json`, and a CSV per table.
pub fn of_document(doc: &Value, stem: &str, at: OffsetDateTime) -> anyhow::Result<Vec<u8>> {
    archive(doc, &[("", doc)], stem, at)
}

/// The archive of an export answered per workspace (`{workspace id: document}`): the tables
/// of each document in a folder named by its key.
pub fn of_each(doc: &Value, stem: &str, at: OffsetDateTime) -> anyhow::Result<Vec<u8>> {
    let parts: Vec<(String, &Value)> = match doc {
        Value::Object(fields) => fields.iter().map(|(k, v)| (format!("{k}/"), v)).collect(),
        _ => Vec::new(),
    };
    let parts: Vec<(&str, &Value)> = parts.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    archive(doc, &parts, stem, at)
}

fn archive(
    doc: &Value,
    parts: &[(&str, &Value)],
    stem: &str,
    at: OffsetDateTime,
) -> anyhow::Result<Vec<u8>> {
    let json_name = format!("{stem}.json");
    let mut zip = zip::Zip::new(Vec::new(), at);
    zip.entry("README.txt", |w| {
        Ok(w.write_all(readme(&json_name).as_bytes())?)
    })?;
    zip.entry(&json_name, |w| Ok(serde_json::to_writer_pretty(w, doc)?))?;
    for (folder, part) in parts {
        for (name, rows) in tables(part) {
            zip.entry(&format!("{folder}{name}.csv"), |w| write_table(w, &rows))?;
        }
    }
    zip.finish()
}
