//! Putting a rebuilt store in place of `db/` (a restore, a compaction) so that no kill leaves
//! the data folder without one: the rebuilt folder is first renamed `db.ready-<why>-<time>`,
//! which says it is whole; then `db/` is moved aside and the ready one renamed `db/`. Every
//! open finishes a swap a crash cut between those renames.

use anyhow::Context;
use std::path::{Path, PathBuf};

/// Why a store was rebuilt: names the ready and the set-aside folders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// The old store is kept beside (`db.before-restore-<time>`) for the operator to remove.
    Restore,
    /// The new store holds everything the old one did: the old one is removed.
    Compact,
}

impl Why {
    fn name(self) -> &'static str {
        match self {
            Why::Restore => "restore",
            Why::Compact => "compact",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "restore" => Some(Why::Restore),
            "compact" => Some(Why::Compact),
            _ => None,
        }
    }
}

const READY: &str = "db.ready-";

/// Swaps the whole, closed store folder `built` in as `data_dir/db`. Returns where the old
/// store went (removed already for a compaction).
pub fn swap_in(data_dir: &Path, built: &Path, why: Why, stamp: i64) -> anyhow::Result<PathBuf> {
    let ready = data_dir.join(format!("{READY}{}-{stamp}", why.name()));
    std::fs::rename(built, &ready).with_context(|| format!("marking {} ready", built.display()))?;
    sync_dir(data_dir)?;
    finish(data_dir)?.context("a ready store vanished before it was swapped in")
}

/// Finishes any swap a crash interrupted; returns where the old store went, if one was done.
pub fn finish(data_dir: &Path) -> anyhow::Result<Option<PathBuf>> {
    let mut ready: Vec<(String, Why, String)> = Vec::new();
    let Ok(entries) = std::fs::read_dir(data_dir) else {
        return Ok(None);
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(READY) else {
            continue;
        };
        if let Some((why, stamp)) = rest.split_once('-')
            && let Some(why) = Why::parse(why)
        {
            ready.push((name.clone(), why, stamp.to_string()));
        }
    }
    // Oldest first: the newest ready store is the one left in place.
    ready.sort_by(|a, b| a.2.cmp(&b.2));
    let mut last = None;
    for (name, why, stamp) in ready {
        let db = data_dir.join("db");
        let aside = free_name(data_dir, &format!("db.before-{}-{stamp}", why.name()));
        if db.exists() {
            std::fs::rename(&db, &aside)
                .with_context(|| format!("moving {} aside", db.display()))?;
        }
        std::fs::rename(data_dir.join(&name), &db)
            .with_context(|| format!("putting {name} in place"))?;
        sync_dir(data_dir)?;
        if why == Why::Compact {
            remove_compacted(data_dir)?;
        }
        last = Some(aside);
    }
    Ok(last)
}

/// Removes the stores a compaction replaced (a crash may have left one beside `db/`).
fn remove_compacted(data_dir: &Path) -> anyhow::Result<()> {
    let prefix = format!("db.before-{}-", Why::Compact.name());
    for e in std::fs::read_dir(data_dir)?.flatten() {
        if e.file_name().to_string_lossy().starts_with(&prefix) {
            std::fs::remove_dir_all(e.path())
                .with_context(|| format!("removing {}", e.path().display()))?;
        }
    }
    Ok(())
}

/// `base`, or `base.N` for the first N not taken.
fn free_name(dir: &Path, base: &str) -> PathBuf {
    let mut p = dir.join(base);
    let mut n = 1;
    while p.exists() {
        p = dir.join(format!("{base}.{n}"));
        n += 1;
    }
    p
}

/// Makes renames in `dir` durable.
fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("syncing {}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(p: &Path, marker: &str) {
        std::fs::create_dir_all(p).unwrap();
        std::fs::write(p.join("conf"), marker).unwrap();
    }

    fn marker(p: &Path) -> String {
        std::fs::read_to_string(p.join("db").join("conf")).unwrap()
    }

    /// A kill after any of the renames leaves a folder the next open completes: the new store
    /// in `db/`, the old one aside (a restore) or gone (a compaction), never no `db/`.
    #[test]
    fn a_swap_cut_between_its_renames_is_finished_by_the_next_open() {
        for why in [Why::Restore, Why::Compact] {
            let dir = tempfile::tempdir().unwrap();
            let d = dir.path();
            // Killed after marking ready, before moving db/ aside.
            folder(&d.join("db"), "old");
            folder(&d.join(format!("db.ready-{}-5", why.name())), "new");
            finish(d).unwrap();
            assert_eq!(marker(d), "new");
            let aside = d.join(format!("db.before-{}-5", why.name()));
            assert_eq!(aside.exists(), why == Why::Restore);

            // Killed after moving db/ aside, before the ready one took its place.
            let dir = tempfile::tempdir().unwrap();
            let d = dir.path();
            folder(&d.join(format!("db.before-{}-6", why.name())), "old");
            folder(&d.join(format!("db.ready-{}-6", why.name())), "new");
            finish(d).unwrap();
            assert_eq!(marker(d), "new");
            assert_eq!(
                d.join(format!("db.before-{}-6", why.name())).exists(),
                why == Why::Restore
            );

            // The whole swap, twice in one second: nothing overwritten.
            let dir = tempfile::tempdir().unwrap();
            let d = dir.path();
            folder(&d.join("db"), "first");
            for m in ["second", "third"] {
                let built = d.join("built");
                folder(&built, m);
                swap_in(d, &built, why, 7).unwrap();
                assert_eq!(marker(d), m);
            }
            if why == Why::Restore {
                let kept: Vec<String> = ["db.before-restore-7", "db.before-restore-7.1"]
                    .iter()
                    .map(|n| std::fs::read_to_string(d.join(n).join("conf")).unwrap())
                    .collect();
                assert_eq!(kept, ["first", "second"]);
            }
            // Nothing to finish: nothing moves.
            assert_eq!(finish(d).unwrap(), None);
            assert_eq!(marker(d), "third");
        }
    }
}
