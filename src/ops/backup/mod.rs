//! Backups: a point-in-time snapshot of every tree (taken while the server keeps writing, see
//! `store::snapshot::Recorder`), gzip-compressed, optionally encrypted, checksummed whole.
//!
//! File: `PLAUDIT-BACKUP 1\n`, a flags byte (1 = encrypted), for encrypted files an 8-byte nonce
//! prefix, the body, then `Z` and the SHA-256 of everything before it. The body is the gzip of
//! a snapshot (`store::snapshot`); encrypted, it is cut in frames of at most 64 KiB, each
//! `[last flag][u32 length][ChaCha20-Poly1305 ciphertext]` with the nonce prefix + frame number
//! as nonce and the flag as associated data, so frames cannot be dropped, reordered or cut.
//! Written to a temporary name, fsynced and renamed: a kill mid-way leaves no file that
//! `verify` accepts. `restore` checks the whole-file checksum, then imports into a new folder
//! while checking the snapshot's own, and only when all of it passed swaps folders; then it
//! replays the erasure journal, so a person erased after the backup was taken does not come
//! back.

mod frames;
mod schedule;

pub use schedule::{run_until_stopped, scheduled_step};

use crate::store::Store;
use crate::store::snapshot::{self, Summed, Summer, TreeSum};
use anyhow::{Context, bail};
use chacha20poly1305::ChaCha20Poly1305;
use chacha20poly1305::aead::KeyInit;
use frames::{FRAME, Opener, Sealer};
use sha2::{Digest, Sha256};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

const MAGIC: &[u8] = b"PLAUDIT-BACKUP 1\n";
pub const EXTENSION: &str = "backup";

/// What a verified backup holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub trees: Vec<TreeSum>,
    pub entries: u64,
    pub encrypted: bool,
    /// Keys changed while the backup was read, carried in its redo section.
    pub changed_during: u64,
    /// One instant across all trees (backups made before version 2 of the format are not).
    pub point_in_time: bool,
}

struct Hashing<W: Write> {
    inner: W,
    hash: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Writes a backup of `store` into `dir` as `plaudit-<time>.backup`; returns its path.
pub fn write(
    store: &Store,
    dir: &Path,
    now: OffsetDateTime,
    key: Option<&[u8; 32]>,
    progress: impl FnMut(u64),
) -> anyhow::Result<PathBuf> {
    crate::store::private::folder(dir).with_context(|| format!("preparing {}", dir.display()))?;
    let stamp = now
        .format(&time::macros::format_description!(
            "[year][month][day]-[hour][minute][second]"
        ))
        .unwrap_or_default();
    let path = dir.join(format!("plaudit-{stamp}.{EXTENSION}"));
    let tmp = dir.join(format!(".plaudit-{stamp}.{EXTENSION}.tmp"));
    let file = crate::store::private::create_file(&tmp)
        .with_context(|| format!("creating {}", tmp.display()))?;
    let mut outer = Hashing {
        inner: BufWriter::new(file),
        hash: Sha256::new(),
    };
    outer.write_all(MAGIC)?;
    match key {
        None => {
            outer.write_all(&[0])?;
            let mut gz = flate2::write::GzEncoder::new(&mut outer, flate2::Compression::fast());
            store.export_to(&mut gz, progress)?;
            gz.finish()?;
        }
        Some(key) => {
            let mut prefix = [0u8; 8];
            rand::RngCore::fill_bytes(&mut rand::rng(), &mut prefix);
            outer.write_all(&[1])?;
            outer.write_all(&prefix)?;
            let sealer = Sealer {
                out: &mut outer,
                cipher: ChaCha20Poly1305::new(key.into()),
                prefix,
                frame: 0,
                buf: Vec::with_capacity(FRAME),
            };
            let mut gz = flate2::write::GzEncoder::new(sealer, flate2::Compression::fast());
            store.export_to(&mut gz, progress)?;
            gz.finish()?.finish()?;
        }
    }
    let digest = outer.hash.clone().finalize();
    let mut file = outer.inner;
    file.write_all(b"Z")?;
    file.write_all(&digest)?;
    let file = file.into_inner().map_err(|e| e.into_error())?;
    file.sync_all().context("syncing the backup")?;
    std::fs::rename(&tmp, &path).context("naming the backup")?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(path)
}

/// Checks the whole-file checksum, then decrypts, decompresses and reads every record with the
/// snapshot's own checksum, handing the stream to `visit`. When the snapshot has a redo
/// section, a second pass sums the trees with it merged in.
fn read(
    path: &Path,
    key: Option<&[u8; 32]>,
    mut visit: impl FnMut(&mut dyn Read) -> anyhow::Result<Summed>,
) -> anyhow::Result<Summary> {
    let len = check_whole(path)?;
    let (encrypted, summed) = content(path, len, key, &mut visit)?;
    let changed_during = summed.redo.len() as u64;
    let point_in_time = summed.point_in_time;
    let trees = match summed.finished() {
        Some(sums) => sums.to_vec(),
        None => {
            let redo = summed.redo;
            content(path, len, key, &mut |input| {
                let mut summer = Summer::merging(redo.clone());
                snapshot::read_from(input, |record| {
                    summer.add(&record);
                    Ok(())
                })?;
                Ok(summer.finish())
            })?
            .1
            .sums
        }
    };
    let entries = trees.iter().map(|s| s.entries).sum();
    Ok(Summary {
        trees,
        entries,
        encrypted,
        changed_during,
        point_in_time,
    })
}

/// The whole-file checksum, before anything else is believed; returns the file's length.
fn check_whole(path: &Path) -> anyhow::Result<u64> {
    let len = std::fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len();
    if len < (MAGIC.len() + 1 + 33) as u64 {
        bail!("{}", damaged(path));
    }
    let mut f = BufReader::new(std::fs::File::open(path)?);
    let mut hash = Sha256::new();
    std::io::copy(&mut (&mut f).take(len - 33), &mut HashSink(&mut hash))?;
    let mut trailer = [0u8; 33];
    f.read_exact(&mut trailer)?;
    if trailer[0] != b'Z' || hash.finalize().as_slice() != &trailer[1..] {
        bail!(
            "{}: its checksum does not match (truncated or changed)",
            damaged(path)
        );
    }
    Ok(len)
}

fn damaged(path: &Path) -> String {
    format!("{} is damaged or not a Plaudit backup", path.display())
}

/// The snapshot stream inside the file (decrypted, decompressed), handed to `visit`; returns
/// whether the file is encrypted, and what `visit` made of it.
fn content(
    path: &Path,
    len: u64,
    key: Option<&[u8; 32]>,
    visit: &mut dyn FnMut(&mut dyn Read) -> anyhow::Result<Summed>,
) -> anyhow::Result<(bool, Summed)> {
    let mut f = BufReader::new(std::fs::File::open(path)?).take(len - 33);
    let mut head = vec![0u8; MAGIC.len() + 1];
    f.read_exact(&mut head)?;
    if &head[..MAGIC.len()] != MAGIC {
        bail!("{}", damaged(path));
    }
    let encrypted = head[MAGIC.len()] == 1;
    let summed = if encrypted {
        let Some(key) = key else {
            bail!(
                "{} is encrypted: set backup.key_file to the key it was made with",
                path.display()
            );
        };
        let mut prefix = [0u8; 8];
        f.read_exact(&mut prefix)?;
        let opener = Opener {
            input: f,
            cipher: ChaCha20Poly1305::new(key.into()),
            prefix,
            frame: 0,
            buf: Vec::new(),
            at: 0,
            done: false,
        };
        visit(&mut flate2::read::GzDecoder::new(opener))?
    } else {
        visit(&mut flate2::read::GzDecoder::new(f))?
    };
    Ok((encrypted, summed))
}

struct HashSink<'a>(&'a mut Sha256);

