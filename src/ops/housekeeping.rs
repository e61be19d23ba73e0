//! Housekeeping: drops idle rate-limiter keys and expired bans, and purges request logs older
//! than `logs.retention_days`. One `step`, run every minute.

use crate::clock::SharedClock;
use crate::edge::Edge;
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

pub struct Housekeeping {
    store: Store,
    edge: Arc<Edge>,
    clock: SharedClock,
    retention: time::Duration,
}

impl Housekeeping {
    pub fn new(store: Store, edge: Arc<Edge>, clock: SharedClock, retention_days: u64) -> Self {
        Self {
            store,
            edge,
            clock,
            retention: time::Duration::days(i64::try_from(retention_days).unwrap_or(30)),
        }
    }

    /// Returns how many logged requests were purged.
    pub fn step(&self) -> anyhow::Result<usize> {
        self.edge.forget_idle();
        let purged = self
            .store
            .traffic()
            .purge_before(self.clock.now() - self.retention)?;
        if purged > 0 {
            tracing::info!(purged, "request log entries past retention removed");
        }
        Ok(purged)
    }

    pub async fn run_until_stopped(self, mut shutdown: watch::Receiver<bool>) {
        let me = Arc::new(self);
        while !*shutdown.borrow() {
            let worker = me.clone();
            if let Ok(Err(e)) = tokio::task::spawn_blocking(move || worker.step()).await {
                tracing::error!(error = %format!("{e:#}"), "housekeeping failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(60)) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}
