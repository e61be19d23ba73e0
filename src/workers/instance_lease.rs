//! Keeps this process's lease on a shared database (`store::instance_lease`): taken at start,
//! renewed every ten seconds, lapsing thirty seconds after the process dies, given up at a
//! clean stop.

use crate::jobs::{Job, Outcome, Step};
use crate::services::Ctx;
use crate::store::Store;
use crate::store::instance_lease::Lease;
use std::path::Path;
use std::time::Duration;
use time::OffsetDateTime;

/// How long a lease lives without renewal.
const TTL: time::Duration = time::Duration::seconds(30);

pub struct LeaseKeeper {
    pub holder: String,
    pub place: String,
}

impl LeaseKeeper {
    /// Takes the lease for this process, serving `data_dir` on this host; the live lease of
    /// another place when one holds the database.
    pub fn take(
        store: &Store,
        data_dir: &Path,
        now: OffsetDateTime,
    ) -> anyhow::Result<Result<Self, Lease>> {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "localhost".into());
        let folder = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
        let keeper = Self {
            holder: hex::encode(rand::random::<[u8; 8]>()),
            place: format!("{host}:{}", folder.display()),
        };
        Ok(store
            .leases()
            .claim(&keeper.holder, &keeper.place, now, now + TTL)?
            .map(|()| keeper))
    }
}

impl Job for LeaseKeeper {
    fn name(&self) -> &'static str {
        "instance_lease"
    }

    fn idle_pause(&self) -> Duration {
        Duration::from_secs(10)
    }

    fn first_delay(&self) -> Duration {
        Duration::from_secs(10)
    }

    fn step<'a>(&'a self, ctx: &'a Ctx, now: OffsetDateTime) -> Step<'a> {
        Box::pin(async move {
            let (store, holder, place) =
                (ctx.store.clone(), self.holder.clone(), self.place.clone());
            let claimed = tokio::task::spawn_blocking(move || {
                store.leases().claim(&holder, &place, now, now + TTL)
            })
            .await??;
            if let Err(other) = claimed {
                // Only after this process stopped renewing for longer than the lease: it may
                // have been paused. Say so loudly; the operator decides which one runs.
                tracing::error!(
                    other = %other.place,
                    "another Plaudit instance took this database while this one was not renewing its lease; run one instance per database"
                );
            }
            Ok(Outcome::Idle)
        })
    }
}
