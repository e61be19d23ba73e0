//! `plaudit import reviews FILE --workspace W [--dry-run]`: checks every row first (nothing is
//! written when one is bad), then imports in chunks with a progress bar.

use super::{Failed, call};
use crate::admin_socket::Request;
use crate::config::Config;
use crate::services::review_csv::{self, Report, Row};
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Reviews from a CSV file; columns: location, text, rating, created_at, author, kind,
    /// external_id, reply, replied_at, link (see the README). Re-importing changes nothing.
    Reviews {
        file: PathBuf,
        /// The workspace id.
        #[arg(long)]
        workspace: String,
        /// Check every row and report; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Contacts from a CSV file; columns: email (required), name, location, consent, source.
    /// A repeated address counts once; an address already stored is updated.
    Contacts {
        file: PathBuf,
        /// The workspace id.
        #[arg(long)]
        workspace: String,
        /// Check every row and report; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Rows per control request (the socket takes lines up to 1 MiB).
fn chunks(rows: &[Row]) -> Vec<&[Row]> {
    let mut out = Vec::new();
    let (mut start, mut size) = (0, 0);
    for (i, r) in rows.iter().enumerate() {
        let len = r.text.len() + r.reply.as_ref().map_or(0, String::len) + 400;
        if i > start && (size + len > 512 * 1024 || i - start >= 500) {
            out.push(&rows[start..i]);
            (start, size) = (i, 0);
        }
        size += len;
    }
    if start < rows.len() {
        out.push(&rows[start..]);
    }
    out
}

fn report_of(value: serde_json::Value) -> Result<Report, Failed> {
    serde_json::from_value(value).map_err(|e| Failed::Runtime(format!("unexpected answer: {e}")))
}

fn print_errors(errors: &[review_csv::RowError]) {
    for e in errors.iter().take(100) {
        eprintln!("{e}");
    }
    if errors.len() > 100 {
        eprintln!("… and {} more", errors.len() - 100);
    }
}

pub fn run(config: &Config, command: ImportCommand) -> Result<(), Failed> {
    let (file, workspace, dry_run) = match command {
        ImportCommand::Reviews {
            file,
            workspace,
            dry_run,
        } => (file, workspace, dry_run),
        ImportCommand::Contacts {
            file,
            workspace,
            dry_run,
        } => return contacts(config, file, workspace, dry_run),
    };
    let bytes = std::fs::read(&file)
        .map_err(|e| Failed::Usage(format!("cannot read {}: {e}", file.display())))?;
    let (rows, mut errors) = review_csv::parse(&bytes);
    // Every row is checked against the workspace (its locations) before anything is written.
    for chunk in chunks(&rows) {
        let request = Request::ImportReviews {
            workspace: workspace.clone(),
            rows: chunk.to_vec(),
            dry_run: true,
        };
        errors.extend(report_of(call(config, request)?)?.errors);
    }
    errors.sort_by_key(|e| e.line);
    if !errors.is_empty() {
        print_errors(&errors);
        return Err(Failed::Usage(format!(
            "{} of {} rows have problems; nothing was imported. Fix them and run again.",
            errors.len(),
            rows.len() + errors.len()
        )));
    }
    if dry_run {
        println!(
            "{} rows are fine; nothing was written (--dry-run).",
            rows.len()
        );
        return Ok(());
    }
    let bar = progress(rows.len(), "rows");
    let mut total = Report::default();
    for chunk in chunks(&rows) {
        let request = Request::ImportReviews {
            workspace: workspace.clone(),
            rows: chunk.to_vec(),
            dry_run: false,
        };
        let r = report_of(call(config, request)?)?;
        total.rows += r.rows;
        total.new += r.new;
        total.updated += r.updated;
        total.unchanged += r.unchanged;
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    println!(
        "{} rows: {} new, {} updated, {} unchanged",
        total.rows, total.new, total.updated, total.unchanged
    );
    Ok(())
}

/// Contacts go in chunks of 500 rows, each checked against the workspace before any is written.
fn contacts(
    config: &Config,
    file: PathBuf,
    workspace: String,
    dry_run: bool,
) -> Result<(), Failed> {
    use crate::services::contacts_csv::{CsvReport, parse_csv};
    let bytes = std::fs::read(&file)
        .map_err(|e| Failed::Usage(format!("cannot read {}: {e}", file.display())))?;
    let (rows, duplicates, mut errors) = parse_csv(&bytes);
    let report = |v| -> Result<CsvReport, Failed> {
        serde_json::from_value(v).map_err(|e| Failed::Runtime(format!("unexpected answer: {e}")))
    };
    for chunk in rows.chunks(500) {
        let request = Request::ImportContacts {
            workspace: workspace.clone(),
            rows: chunk.to_vec(),
            dry_run: true,
        };
        errors.extend(report(call(config, request)?)?.errors);
    }
    errors.sort_by_key(|e| e.line);
    if !errors.is_empty() {
        print_errors(&errors);
        return Err(Failed::Usage(format!(
            "{} rows have problems; nothing was imported. Fix them and run again.",
            errors.len()
        )));
    }
    if dry_run {
        println!(
            "{} contacts are fine ({duplicates} repeated addresses merged); nothing was written (--dry-run).",
            rows.len()
        );
        return Ok(());
    }
    let bar = progress(rows.len(), "contacts");
    let (mut created, mut updated) = (0, 0);
    for chunk in rows.chunks(500) {
        let request = Request::ImportContacts {
            workspace: workspace.clone(),
            rows: chunk.to_vec(),
            dry_run: false,
        };
        let r = report(call(config, request)?)?;
        created += r.created;
        updated += r.updated;
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    println!(
        "{} contacts: {created} new, {updated} updated, {duplicates} repeated addresses merged",
        rows.len()
    );
    Ok(())
}

/// A progress bar on stderr: `[####    ] 1200/5000 contacts 3s`.
fn progress(len: usize, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(len as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{bar:40}} {{pos}}/{{len}} {what} {{eta}}"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}
