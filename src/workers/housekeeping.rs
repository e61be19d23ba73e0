//! Housekeeping (one instance at a time): purges request logs older
//! than `logs.retention_days`, deleted workspaces (in chunks) and expired sessions, links and
//! sign-in states, and (hourly) whatever `[retention]` says was kept long enough; seals what a
//! store from before sealing holds in plain. One `step`, run every minute.

use crate::clock::SharedClock;
use crate::jobs::{Job, Outcome, Step};
use crate::services::Ctx;
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

pub struct Housekeeping {
    store: Store,
    clock: SharedClock,
    retention: time::Duration,
    max_requests: u64,
    kept: crate::config::RetentionConfig,
    /// When `[retention]` last ran: it scans whole trees, so once an hour is enough.
    kept_at: std::sync::Mutex<Option<time::OffsetDateTime>>,
}

impl Housekeeping {
    pub fn new(store: Store, clock: SharedClock, retention_days: u64, max_requests: u64) -> Self {
        Self {
            max_requests,
            store,
            clock,
            retention: time::Duration::days(i64::try_from(retention_days).unwrap_or(30)),
            kept: crate::config::RetentionConfig::default(),
            kept_at: std::sync::Mutex::new(None),
        }
    }

    /// The periods of `[retention]` (defaults otherwise).
    pub fn with_retention(mut self, kept: crate::config::RetentionConfig) -> Self {
        self.kept = kept;
        self
    }

    /// `[retention]`, at most once an hour.
    fn retention(&self) -> anyhow::Result<()> {
        let now = self.clock.now();
        {
            let mut last = self.kept_at.lock().unwrap_or_else(|p| p.into_inner());
            if last.is_some_and(|t| now - t < time::Duration::hours(1)) {
                return Ok(());
            }
            *last = Some(now);
        }
        let p = super::retention::step(&self.store, &self.kept, now)?;
        if p != super::retention::Purged::default() {
            tracing::info!(
                audit = p.audit,
                feedback = p.feedback,
                contacts = p.contacts,
                outbox = p.outbox,
                removed_items = p.removed_items,
                "records past their retention removed"
            );
        }
        Ok(())
    }

    /// Returns how many logged requests were purged.
    pub fn step(&self) -> anyhow::Result<usize> {
        let purged = self
            .store
            .traffic()
            .purge_before(self.clock.now() - self.retention)?;
        if purged > 0 {
            tracing::info!(purged, "request log entries past retention removed");
        }
        let trimmed = self.store.traffic().trim_to(self.max_requests)?;
        if trimmed > 0 {
            tracing::info!(
                trimmed,
                "oldest request log entries removed (logs.max_requests)"
            );
        }
        purge_deleted_workspaces(&self.store, PURGE_CHUNKS_PER_STEP, self.clock.now())?;
        self.retention()?;
        let expired = self.store.access().purge_expired(self.clock.now())?;
        if expired > 0 {
            tracing::info!(
                expired,
                "expired sessions, links and sign-in states removed"
            );
        }
        // A store from before sealing: its plain records, a chunk a minute until none are left.
        let resealed = self.store.seal_plain_records(SEAL_PER_STEP)?;
        if resealed.sealed > 0 {
            tracing::info!(
                sealed = resealed.sealed,
                done = resealed.done,
                "records written before sealing existed are now sealed"
            );
        }
        if resealed.placed > 0 {
            tracing::info!(
                items = resealed.placed,
                done = resealed.done,
                "items stored again with their placement apart (smaller)"
            );
        }
        Ok(purged)
    }
}

/// Housekeeping as a job of the runner: a pass a minute, at once again while it purges.
pub struct HousekeepingJob(pub Arc<Housekeeping>);

impl Job for HousekeepingJob {
    fn name(&self) -> &'static str {
        "housekeeping"
    }

    fn idle_pause(&self) -> Duration {
        Duration::from_secs(60)
    }

    fn step<'a>(&'a self, _: &'a Ctx, _: OffsetDateTime) -> Step<'a> {
        let me = self.0.clone();
        Box::pin(async move {
            let purged = tokio::task::spawn_blocking(move || me.step()).await??;
            Ok(Outcome::from_count(purged))
        })
    }
}

/// Records one housekeeping step reads at most looking for plain ones to seal.
const SEAL_PER_STEP: usize = 20_000;

/// Chunks of `PURGE_CHUNK` records one housekeeping step removes at most (the rest waits for
/// the next step, so a huge workspace never holds the store for long).
const PURGE_CHUNKS_PER_STEP: usize = 200;
const PURGE_CHUNK: usize = 1000;

/// Purges deleted workspaces, at most `chunks` chunks; returns how many records went. Each chunk
/// is its own write, so a kill in the middle resumes from what is left.
pub fn purge_deleted_workspaces(
    store: &Store,
    chunks: usize,
    now: time::OffsetDateTime,
) -> anyhow::Result<usize> {
    let mut removed = 0;
    let mut budget = chunks;
    for ws in store.purge().pending(now)? {
        while budget > 0 {
            budget -= 1;
            match store.purge().step(&ws, PURGE_CHUNK)? {
                crate::store::PurgeStep::Removed(n) => removed += n,
                crate::store::PurgeStep::Done => {
                    tracing::info!(workspace = %ws, "deleted workspace purged");
                    break;
                }
            }
        }
    }
    Ok(removed)
}
