//! The in-process poller: finds connections that are due and syncs a few at a time, as the
//! job `Syncs` of `jobs::Runner`. `sync_connection` is the single testable step.

mod sync;
mod sync_facebook;

use crate::config::PollerConfig;
use crate::domain::{Connection, ConnectionStatus, Id, Workspace};
use crate::gateway::Gateway;
use crate::gateway::keyring::Keyring;
use crate::jobs::{Job, Outcome, Step};
use crate::services::Ctx;
use crate::sources::{Provider, ProviderError};
use crate::store::PageRequest;
use rand::Rng;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;
use tokio::sync::Semaphore;

pub struct Poller {
    pub gateway: Arc<Gateway>,
    config: PollerConfig,
    running: Mutex<HashSet<[u8; 32]>>,
    slots: Arc<Semaphore>,
}

/// What one sync did, for the caller and the tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncReport {
    pub fetched: u64,
    pub error: Option<String>,
    pub status: Option<ConnectionStatus>,
}

/// Plain words for the sync status, with the hint a brand-new Google Cloud project needs.
fn explain(provider: Provider, e: &ProviderError, never_succeeded: bool) -> String {
    let label = provider.label();
    match e {
        ProviderError::Forbidden(_)
        | ProviderError::Transient {
            rate_limited: true, ..
        } if provider == Provider::Google && never_succeeded => {
            format!(
                "Google refused the first calls ({e}). A new Google Cloud project has a Business Profile API quota of 0 until Google approves access: request access in the Google Cloud console (Business Profile APIs), then press Sync now."
            )
        }
        ProviderError::Transient { .. } => {
            format!("{label} is busy or unreachable ({e}); trying again later")
        }
        _ => format!("{label}: {e}"),
    }
}

impl Poller {
    pub fn new(gateway: Arc<Gateway>) -> Arc<Self> {
        let config = gateway.ctx.config.poller.clone();
        Arc::new(Self {
            slots: Arc::new(Semaphore::new(config.concurrency)),
            running: Mutex::new(HashSet::new()),
            config,
            gateway,
        })
    }

    fn next_run(&self, failures: u32) -> time::OffsetDateTime {
        let base = self.config.interval_secs;
        let secs = if failures == 0 {
            base + rand::rng().random_range(0..=base / 10)
        } else {
            // Back off after failures: 1, 2, 4 ... minutes, never beyond the interval.
            (60u64 << failures.min(10)).min(base) + rand::rng().random_range(0..=30)
        };
        self.gateway.ctx.clock.now() + time::Duration::seconds(i64::try_from(secs).unwrap_or(900))
    }

    /// Syncs one connection now: every feed, then the connection's status and schedule.
    pub async fn sync_connection(
        &self,
        ws: Id<Workspace>,
        id: Id<Connection>,
    ) -> anyhow::Result<SyncReport> {
        let Some(conn) = self
            .gateway
            .store(move |s| {
                s.connections().update(&ws, &id, |c| {
                    c.sync.requested = false;
                })
            })
            .await?
        else {
            return Ok(SyncReport::default());
        };
        if conn.status != ConnectionStatus::Active {
            return Ok(SyncReport {
                status: Some(conn.status),
                ..SyncReport::default()
            });
        }
        let ticket = conn.sync.tickets;
        let now = self.gateway.ctx.clock.now();
        let never_succeeded = conn.sync.last_success_at.is_none();
        let provider = conn.provider;
        let mut report = SyncReport::default();
        let mut feeds_after = Vec::new();
        let mut fatal: Option<ProviderError> = None;
        match Keyring::open(&self.gateway, conn.clone()) {
            Err(e) => fatal = Some(e),
            Ok(mut keys) => {
                for feed in &conn.feeds {
                    let full = feed.last_full_at.is_none_or(|t| {
                        now - t
                            >= time::Duration::seconds(
                                i64::try_from(self.config.full_sync_secs).unwrap_or(21_600),
                            )
                    });
                    let result = match provider {
                        Provider::Google => self.sync_google_feed(&mut keys, feed, full).await,
                        Provider::Facebook => self.sync_facebook_page(&mut keys, feed, full).await,
                    };
                    match result {
                        Ok(o) => {
                            report.fetched += o.fetched;
                            feeds_after.push((feed.external_id.clone(), Ok(o)));
                        }
                        Err(e @ (ProviderError::Revoked(_) | ProviderError::Forbidden(_))) if !matches!(e, ProviderError::Forbidden(ref m) if m.contains("this page")) =>
                        {
                            fatal = Some(e);
                            break;
                        }
                        Err(e) => {
                            tracing::warn!(connection = %id, feed = %feed.external_id, error = %e, "feed sync failed");
                            let stop = matches!(
                                e,
                                ProviderError::Transient {
                                    rate_limited: true,
                                    ..
                                }
                            );
                            feeds_after.push((feed.external_id.clone(), Err(e)));
                            if stop {
                                break;
                            }
                        }
                    }
                }
            }
        }
        let first_feed_error = feeds_after
            .iter()
            .find_map(|(_, r)| r.as_ref().err().cloned());
        let status_error = fatal
            .as_ref()
            .or(first_feed_error.as_ref())
            .map(|e| explain(provider, e, never_succeeded));
        let new_status = match &fatal {
            Some(ProviderError::Revoked(_)) => ConnectionStatus::NeedsReconnect,
            Some(_) => ConnectionStatus::Broken,
            None => ConnectionStatus::Active,
        };
        let failed = fatal.is_some() || (first_feed_error.is_some() && report.fetched == 0);
        let failures = if failed { conn.sync.failures + 1 } else { 0 };
        let next = self.next_run(failures);
        let fetched = report.fetched;
        let err_for_store = status_error.clone();
        let feeds_after = Arc::new(feeds_after);
        self.gateway
            .store(move |s| {
                s.connections().update(&ws, &id, |c| {
                    for (ext, r) in feeds_after.iter() {
                        let Some(f) = c.feeds.iter_mut().find(|f| &f.external_id == ext) else {
                            continue;
                        };
                        match r {
                            Ok(o) => {
                                for (k, v) in &o.high_water {
                                    f.high_water.insert(k.clone(), *v);
                                }
                                if o.full_done {
                                    f.last_full_at = Some(now);
                                }
                                f.ratings_off |= o.ratings_off;
                                f.error = o.notice.clone();
                            }
                            Err(e) => f.error = Some(e.to_string()),
                        }
                    }
                    if c.status == ConnectionStatus::Active {
                        c.status = new_status;
                    }
                    c.sync.last_attempt_at = Some(now);
                    c.sync.last_error = err_for_store.clone();
                    c.sync.items_fetched = fetched;
                    c.sync.failures = failures;
                    c.sync.next_run_at = Some(next);
                    c.sync.runs += 1;
                    c.sync.served = c.sync.served.max(ticket);
                    if !failed {
                        c.sync.last_success_at = Some(now);
                    }
                })
            })
            .await?;
        self.gateway.ctx.store.flush().await?;
        if let Some(e) = &status_error {
            tracing::warn!(connection = %id, error = %e, "sync finished with a problem");
        }
        report.error = status_error;
        report.status = Some(new_status);
        Ok(report)
    }

