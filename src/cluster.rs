//! Several instances on one database: who this process is, and holding a lease
//! (`store::leases`) while a piece of work runs, so that it runs on one instance at a time.
//!
//! A lease lives `storage.lease_secs` past its last renewal; the work renews it every third of
//! that while it runs. Leases compare the instances' own clocks: keep them synchronised (NTP),
//! as any lease-based scheme needs; the skew tolerated is well under the lease's life.

use crate::clock::SharedClock;
use crate::store::Store;
use crate::store::leases::Lease;
use anyhow::Context;
use std::future::Future;
use std::path::Path;
use time::OffsetDateTime;

/// This process among the instances sharing a database.
pub struct Cluster {
    /// This process's own random name.
    pub holder: String,
    /// Host and data folder.
    pub place: String,
    pub ttl: time::Duration,
    /// The leases this process holds, with the moment each lasts until as it wrote it: a
    /// lease with more than two thirds of its life left is not written again (a job that
    /// steps a thousand times a minute would otherwise write its lease as often, and every
    /// such write is a transaction that others' may have to retry).
    held: std::sync::Mutex<std::collections::HashMap<String, OffsetDateTime>>,
    /// The data folder's lock, held while the process lives: one process per place, so a
    /// lease of this place whose holder is another process belongs to a dead one.
    _lock: std::fs::File,
}

/// The lock file that keeps one serving process per data folder on a shared database (sled
/// holds its own folder's lock).
const LOCK_FILE: &str = "serve.lock";

impl Cluster {
    /// Joins the instances sharing the database as the one serving `data_dir` on this host;
    /// `Ok(None)` when another process already serves that folder.
    pub fn join(data_dir: &Path, ttl_secs: u64) -> anyhow::Result<Option<Self>> {
        let path = data_dir.join(LOCK_FILE);
        // 0600 as every file in the data folder; empty, so truncating it costs nothing.
        let file = crate::store::private::create_file(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("locking {}", path.display()));
            }
        }
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "localhost".into());
        let folder = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
        Ok(Some(Self {
            holder: hex::encode(rand::random::<[u8; 8]>()),
            place: format!("{host}:{}", folder.display()),
            ttl: time::Duration::seconds(i64::try_from(ttl_secs).unwrap_or(30).max(1)),
            held: Default::default(),
            _lock: file,
        }))
    }

    fn held(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, OffsetDateTime>> {
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn claim(
        &self,
        store: &Store,
        name: &str,
        now: OffsetDateTime,
    ) -> anyhow::Result<Result<(), Lease>> {
        if self
            .held()
            .get(name)
            .is_some_and(|until| *until - now > self.ttl * 2 / 3)
        {
            return Ok(Ok(()));
        }
        let claimed = self.write_claim(store, name, now).await;
        let mut held = self.held();
        match &claimed {
            Ok(Ok(())) => {
                held.insert(name.to_string(), now + self.ttl);
            }
            _ => {
                held.remove(name);
            }
        }
        claimed
    }

    async fn write_claim(
        &self,
        store: &Store,
        name: &str,
        now: OffsetDateTime,
    ) -> anyhow::Result<Result<(), Lease>> {
        let (store, name, holder, place, until) = (
            store.clone(),
            name.to_string(),
            self.holder.clone(),
            self.place.clone(),
            now + self.ttl,
        );
        tokio::task::spawn_blocking(move || {
            store.leases().claim(&name, &holder, &place, now, until)
        })
        .await?
    }

    /// Runs `work` holding lease `name`, renewed while it runs; `Ok(Err(lease))` without
    /// running it when another instance holds the lease. Work whose lease another instance
    /// took meanwhile (this process stalled past the lease's life) is stopped with an error:
    /// every step is safe to stop and run again.
    pub async fn hold<T>(
        &self,
        store: &Store,
        clock: &SharedClock,
        name: &str,
        work: impl Future<Output = anyhow::Result<T>>,
    ) -> anyhow::Result<Result<T, Lease>> {
        if let Err(other) = self.claim(store, name, clock.now()).await? {
            return Ok(Err(other));
        }
        let every = std::time::Duration::try_from(self.ttl / 3)
            .unwrap_or(std::time::Duration::from_secs(1))
            .max(std::time::Duration::from_millis(200));
        let renew = async {
            loop {
                tokio::time::sleep(every).await;
                match self.claim(store, name, clock.now()).await {
                    Ok(Ok(())) => {}
                    Ok(Err(other)) => {
                        return anyhow::anyhow!(
                            "lost the lease {name} to the instance at {} (this one stalled for longer than storage.lease_secs)",
                            other.place
                        );
                    }
                    // The database is away: the work's own calls fail the same way, and the
                    // lease is renewed again when it is back.
                    Err(e) => {
                        tracing::warn!(lease = name, error = %format!("{e:#}"), "could not renew a lease");
                    }
                }
            }
        };
        tokio::select! {
            done = work => done.map(Ok),
            lost = renew => Err(lost),
        }
    }

    /// Gives lease `name` up (the work is done: any instance may take the next piece).
    pub async fn release(&self, store: &Store, name: &str) -> anyhow::Result<()> {
        self.held().remove(name);
        let (store, name, holder) = (store.clone(), name.to_string(), self.holder.clone());
        tokio::task::spawn_blocking(move || store.leases().release(&name, &holder)).await?
    }
}
