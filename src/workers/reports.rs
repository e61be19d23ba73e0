//! Sends client reports when their plans are due (see `services::report_delivery`).

use crate::jobs::{Job, Outcome, Step};
use crate::services::{Ctx, report_delivery};
use std::time::Duration;
use time::OffsetDateTime;

pub struct ReportSender;

impl Job for ReportSender {
    fn name(&self) -> &'static str {
        "reports"
    }

    fn idle_pause(&self) -> Duration {
        Duration::from_secs(30)
    }

    fn step<'a>(&'a self, ctx: &'a Ctx, _: OffsetDateTime) -> Step<'a> {
        Box::pin(async move {
            let c = ctx.clone();
            let queued =
                tokio::task::spawn_blocking(move || report_delivery::deliver_due(&c)).await??;
            Ok(Outcome::from_count(queued))
        })
    }
}
