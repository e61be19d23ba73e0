//! The store handle: every tree declared once, opening the folder (lock, schema, migrations,
//! derived trees), flushing and closing. The way into each part is `parts`.
use crate::store::kv;

use super::trees::Trees;
use super::{durability, meta, migrations, private, reseal, snapshot, swap};
use anyhow::Context;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// Whether sled refused to open a database because another handle holds its lock. sled wraps
/// the flock failure in an io::Error of its own, so its text is matched too.
pub fn is_lock_error(e: &kv::Error) -> bool {
    matches!(e, kv::Error::Io(io) if io.kind() == std::io::ErrorKind::WouldBlock
        || io.raw_os_error() == Some(11)
        || io.to_string().contains("could not acquire lock"))
}

/// Closes `db` (sled folder `folder`) and returns once sled has let go of the folder's lock.
/// sled releases it only when its background threads are done with the database, so the same
/// process opening the folder right after a plain drop can find it still held (seen under load).
pub fn close(db: kv::Db, folder: &Path) -> anyhow::Result<()> {
    let sled = db.sled().is_some();
    drop(db);
    if !sled {
        // A database server's connections close with the last handle: no folder to wait for.
        return Ok(());
    }
    let file = std::fs::File::open(folder.join("db"))
        .with_context(|| format!("opening {} to see it released", folder.display()))?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        // Both std and sled (fs2) take flock locks, which conflict across file descriptions
        // even within one process; dropping `file` releases ours at once.
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                anyhow::bail!("{} was not released within a minute", folder.display())
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("locking {}", folder.display()));
            }
        }
    }
}

/// The schema this binary writes. See `migrations` for the history.
pub const SCHEMA_VERSION: u32 = 6;

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(
        "the data folder {0} is in use by another Plaudit process; stop it first, or run admin commands while it runs (they use its control socket)"
    )]
    Locked(PathBuf),
    #[error(
        "the data folder {path} was written by a newer Plaudit (schema {found}; this binary knows up to {known}); run the newer binary or restore a backup"
    )]
    NewerSchema {
        path: PathBuf,
        found: u32,
        known: u32,
    },
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// The open store: its trees (declared once, in `trees`), flushing and the indexer's turn.
/// Cloning is cheap (sled handles are reference counted).
#[derive(Clone)]
pub struct Store {
    pub(super) db: kv::Db,
    pub(super) dir: PathBuf,
    pub(super) flusher: std::sync::Arc<durability::Flusher>,
    /// One indexer step at a time: the background worker and a search catching up.
    pub(super) indexing: std::sync::Arc<std::sync::Mutex<()>>,
    /// Every declared tree (`trees`); the store dereferences to them.
    pub(super) trees: Trees,
    /// The key of the email lookup hash (see `contacts`), derived on first use.
    pub(super) lookup: std::sync::Arc<std::sync::OnceLock<[u8; 32]>>,
}

impl std::ops::Deref for Store {
    type Target = Trees;

    fn deref(&self) -> &Trees {
        &self.trees
    }
}

/// Which engine a store opens on.
#[derive(Clone, Debug)]
pub enum Engine {
    /// The sled folder `data_dir/db`, with a page cache of this many MiB.
    Sled { cache_mb: u64 },
    /// A PostgreSQL-wire database (`kv::pg`); `data_dir` still holds backups and the control
    /// socket.
    Postgres {
        target: kv::pg::target::Target,
        max_connections: usize,
    },
}

impl Engine {
    /// The engine `storage` names (its URL checked when the configuration was loaded).
    pub fn from_config(storage: &crate::config::StorageConfig) -> anyhow::Result<Self> {
        Ok(match storage.backend {
            crate::config::Backend::Sled => Engine::Sled {
                cache_mb: storage.cache_mb,
            },
            crate::config::Backend::Postgres => Engine::Postgres {
                target: kv::pg::target::from_config(storage)
                    .map_err(|(key, e)| anyhow::anyhow!("{key}: {e}"))?,
                max_connections: storage.postgres_max_connections as usize,
            },
        })
    }
}

