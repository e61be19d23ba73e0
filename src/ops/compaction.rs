//! Compaction at start: sled 0.34 keeps the space of every page it rewrote until it cleans that
//! log segment, and never gives the file back, so a store that indexed a long history can be
//! ten times its live size on disk (and in memory: sled's page table follows the log). Before
//! serving, a folder far above its live size is rewritten with only what is live
//! (`backup::compact`: export, verified import beside it, swap).

use crate::ops::backup;
use crate::store::{OpenError, Store};
use std::path::Path;
use time::OffsetDateTime;

/// Folders smaller than this are never weighed.
const MIN_BYTES: u64 = 64 << 20;
/// A store is compacted above this many times its keys and values. A freshly imported sled
/// folder takes about four times them; one that rewrote its index blocks, ten to twenty.
const LIVE_FACTOR: u64 = 6;

/// Opens the store in `data_dir`, compacting it first when it is due: weighed (one walk of
/// every tree) only once its folder has doubled since it was last weighed, so a start pays for
/// the walk rarely. A failed compaction leaves the store as it was and the start goes on.
pub fn open(data_dir: &Path, cache_mb: u64, now: OffsetDateTime) -> Result<Store, OpenError> {
    let store = Store::open(data_dir, cache_mb, now)?;
    let due = match is_due(&store) {
        Ok(due) => due,
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "could not weigh the store; not compacting");
            false
        }
    };
    if !due {
        return Ok(store);
    }
    store.close()?;
    tracing::info!("compacting the store before serving (it is far above its live size)");
    let started = std::time::Instant::now();
    match backup::compact(data_dir, cache_mb, now) {
        Ok((before, after)) => tracing::info!(
            before,
            after,
            secs = started.elapsed().as_secs(),
            "store compacted"
        ),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "compacting the store failed; serving it as it is")
        }
    }
    let store = Store::open(data_dir, cache_mb, now)?;
    store.set_last_weighed_at(store.size_on_disk())?;
    Ok(store)
}

fn is_due(store: &Store) -> anyhow::Result<bool> {
    let disk = store.size_on_disk();
    if disk < MIN_BYTES || store.last_weighed_at()?.is_some_and(|w| disk < 2 * w) {
        return Ok(false);
    }
    let weight = store.weight()?;
    tracing::info!(disk, live = weight.logical_bytes, "weighed the store");
    store.set_last_weighed_at(disk)?;
    Ok(disk > LIVE_FACTOR * weight.logical_bytes.max(1))
}
