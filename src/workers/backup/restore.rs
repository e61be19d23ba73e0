//! Restoring a backup into a data folder, and compaction (a backup and its restore inside the
//! data folder): verified whole, imported beside `db/`, swapped in, the erasure journal replayed.
use crate::store::kv;

use super::{Summary, read, write_as};
use crate::store::{Store, snapshot, swap};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// Where a restore finds the instance secret a backup made without encryption needs.
#[derive(Debug, Clone, Default)]
pub struct Secret(pub Option<Vec<u8>>);

/// Completes the keys of a restored store: nothing for a backup that carried them (encrypted,
/// or a compaction's); else the instance secret added, after the wrapped keys are opened —
/// already done on their way in when `opened` (`snapshot::import_into`).
fn open_keys(staging: &kv::Db, secret: Option<&[u8]>, opened: bool) -> anyhow::Result<()> {
    use crate::store::secrets as meta;
    if meta::instance_secret_of(staging)?.is_some() {
        return Ok(());
    }
    let secret = secret.context(
        "this backup was made without encryption, so it holds no instance secret: \
         restore it into the data folder it came from, or pass --secret-file with the \
         file `plaudit backup secret` wrote",
    )?;
    if !opened {
        // A stream whose trees came in another order: its keys are opened here.
        let wrap = snapshot::keywrap::wrapping_key(secret);
        for name in ["person_keys", "meta"] {
            let tree = staging.open_tree(name)?;
            let mut batch = kv::Batch::default();
            for entry in tree.iter() {
                let (k, v) = entry?;
                if snapshot::is_key_material(name.as_bytes(), &k) {
                    batch.insert(k.clone(), snapshot::keywrap::unwrap(&wrap, &k, &v)?);
                }
            }
            tree.apply_batch(batch)?;
        }
    }
    meta::set_instance_secret(staging, secret)?;
    staging.flush()?;
    Ok(())
}

/// Bytes of the files under `dir`.
fn size_of(dir: &Path) -> u64 {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .flatten()
            .map(|e| match e.metadata() {
                Ok(m) if m.is_dir() => size_of(&e.path()),
                Ok(m) => m.len(),
                Err(_) => 0,
            })
            .sum()
    })
}

/// The folder a compaction exports into, inside the data folder: `compacting-<time>`.
const COMPACTING: &str = "compacting-";

/// Rewrites the store of `data_dir` (its server stopped) into a fresh folder that holds only
/// what is live: a backup into the data folder, then its restore (verified whole, imported
/// beside, swapped in), then the backup and the old folder removed. sled 0.34 reuses the space
/// of overwritten pages but never returns it, and a store that rewrote its index blocks many
/// times can be ten times its live size. Returns the folder's bytes before and after.
pub fn compact(data_dir: &Path, cache_mb: u64, now: OffsetDateTime) -> anyhow::Result<(u64, u64)> {
    let db_dir = data_dir.join("db");
    let before = size_of(&db_dir);
    // What an interrupted compaction left: its export holds the store's keys as stored.
    for entry in std::fs::read_dir(data_dir)?.flatten() {
        if entry.file_name().to_string_lossy().starts_with(COMPACTING) {
            std::fs::remove_dir_all(entry.path())
                .with_context(|| format!("removing {}", entry.path().display()))?;
        }
    }
    let work = data_dir.join(format!("{COMPACTING}{}", now.unix_timestamp()));
    let result = (|| {
        let file = {
            let store = Store::open(data_dir, cache_mb, now)?;
            // Keys as stored: the export stays inside the data folder that holds them, and
            // the import then has nothing to unwrap (unwrapping rewrote every person key: 90 MB
            // of sled log at 1,000,000 reviews).
            let file = write_as(&store, &work, now, None, snapshot::Keys::Included, |_| {});
            store.close()?;
            file?
        };
        // The instance secret stays in the folder the backup came from: the import reads it.
        let (staging, _) = import(&file, data_dir, None, &Secret::default(), now)?;
        swap::swap_in(data_dir, &staging, swap::Why::Compact, now.unix_timestamp())
    })();
    let _ = std::fs::remove_dir_all(&work);
    result?;
    Ok((before, size_of(&db_dir)))
}

/// Restores a backup into `data_dir`, whose server must be stopped: the whole file is verified
/// first, then imported into a new folder, and only then does that folder replace `db/` (the
/// old one is kept as `db.before-restore-<time>`).
pub fn restore(
    path: &Path,
    data_dir: &Path,
    key: Option<&[u8; 32]>,
    secret: &Secret,
    now: OffsetDateTime,
) -> anyhow::Result<Summary> {
    let (staging, summary) = import(path, data_dir, key, secret, now)?;
    // Until the journal is replayed, the next start replays it (a kill may come first).
    let pending = data_dir.join(REPLAY_PENDING);
    std::fs::write(&pending, b"").context("marking the erasure journal to replay")?;
    let started = std::time::Instant::now();
    swap::swap_in(data_dir, &staging, swap::Why::Restore, now.unix_timestamp())?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "restored store swapped in"
    );
    let started = std::time::Instant::now();
    replay_if_pending(data_dir, now)?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "erasure journal replayed"
    );
    Ok(summary)
}