impl Write for HashSink<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Reads the whole backup and checks every checksum; returns what it holds.
pub fn verify(path: &Path, key: Option<&[u8; 32]>) -> anyhow::Result<Summary> {
    read(path, key, |input| {
        let mut summer = Summer::default();
        snapshot::read_from(input, |record| {
            summer.add(&record);
            Ok(())
        })?;
        Ok(summer.finish())
    })
}

/// Restores a backup into `data_dir`, whose server must be stopped: the whole file is verified
/// first, then imported into a new folder, and only then does that folder replace `db/` (the
/// old one is kept as `db.before-restore-<time>`).
pub fn restore(
    path: &Path,
    data_dir: &Path,
    key: Option<&[u8; 32]>,
    now: OffsetDateTime,
) -> anyhow::Result<Summary> {
    let db_dir = data_dir.join("db");
    if db_dir.exists() {
        // The lock sled takes: a running server holds it.
        match sled::Config::new().path(&db_dir).open() {
            Ok(db) => crate::store::close(db, &db_dir)?,
            Err(e) => bail!(
                "{} is in use (is `plaudit serve` running? stop it first): {e}",
                db_dir.display()
            ),
        }
    }
    crate::store::private::folder(data_dir)?;
    let staging = data_dir.join(format!("db.restoring-{}", now.unix_timestamp()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    // One pass: the whole-file checksum first, then every record into a new folder while the
    // snapshot's own checksum is checked; the live store is untouched until all of it passed.
    let imported = read(path, key, |input| snapshot::import_into(&staging, input)).and_then(|s| {
        if !s.point_in_time {
            // Each tree was read at its own time: derived records are rebuilt on open.
            let db = sled::Config::new().path(&staging).open()?;
            crate::store::mark_restored(&db)?;
            crate::store::close(db, &staging)?;
        }
        Ok(s)
    });
    let summary = match imported {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    if db_dir.exists() {
        let aside = data_dir.join(format!("db.before-restore-{}", now.unix_timestamp()));
        std::fs::rename(&db_dir, &aside)
            .with_context(|| format!("moving {} aside", db_dir.display()))?;
    }
    std::fs::rename(&staging, &db_dir).context("putting the restored store in place")?;
    // Erasures made after the backup was taken must not come back with it.
    let store = Store::open(data_dir, 16, now)?;
    let replayed = crate::services::privacy::replay_journal(&store, now)
        .map_err(|e| anyhow::anyhow!("replaying the erasure journal: {e}"))?;
    store.flush_blocking()?;
    if replayed > 0 {
        tracing::info!(replayed, "erasures replayed after the restore");
    }
    Ok(summary)
}
