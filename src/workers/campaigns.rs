//! Moves sending campaigns forward: a batch at a time, while the outbox has room, so that a
//! pause takes effect within a batch and an unreachable relay does not pile up a whole
//! campaign in the outbox.

use crate::jobs::{Job, Outcome, Step};
use crate::services::{Ctx, campaign_run};
use std::time::Duration;
use time::OffsetDateTime;

/// Queue more only while fewer messages than this wait in the outbox.
const OUTBOX_ROOM: usize = 4 * campaign_run::BATCH;

/// One pass over every campaign with work; returns the messages queued (and flushed).
pub async fn step(ctx: &Ctx) -> anyhow::Result<usize> {
    let c = ctx.clone();
    let queued = tokio::task::spawn_blocking(move || -> anyhow::Result<usize> {
        let mut queued = 0;
        for campaign in c.store.campaigns().active()? {
            if c.store.outbox().pending() >= OUTBOX_ROOM {
                break;
            }
            match campaign_run::step(&c, &campaign.workspace, &campaign.id) {
                Ok(n) => queued += n,
                Err(e) => {
                    tracing::error!(campaign = %campaign.id, error = %e, "campaign step failed")
                }
            }
        }
        Ok(queued)
    })
    .await??;
    if queued > 0 {
        ctx.store.flush().await?;
    }
    Ok(queued)
}

/// The campaign sender as a job of the runner.
pub struct CampaignSender;

impl Job for CampaignSender {
    fn name(&self) -> &'static str {
        "campaigns"
    }

    fn idle_pause(&self) -> Duration {
        Duration::from_secs(1)
    }

    fn step<'a>(&'a self, ctx: &'a Ctx, _: OffsetDateTime) -> Step<'a> {
        Box::pin(async move { step(ctx).await.map(Outcome::from_count) })
    }
}
