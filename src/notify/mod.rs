//! Telling people about new items: email alerts and daily digests, and webhook deliveries;
//! each a job of `jobs::Runner`, pausing `poller.tick_ms` when idle.

mod alerts;
mod webhooks;

use crate::jobs::{Job, Outcome, Step};
use crate::services::Ctx;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;
pub use webhooks::signature;

fn tick(ctx: &Ctx) -> Duration {
    Duration::from_millis(ctx.config.poller.tick_ms)
}

/// Sends new-item alerts and the digests that are due.
#[derive(Clone)]
pub struct Alerts {
    ctx: Ctx,
    /// When the digest step last walked the prefs.
    digest_ran: Arc<Mutex<Option<OffsetDateTime>>>,
}

impl Alerts {
    pub fn new(ctx: Ctx) -> Self {
        Self {
            ctx,
            digest_ran: Arc::new(Mutex::new(None)),
        }
    }
}

impl Job for Alerts {
    fn name(&self) -> &'static str {
        "alerts"
    }
    fn idle_pause(&self) -> Duration {
        tick(&self.ctx)
    }
    fn step<'a>(&'a self, _: &'a Ctx, _: OffsetDateTime) -> Step<'a> {
        let me = self.clone();
        Box::pin(async move {
            let sent = tokio::task::spawn_blocking(move || {
                Ok::<_, anyhow::Error>(me.alert_step()? + me.digest_step()?)
            })
            .await??;
            Ok(Outcome::from_count(sent))
        })
    }
}

/// Delivers webhook events.
pub struct Webhooks {
    ctx: Ctx,
}

impl Webhooks {
    pub fn new(ctx: Ctx) -> Self {
        Self { ctx }
    }
}

impl Job for Webhooks {
    fn name(&self) -> &'static str {
        "webhooks"
    }
    fn idle_pause(&self) -> Duration {
        tick(&self.ctx)
    }
    fn step<'a>(&'a self, _: &'a Ctx, _: OffsetDateTime) -> Step<'a> {
        Box::pin(async move {
            if self.deliver_webhooks().await? > 0 {
                return Ok(Outcome::Worked);
            }
            // Nothing due: wake when the next retry is (new deliveries are found after the
            // idle pause as before).
            let next = self
                .ctx
                .blocking(|s| s.alerts().next_delivery_due())
                .await?;
            Ok(match next {
                Some(at) => Outcome::RetryAt(at),
                None => Outcome::Idle,
            })
        })
    }
}
