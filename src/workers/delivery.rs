//! The outbox as a job of the runner (the worker itself is `mail::OutboxWorker`).

use crate::jobs::{Job, Outcome, Step};
use crate::mail::{OutboxWorker, Outcome as Delivery};
use crate::services::Ctx;
use std::time::Duration;
use time::OffsetDateTime;

/// The outbox as a job of the runner: `outbox.concurrency` copies send at once.
impl Job for OutboxWorker {
    fn name(&self) -> &'static str {
        "outbox"
    }

    fn idle_pause(&self) -> Duration {
        Duration::from_millis(self.config().poll_interval_ms)
    }

    fn copies(&self) -> usize {
        self.config().concurrency
    }

    /// Every instance sends: each message is claimed by one (`Outbox::claim_due`).
    fn single_runner(&self) -> bool {
        false
    }

    fn step<'a>(&'a self, _: &'a Ctx, _: OffsetDateTime) -> Step<'a> {
        Box::pin(async move {
            Ok(match OutboxWorker::step(self).await? {
                // Nothing due: wake when the next deferred message is (the runner still looks
                // again after the idle pause, for mail queued meanwhile).
                Delivery::Idle => match self.next_due()? {
                    Some(at) => Outcome::RetryAt(at),
                    None => Outcome::Idle,
                },
                _ => Outcome::Worked,
            })
        })
    }
}
