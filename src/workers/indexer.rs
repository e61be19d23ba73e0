//! Keeps the search index and word counts caught up with the item change log: at start (a
//! crash leaves the log holding whatever was not indexed yet) and within a moment of a change.

use crate::jobs::{Job, Outcome, Step};
use crate::services::Ctx;
use std::time::Duration;
use time::OffsetDateTime;

/// Changes indexed per step (one transaction). Large, because a step rewrites each posting
/// block it touches whole and sled keeps the old copy until it cleans that log segment: a first
/// sync of a location's whole history then rewrites each block a few times, not hundreds.
pub const STEP: usize = 1024;

/// The indexer as a job of the runner.
pub struct Indexer;

impl Job for Indexer {
    fn name(&self) -> &'static str {
        "indexer"
    }

    fn idle_pause(&self) -> Duration {
        Duration::from_millis(200)
    }

    fn step<'a>(&'a self, ctx: &'a Ctx, _: OffsetDateTime) -> Step<'a> {
        Box::pin(async move {
            let s = ctx.store.clone();
            let n = tokio::task::spawn_blocking(move || s.search().index_step(STEP)).await??;
            Ok(Outcome::from_count(n))
        })
    }
}