impl Store {
    /// Opens (creating if needed) the sled store under `data_dir/db`, migrating older layouts
    /// after taking a snapshot into `data_dir/backups`.
    pub fn open(data_dir: &Path, cache_mb: u64, now: OffsetDateTime) -> Result<Self, OpenError> {
        Self::open_on(data_dir, &Engine::Sled { cache_mb }, now)
    }

    /// Opens the store on `engine` (see `open`).
    pub fn open_on(
        data_dir: &Path,
        engine: &Engine,
        now: OffsetDateTime,
    ) -> Result<Self, OpenError> {
        // Only the service user may read reviews, contacts and secrets: the folder is 0700
        // even when it existed before (a Docker volume, a bind mount at 0755).
        private::folder(data_dir).context("preparing the data folder")?;
        let db = match engine {
            Engine::Sled { cache_mb } => Self::open_sled(data_dir, *cache_mb)?,
            Engine::Postgres {
                target,
                max_connections,
            } => kv::Db::Pg(
                kv::pg::PgDb::open(target.clone(), *max_connections)
                    .with_context(|| format!("cannot open the store in {target:?}"))?,
            ),
        };
        Self::open_db(db, data_dir, now)
    }

    fn open_sled(data_dir: &Path, cache_mb: u64) -> Result<kv::Db, OpenError> {
        if let Some(aside) = swap::finish(data_dir)? {
            tracing::warn!(old = %aside.display(), "finished putting a restored or compacted store in place after an interruption");
        }
        // A process that just exited (a CLI command run right before this one) may still hold
        // the lock for a moment on a loaded machine: wait briefly before calling it in use.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
        loop {
            let opened = super::engine::config(&data_dir.join("db"))
                .cache_capacity(cache_mb.saturating_mul(1024 * 1024))
                .open()
                .map(kv::Db::from_sled);
            match opened {
                Err(e) if is_lock_error(&e) && std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                other => break other,
            }
        }
        .map_err(|e| match e {
            e if is_lock_error(&e) => OpenError::Locked(data_dir.to_path_buf()),
            other => OpenError::Other(
                anyhow::Error::new(other)
                    .context(format!("cannot open the store in {}", data_dir.display())),
            ),
        })
    }

    fn open_db(db: kv::Db, data_dir: &Path, now: OffsetDateTime) -> Result<Self, OpenError> {
        let found = meta::schema_version(&db)?;
        match found {
            Some(v) if v > SCHEMA_VERSION => {
                return Err(OpenError::NewerSchema {
                    path: data_dir.to_path_buf(),
                    found: v,
                    known: SCHEMA_VERSION,
                });
            }
            Some(v) if v < SCHEMA_VERSION => {
                let backup = migrations::backup_dir(data_dir);
                let file = snapshot::write(&db, &backup, &format!("pre-migration-v{v}"), now)?;
                tracing::warn!(from = v, to = SCHEMA_VERSION, backup = %file.display(), "migrating the store");
                migrations::run(&db, v)?;
            }
            Some(_) => {}
            None => {
                meta::set_schema_version(&db, SCHEMA_VERSION)?;
                reseal::nothing_to_seal(&db)?;
            }
        }
        let store = Self::with_trees(db, data_dir)?;
        let tightened = private::tighten_tree(data_dir).context("restricting the data folder")?;
        // sled creates its own files with the umask's mode: routine. Anything else loose was
        // put there or copied in by someone: worth a warning.
        let (routine, found): (Vec<_>, Vec<_>) = tightened
            .iter()
            .partition(|p| private::made_by_the_store(data_dir, p));
        if !found.is_empty() {
            tracing::warn!(
                tightened = found.len(),
                first = %found[0].display(),
                "files and folders in the data folder were readable by other users; now 0600/0700"
            );
        }
        if !routine.is_empty() {
            tracing::debug!(files = routine.len(), "the store's own files made private");
        }
        store.meta().ensure_instance_secret()?;
        store.items().rebuild_derived()?;
        store.mark_workspaces_with_stones()?;
        store.campaigns().rebuild_active()?;
        store.db.flush().context("flushing the store after open")?;
        Ok(store)
    }