    /// Syncs one due connection; among several instances sharing a database, under the
    /// connection's lease, and only when it is still due once held (another instance may have
    /// just synced it). `None` when it was not this instance's to sync.
    async fn sync_held(
        self: &Arc<Self>,
        ws: Id<Workspace>,
        id: Id<Connection>,
    ) -> anyhow::Result<Option<SyncReport>> {
        let ctx = &self.gateway.ctx;
        let Some(cluster) = &ctx.cluster else {
            return self.sync_connection(ws, id).await.map(Some);
        };
        let lease = format!("sync:{id}");
        let work = async {
            let now = ctx.clock.now();
            let current = self
                .gateway
                .store(move |s| s.connections().get(&ws, &id))
                .await?;
            if !current.is_some_and(|c| c.due(now)) {
                return Ok(None);
            }
            self.sync_connection(ws, id).await.map(Some)
        };
        let held = cluster.hold(&ctx.store, &ctx.clock, &lease, work).await?;
        if let Err(e) = cluster.release(&ctx.store, &lease).await {
            tracing::warn!(connection = %id, error = %format!("{e:#}"), "could not give up a sync's lease (it lapses by itself)");
        }
        Ok(held.unwrap_or(None))
    }

    /// Runs the syncs that are due (up to the free slots, side by side) and waits for them;
    /// returns how many finished without an error (a failed one is not due again at once, but
    /// is not counted: the job then pauses instead of stepping again).
    pub async fn tick(self: &Arc<Self>) -> anyhow::Result<usize> {
        let mut ok = 0;
        for sync in self.start_due().await? {
            if sync.await.unwrap_or(false) {
                ok += 1;
            }
        }
        Ok(ok)
    }

    /// Starts the syncs that are due (up to the free slots); each says whether it succeeded.
    async fn start_due(self: &Arc<Self>) -> anyhow::Result<Vec<tokio::task::JoinHandle<bool>>> {
        let now = self.gateway.ctx.clock.now();
        let mut started = Vec::new();
        let mut req = PageRequest::first(500);
        loop {
            let r = req.clone();
            let page = self.gateway.store(move |s| s.connections().all(&r)).await?;
            for c in page.items.iter().filter(|c| c.due(now)) {
                let mut k = [0u8; 32];
                k[..16].copy_from_slice(c.workspace.as_bytes());
                k[16..].copy_from_slice(c.id.as_bytes());
                let Ok(permit) = self.slots.clone().try_acquire_owned() else {
                    return Ok(started);
                };
                {
                    let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
                    if !running.insert(k) {
                        continue;
                    }
                }
                let me = self.clone();
                let (ws, id) = (c.workspace, c.id);
                started.push(tokio::spawn(async move {
                    let synced = me.sync_held(ws, id).await;
                    if let Err(e) = &synced {
                        tracing::error!(connection = %id, error = %format!("{e:#}"), "sync failed");
                    }
                    me.running
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .remove(&k);
                    drop(permit);
                    synced.is_ok_and(|r| r.is_some_and(|r| r.error.is_none()))
                }));
            }
            match page.next {
                Some(n) => req.cursor = Some(n),
                None => return Ok(started),
            }
        }
    }
}

/// The job that syncs the connections that are due.
pub struct Syncs(pub Arc<Poller>);

impl Job for Syncs {
    fn name(&self) -> &'static str {
        "syncs"
    }
    fn idle_pause(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.0.config.tick_ms)
    }
    /// Every instance syncs: each connection under its own lease (`Poller::start_due`).
    fn single_runner(&self) -> bool {
        false
    }
    fn step<'a>(&'a self, _: &'a Ctx, _: OffsetDateTime) -> Step<'a> {
        Box::pin(async move { self.0.tick().await.map(Outcome::from_count) })
    }
}
