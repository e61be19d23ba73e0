//! The retention step: each kind of record past its period in `[retention]` is removed, a
//! bounded number per run; what is left waits for the next run.

use crate::config::RetentionConfig;
use crate::store::Store;
use serde::Serialize;
use time::{Duration, OffsetDateTime};

/// Records one run removes at most, per kind.
pub const PER_RUN: usize = 10_000;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Purged {
    pub audit: usize,
    pub feedback: usize,
    pub contacts: usize,
    pub outbox: usize,
    pub removed_items: usize,
}

fn cutoff(now: OffsetDateTime, days: u64) -> Option<OffsetDateTime> {
    (days > 0).then(|| now - Duration::days(i64::try_from(days).unwrap_or(i64::MAX / 86_400)))
}

pub fn step(
    store: &Store,
    config: &RetentionConfig,
    now: OffsetDateTime,
) -> anyhow::Result<Purged> {
    let r = store.retention();
    let mut p = Purged::default();
    if let Some(c) = cutoff(now, config.audit_days) {
        p.audit = r.audit_before(c, PER_RUN)?;
    }
    if let Some(c) = cutoff(now, config.feedback_days) {
        p.feedback = r.feedback_before(c, PER_RUN)?;
    }
    if let Some(c) = cutoff(now, config.unasked_contacts_days) {
        p.contacts = r.unasked_contacts_before(c, PER_RUN)?;
    }
    if let Some(c) = cutoff(now, config.outbox_days) {
        p.outbox = r.outbox_before(c, PER_RUN)?;
    }
    if let Some(c) = cutoff(now, config.removed_items_days) {
        p.removed_items = r.removed_items_before(c, PER_RUN)?;
    }
    Ok(p)
}
