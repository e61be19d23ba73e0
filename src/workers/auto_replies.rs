//! Sends the replies auto-response rules queued once they are due (see `services::auto_replies`).

use crate::jobs::{Job, Outcome, Step};
use crate::services::{Ctx, auto_replies};
use std::time::Duration;
use time::OffsetDateTime;

pub struct AutoReplier;

impl Job for AutoReplier {
    fn name(&self) -> &'static str {
        "auto_replies"
    }

    fn idle_pause(&self) -> Duration {
        Duration::from_secs(15)
    }

    fn step<'a>(&'a self, ctx: &'a Ctx, _: OffsetDateTime) -> Step<'a> {
        Box::pin(async move {
            let c = ctx.clone();
            let sent = tokio::task::spawn_blocking(move || auto_replies::send_due(&c)).await??;
            Ok(Outcome::from_count(sent))
        })
    }
}
