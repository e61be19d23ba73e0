//! Compaction at start: sled 0.34 keeps the space of every page it rewrote until it cleans that
//! log segment, and never gives the file back, so a store that indexed a long history can be
//! ten times its live size on disk (and in memory: sled's page table follows the log). Before
//! serving, a folder far above its live size is rewritten with only what is live
//! (`backup::compact`: export, verified import beside it, swap).
//!
//! `plaudit serve` does it in a child process of itself (`COMPACT_ONLY`), so the memory the
//! rewrite took goes back to the system before the server starts.

use crate::store::{Store, engine};
use crate::workers::backup;
use std::path::Path;
use time::OffsetDateTime;

/// Set in the environment of the child `serve` that only compacts, then exits.
pub const COMPACT_ONLY: &str = "PLAUDIT_INTERNAL_COMPACT_ONLY";

/// A store is compacted above this many times its keys and values. A compacted folder takes
/// 1.2 to 1.5 times them at a million reviews (more for a small one: sled's first segments);
/// with items in blocks of a few KB a live-ingested million sits at 2.4 (`benches/run
/// ingest`): the blocks' rewritten pages stay in sled's log until a segment is half dead. The
/// store is weighed only when its folder doubled since the last weighing, so a store that
/// stays above the factor after compacting is not compacted again at every start.
const LIVE_FACTOR: u64 = 2;

/// What a start found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Below `min_bytes`, or not doubled since it was last weighed.
    NotWeighed,
    /// Weighed, and within `LIVE_FACTOR` of its live size.
    Fine,
    /// Rewritten: the folder's bytes before and after.
    Compacted(u64, u64),
}

/// Compacts the store in `data_dir` when it is due — written by an older release in another
/// sled layout (`engine::needs_rewrite`), or weighed (one walk of every tree) only
/// once its folder is at least `min_bytes` and has doubled since it was last weighed, so a
/// start pays for the walk rarely. A failed compaction leaves the store as it was.
pub fn compact_if_due(
    data_dir: &Path,
    cache_mb: u64,
    min_bytes: u64,
    now: OffsetDateTime,
) -> anyhow::Result<Outcome> {
    let store = Store::open(data_dir, cache_mb, now)?;
    let disk = store.size_on_disk();
    // A folder an older release wrote in another sled layout (`store::engine`): rewritten
    // without weighing it first.
    let older = engine::needs_rewrite(&data_dir.join("db"));
    // The open above migrated an older schema: much of the store was rewritten.
    let migrated = store.take_compaction_request()?;
    let weighed_lately = store.last_weighed_at()?.is_some_and(|w| disk < 2 * w);
    if disk < min_bytes || (!older && !migrated && weighed_lately) {
        return Ok(Outcome::NotWeighed);
    }
    if older || migrated {
        store.close()?;
        let why = if older {
            "it was written in an older sled layout"
        } else {
            "a schema migration just rewrote it"
        };
        tracing::info!(disk, "compacting the store before serving ({why})");
    } else {
        let live = store.weight()?.logical_bytes;
        tracing::info!(disk, live, "weighed the store");
        store.set_last_weighed_at(disk)?;
        if disk <= LIVE_FACTOR * live.max(1) {
            return Ok(Outcome::Fine);
        }
        store.close()?;
        tracing::info!("compacting the store before serving (it is far above its live size)");
    }
    let started = std::time::Instant::now();
    let (before, after) = backup::compact(data_dir, cache_mb, now)?;
    tracing::info!(
        before,
        after,
        secs = started.elapsed().as_secs(),
        "store compacted"
    );
    let store = Store::open(data_dir, cache_mb, now)?;
    store.set_last_weighed_at(store.size_on_disk())?;
    store.close()?;
    Ok(Outcome::Compacted(before, after))
}