/// Restores a backup into the database server `pg`, every instance on it stopped: the whole
/// file is verified first, then written beside the store (`kv::pg::PgDb::staging`), and only
/// then put in the store's place at once (the trees it replaces are deleted). The erasure
/// journal is replayed by whoever opens the store next (`replay_marked`): the caller, or a
/// server starting after a kill.
pub fn restore_into_server(
    path: &Path,
    pg: &kv::pg::PgDb,
    key: Option<&[u8; 32]>,
    secret: &Secret,
) -> anyhow::Result<Summary> {
    let current = crate::store::secrets::instance_secret_of(&kv::Db::Pg(pg.clone()))?;
    let secret = secret.0.clone().or(current);
    let wrap = secret.as_deref().map(snapshot::keywrap::wrapping_key);
    let staged = kv::Db::Pg(pg.staging()?);
    let started = std::time::Instant::now();
    let mut opened = false;
    let written = read(path, key, |input| {
        let (summed, keys_opened) = snapshot::import_into_db(&staged, input, wrap)?;
        opened = keys_opened;
        Ok(summed)
    })
    .and_then(|summary| {
        tracing::info!(
            entries = summary.entries,
            seconds = started.elapsed().as_secs_f64(),
            "backup checked and written beside the store"
        );
        open_keys(&staged, secret.as_deref(), opened)?;
        if !summary.point_in_time {
            crate::store::mark_restored(&staged)?;
        }
        crate::store::secrets::mark_replay_pending(&staged)?;
        Ok(summary)
    });
    let summary = match written {
        Ok(s) => s,
        Err(e) => {
            // What was written beside goes; the store was never touched.
            let _ = pg.staging();
            return Err(e);
        }
    };
    let started = std::time::Instant::now();
    pg.promote_staging()?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "restored store put in place"
    );
    Ok(summary)
}

/// Replays the erasure journal of a store restored on a database server, if that is still to
/// do (`restore_into_server`).
pub fn replay_marked(store: &Store, now: OffsetDateTime) -> anyhow::Result<()> {
    if !store.meta().replay_pending()? {
        return Ok(());
    }
    let replayed = crate::services::privacy::replay_journal(store, now)
        .map_err(|e| anyhow::anyhow!("replaying the erasure journal: {e}"))?;
    store.meta().clear_replay_pending()?;
    if replayed > 0 {
        tracing::info!(replayed, "erasures replayed after the restore");
    }
    Ok(())
}

/// The file whose presence says a restore's erasure journal was not replayed yet.
const REPLAY_PENDING: &str = "restore.replay-pending";

/// Replays the erasure journal if a restore has not finished doing it: erasures made after the
/// backup was taken must not come back with it. Harmless when there is nothing pending.
pub fn replay_if_pending(data_dir: &Path, now: OffsetDateTime) -> anyhow::Result<()> {
    let pending = data_dir.join(REPLAY_PENDING);
    if !pending.exists() {
        return Ok(());
    }
    let store = Store::open(data_dir, 16, now)?;
    let replayed = crate::services::privacy::replay_journal(&store, now)
        .map_err(|e| anyhow::anyhow!("replaying the erasure journal: {e}"))?;
    store.flush_blocking()?;
    store.close()?;
    std::fs::remove_file(&pending).context("clearing the replay mark")?;
    if replayed > 0 {
        tracing::info!(replayed, "erasures replayed after the restore");
    }
    Ok(())
}

/// Verifies the backup at `path` whole and imports it into a new folder beside `db/` (left
/// untouched); returns that folder, closed, and what the backup held.
fn import(
    path: &Path,
    data_dir: &Path,
    key: Option<&[u8; 32]>,
    secret: &Secret,
    now: OffsetDateTime,
) -> anyhow::Result<(PathBuf, Summary)> {
    let db_dir = data_dir.join("db");
    let started = std::time::Instant::now();
    let mut current = None;
    if db_dir.exists() {
        // The lock sled takes: a running server holds it.
        match crate::store::engine::config(&db_dir)
            .cache_capacity(snapshot::IMPORT_CACHE)
            .open()
            .map(kv::Db::from_sled)
        {
            Ok(db) => {
                let secret = crate::store::secrets::instance_secret_of(&db);
                crate::store::close(db, &db_dir)?;
                current = secret?;
            }
            Err(e) => bail!(
                "{} is in use (is `plaudit serve` running? stop it first): {e}",
                db_dir.display()
            ),
        }
    }
    crate::store::private::folder(data_dir)?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "the current store is not in use"
    );
    let staging = data_dir.join(format!("db.restoring-{}", now.unix_timestamp()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    // One pass: the whole-file checksum first, then every record into a new folder while the
    // snapshot's own checksum is checked; the live store is untouched until all of it passed.
    let started = std::time::Instant::now();
    // The instance secret wrapped keys open with: the one given, else the replaced store's.
    let secret = secret.0.clone().or(current);
    let wrap = secret.as_deref().map(snapshot::keywrap::wrapping_key);
    let mut opened = false;
    let imported = read(path, key, |input| {
        let (summed, keys_opened) = snapshot::import_into(&staging, input, wrap)?;
        opened = keys_opened;
        Ok(summed)
    })
    .and_then(|s| {
        tracing::info!(
            entries = s.entries,
            seconds = started.elapsed().as_secs_f64(),
            "backup checked and imported"
        );
        let db = crate::store::engine::config(&staging)
            .cache_capacity(snapshot::IMPORT_CACHE)
            .open()
            .map(kv::Db::from_sled)?;
        let started = std::time::Instant::now();
        let done = open_keys(&db, secret.as_deref(), opened).and_then(|()| {
            tracing::info!(
                seconds = started.elapsed().as_secs_f64(),
                "keys of the restored store opened"
            );
            if !s.point_in_time {
                // Each tree was read at its own time: derived records are rebuilt on open.
                crate::store::mark_restored(&db)?;
            }
            Ok(())
        });
        crate::store::close(db, &staging)?;
        done.map(|()| s)
    });
    match imported {
        Ok(s) => Ok((staging, s)),
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            Err(e)
        }
    }
}