    fn with_trees(db: kv::Db, dir: &Path) -> anyhow::Result<Self> {
        Ok(Self {
            trees: Trees::open(&db)?,
            lookup: Default::default(),
            dir: dir.to_path_buf(),
            flusher: std::sync::Arc::new(durability::Flusher::start(db.clone())?),
            indexing: std::sync::Arc::new(std::sync::Mutex::new(())),
            db,
        })
    }

    pub fn data_dir(&self) -> &Path {
        &self.dir
    }

    /// Makes everything written so far durable. Call before acknowledging anything that matters.
    /// Concurrent callers share one flush (see `durability` for why not sled's `flush_async`).
    pub async fn flush(&self) -> anyhow::Result<()> {
        self.flusher.flush().await
    }

    /// Closes the store and returns once its folder is free for another open, in this process
    /// or another (`close`). Every clone of this store must be gone, or this waits in vain.
    pub fn close(self) -> anyhow::Result<()> {
        let (db, folder) = (self.db.clone(), self.dir.join("db"));
        drop(self);
        close(db, &folder)
    }

    /// `flush` from a blocking thread (`spawn_blocking`): through the group commit when a
    /// runtime is there, else `flush_blocking`.
    pub fn flush_from_blocking(&self) -> anyhow::Result<()> {
        match tokio::runtime::Handle::try_current() {
            Ok(h) => h.block_on(self.flush()),
            Err(_) => self.flush_blocking(),
        }
    }

    /// Blocking flush for the CLI paths that run without a runtime.
    pub fn flush_blocking(&self) -> anyhow::Result<()> {
        self.db.flush().context("flushing the store")?;
        Ok(())
    }

    /// Whether the records are on a database server (which other processes could reach too).
    pub fn on_a_server(&self) -> bool {
        self.db.sled().is_none()
    }

    /// A cheap read that proves the store answers (for /readyz).
    pub fn ping(&self) -> bool {
        self.meta.get(meta::SCHEMA_KEY).is_ok()
    }

    /// Whether a read returned at all (the watchdog's probe): a database server that cannot be
    /// reached answers with its refusal, so the process is not stuck, and restarting it would
    /// not bring the server back.
    pub fn answers(&self) -> bool {
        match self.meta.get(meta::SCHEMA_KEY) {
            Ok(_) => true,
            Err(e) => kv::engine_unavailable(&e),
        }
    }

    /// Writes every tree to `out` in snapshot format (see `snapshot`).
    pub fn export_to(
        &self,
        out: &mut impl std::io::Write,
        keys: snapshot::Keys,
        progress: impl FnMut(u64),
    ) -> anyhow::Result<()> {
        snapshot::write_to(&self.db, out, keys, progress)
    }

    /// Entries and checksum of every non-empty tree, as a backup's are computed.
    pub fn tree_sums(&self) -> anyhow::Result<Vec<snapshot::TreeSum>> {
        snapshot::sums_of(&self.db)
    }

    /// Entries in every tree (a copy's total, for its progress bar: walks sled's trees).
    pub fn entry_count(&self) -> u64 {
        self.db
            .tree_names()
            .iter()
            .filter_map(|name| self.db.open_tree(name).ok())
            .map(|t| t.len() as u64)
            .sum()
    }

    /// Round trips made to the database server so far (0 on sled).
    pub fn round_trips(&self) -> u64 {
        self.db.round_trips()
    }

    pub fn size_on_disk(&self) -> u64 {
        self.db.size_on_disk().unwrap_or(0)
    }

    pub fn schema_version(&self) -> anyhow::Result<Option<u32>> {
        meta::schema_version(&self.db)
    }
}
