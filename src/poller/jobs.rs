//! The poller's work as jobs of the runner: syncs that are due, replies waiting to be
//! published, alerts and digests, webhook deliveries. Each pauses `poller.tick_ms` when idle.

use super::Poller;
use crate::jobs::{Job, Outcome, Step};
use crate::services::Ctx;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

fn tick(p: &Poller) -> Duration {
    Duration::from_millis(p.config.tick_ms)
}

/// Syncs the connections that are due.
pub struct Syncs(pub Arc<Poller>);

impl Job for Syncs {
    fn name(&self) -> &'static str {
        "syncs"
    }
    fn idle_pause(&self) -> Duration {
        tick(&self.0)
    }
    fn step<'a>(&'a self, _: &'a Ctx, _: OffsetDateTime) -> Step<'a> {
        Box::pin(async move { self.0.tick().await.map(Outcome::from_count) })
    }
}

/// Publishes replies written in Plaudit (and deletes those asked to be deleted).
pub struct Replies(pub Arc<Poller>);

impl Job for Replies {
    fn name(&self) -> &'static str {
        "replies"
    }
    fn idle_pause(&self) -> Duration {
        tick(&self.0)
    }
    fn step<'a>(&'a self, _: &'a Ctx, _: OffsetDateTime) -> Step<'a> {
        Box::pin(async move { self.0.send_replies().await.map(Outcome::from_count) })
    }
}

/// Sends new-review alerts and the digests that are due.
pub struct Alerts(pub Arc<Poller>);

impl Job for Alerts {
    fn name(&self) -> &'static str {
        "alerts"
    }
    fn idle_pause(&self) -> Duration {
        tick(&self.0)
    }
    fn step<'a>(&'a self, _: &'a Ctx, _: OffsetDateTime) -> Step<'a> {
        let me = self.0.clone();
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
pub struct Webhooks(pub Arc<Poller>);

impl Job for Webhooks {
    fn name(&self) -> &'static str {
        "webhooks"
    }
    fn idle_pause(&self) -> Duration {
        tick(&self.0)
    }
    fn step<'a>(&'a self, _: &'a Ctx, _: OffsetDateTime) -> Step<'a> {
        Box::pin(async move { self.0.deliver_webhooks().await.map(Outcome::from_count) })
    }
}
