//! The edge's memory, kept by every instance for itself: idle rate-limiter keys and strike
//! counts forgotten, expired bans dropped, and, with several instances on one database, the
//! ban list read again every second so that a ban placed or lifted on one holds on all.

use crate::edge::Edge;
use crate::jobs::{Job, Outcome, Step};
use crate::services::Ctx;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// How often idle keys are forgotten.
const TIDY_EVERY: Duration = Duration::from_secs(60);

pub struct EdgeMemory {
    edge: Arc<Edge>,
    /// Whether other instances may place bans (a shared database).
    shared: bool,
    tidied: Mutex<Option<Instant>>,
}

impl EdgeMemory {
    pub fn new(edge: Arc<Edge>, shared: bool) -> Self {
        Self {
            edge,
            shared,
            tidied: Mutex::new(None),
        }
    }

    fn tidy_due(&self) -> bool {
        let mut last = self.tidied.lock().unwrap_or_else(|p| p.into_inner());
        let due = last.is_none_or(|t| t.elapsed() >= TIDY_EVERY);
        if due {
            *last = Some(Instant::now());
        }
        due
    }
}

impl Job for EdgeMemory {
    fn name(&self) -> &'static str {
        "edge_memory"
    }

    fn idle_pause(&self) -> Duration {
        if self.shared {
            Duration::from_secs(1)
        } else {
            TIDY_EVERY
        }
    }

    /// Each instance keeps its own memory.
    fn single_runner(&self) -> bool {
        false
    }

    fn step<'a>(&'a self, ctx: &'a Ctx, now: OffsetDateTime) -> Step<'a> {
        Box::pin(async move {
            if self.shared {
                let read = Instant::now();
                let stored = ctx.blocking(|s| s.bans().all()).await?;
                self.edge.bans.refresh(stored, read, now);
            }
            if self.tidy_due() {
                self.edge.forget_idle();
            }
            Ok(Outcome::Idle)
        })
    }
}
