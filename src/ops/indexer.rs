//! Keeps the search index and word counts caught up with the item change log: at start (a
//! crash leaves the log holding whatever was not indexed yet) and within a moment of a change.

use crate::store::Store;
use std::time::Duration;
use tokio::sync::watch;

/// Changes indexed per step (one transaction). Large, because a step rewrites each posting
/// block it touches whole and sled keeps the old copy until it cleans that log segment: a first
/// sync of a location's whole history then rewrites each block a few times, not hundreds.
pub const STEP: usize = 1024;

pub async fn run_until_stopped(store: Store, mut shutdown: watch::Receiver<bool>) {
    while !*shutdown.borrow() {
        let s = store.clone();
        let done = match tokio::task::spawn_blocking(move || s.search().index_step(STEP)).await {
            Ok(Ok(n)) => n,
            Ok(Err(e)) => {
                tracing::error!(error = %format!("{e:#}"), "indexing items failed");
                0
            }
            Err(_) => 0,
        };
        if done < STEP {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(200)) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}
