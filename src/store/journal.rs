//! The erasure journal: one line per erasure (`<unix time> <workspace> <keyed hash>`), kept in
//! the data folder beside the store, not in it, so a restore of an older backup cannot bring
//! it back with the store — and replays it, so no erased person returns. It holds no address:
//! only the keyed hash the store already uses for lookups.

use crate::domain::{Id, Workspace};
use anyhow::Context;
use std::io::Write;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join("erasures.log")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erasure {
    pub at: OffsetDateTime,
    pub workspace: Id<Workspace>,
    /// The store's key for the address: (workspace, HMAC of the address) — or, for an item
    /// erased for its author, `i` and the item's id (17 bytes).
    pub key: Vec<u8>,
}

/// Appends erasures durably (one fsync) before they are carried out: a crash half-way through
/// an erasure is finished by the next replay.
pub fn append(data_dir: &Path, entries: &[Erasure]) -> anyhow::Result<()> {
    let p = path(data_dir);
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&p)
        .with_context(|| format!("opening {}", p.display()))?;
    let mut lines = String::new();
    for e in entries {
        lines.push_str(&format!(
            "{} {} {}\n",
            e.at.unix_timestamp(),
            e.workspace,
            hex::encode(&e.key)
        ));
    }
    f.write_all(lines.as_bytes())?;
    f.sync_all().context("syncing the erasure journal")?;
    Ok(())
}

/// Every erasure recorded; unreadable lines are skipped (a torn last line after a crash).
pub fn read(data_dir: &Path) -> anyhow::Result<Vec<Erasure>> {
    let text = match std::fs::read_to_string(path(data_dir)) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).context("reading the erasure journal"),
    };
    Ok(text
        .lines()
        .filter_map(|l| {
            let mut parts = l.split(' ');
            let at = OffsetDateTime::from_unix_timestamp(parts.next()?.parse().ok()?).ok()?;
            let workspace = parts.next()?.parse().ok()?;
            let key = hex::decode(parts.next()?)
                .ok()
                .filter(|k| k.len() == 48 || (k.len() == 17 && k[0] == b'i'))?;
            Some(Erasure { at, workspace, key })
        })
        .collect())
}
