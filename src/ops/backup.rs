//! Backups: a snapshot of every tree, gzip-compressed, optionally encrypted, checksummed whole.
//!
//! File: `PLAUDIT-BACKUP 1\n`, a flags byte (1 = encrypted), for encrypted files an 8-byte nonce
//! prefix, the body, then `Z` and the SHA-256 of everything before it. The body is the gzip of
//! a snapshot (`store::snapshot`); encrypted, it is cut in frames of at most 64 KiB, each
//! `[last flag][u32 length][ChaCha20-Poly1305 ciphertext]` with the nonce prefix + frame number
//! as nonce and the flag as associated data, so frames cannot be dropped, reordered or cut.
//! Written to a temporary name, fsynced and renamed: a kill mid-way leaves no file that
//! `verify` accepts. `restore` checks the whole-file checksum, then imports into a new folder
//! while checking the snapshot's own, and only when all of it passed swaps folders; then it replays the erasure journal, so a person
//! erased after the backup was taken does not come back.

use crate::store::Store;
use crate::store::snapshot::{self, Summer, TreeSum};
use anyhow::{Context, bail};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use sha2::{Digest, Sha256};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

const MAGIC: &[u8] = b"PLAUDIT-BACKUP 1\n";
const FRAME: usize = 64 * 1024;
pub const EXTENSION: &str = "backup";

/// What a verified backup holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub trees: Vec<TreeSum>,
    pub entries: u64,
    pub encrypted: bool,
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

fn nonce(prefix: &[u8; 8], n: u32) -> Nonce {
    let mut b = [0u8; 12];
    b[..8].copy_from_slice(prefix);
    b[8..].copy_from_slice(&n.to_be_bytes());
    Nonce::from(b)
}

/// Encrypts what is written into frames (see the module comment).
struct Sealer<W: Write> {
    out: W,
    cipher: ChaCha20Poly1305,
    prefix: [u8; 8],
    frame: u32,
    buf: Vec<u8>,
}

impl<W: Write> Sealer<W> {
    fn emit(&mut self, last: bool) -> std::io::Result<()> {
        let flag = [u8::from(last)];
        let ct = self
            .cipher
            .encrypt(
                &nonce(&self.prefix, self.frame),
                Payload {
                    msg: &self.buf,
                    aad: &flag,
                },
            )
            .map_err(|_| std::io::Error::other("encryption failed"))?;
        self.frame = self
            .frame
            .checked_add(1)
            .ok_or_else(|| std::io::Error::other("backup too large"))?;
        self.out.write_all(&flag)?;
        self.out
            .write_all(&u32::try_from(ct.len()).unwrap_or(0).to_be_bytes())?;
        self.out.write_all(&ct)?;
        self.buf.clear();
        Ok(())
    }

    fn finish(mut self) -> std::io::Result<W> {
        self.emit(true)?;
        Ok(self.out)
    }
}

impl<W: Write> Write for Sealer<W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let room = FRAME - self.buf.len();
        let n = room.min(data.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == FRAME {
            self.emit(false)?;
        }
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Decrypts frames back into the gzip stream.
struct Opener<R: Read> {
    input: R,
    cipher: ChaCha20Poly1305,
    prefix: [u8; 8],
    frame: u32,
    buf: Vec<u8>,
    at: usize,
    done: bool,
}

impl<R: Read> Read for Opener<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.buf.len() {
            if self.done {
                return Ok(0);
            }
            let mut head = [0u8; 5];
            self.input.read_exact(&mut head)?;
            let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
            if head[0] > 1 || len > FRAME + 16 {
                return Err(std::io::Error::other(
                    "the backup is damaged (frame header)",
                ));
            }
            let mut ct = vec![0u8; len];
            self.input.read_exact(&mut ct)?;
            self.buf = self
                .cipher
                .decrypt(
                    &nonce(&self.prefix, self.frame),
                    Payload {
                        msg: &ct,
                        aad: &head[..1],
                    },
                )
                .map_err(|_| {
                    std::io::Error::other(
                        "the backup does not decrypt: wrong key, or the file was changed",
                    )
                })?;
            self.frame += 1;
            self.at = 0;
            self.done = head[0] == 1;
        }
        let n = out.len().min(self.buf.len() - self.at);
        out[..n].copy_from_slice(&self.buf[self.at..self.at + n]);
        self.at += n;
        Ok(n)
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
/// snapshot's own checksum, handing records to `visit`.
fn read(
    path: &Path,
    key: Option<&[u8; 32]>,
    mut visit: impl FnMut(&mut dyn Read) -> anyhow::Result<Vec<TreeSum>>,
) -> anyhow::Result<Summary> {
    let damaged = || format!("{} is damaged or not a Plaudit backup", path.display());
    let len = std::fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len();
    if len < (MAGIC.len() + 1 + 33) as u64 {
        bail!("{}", damaged());
    }
    // Pass 1: the whole-file checksum, before anything else is believed.
    let mut f = BufReader::new(std::fs::File::open(path)?);
    let mut hash = Sha256::new();
    std::io::copy(&mut (&mut f).take(len - 33), &mut HashSink(&mut hash))?;
    let mut trailer = [0u8; 33];
    f.read_exact(&mut trailer)?;
    if trailer[0] != b'Z' || hash.finalize().as_slice() != &trailer[1..] {
        bail!(
            "{}: its checksum does not match (truncated or changed)",
            damaged()
        );
    }
    // Pass 2: the content.
    let mut f = BufReader::new(std::fs::File::open(path)?).take(len - 33);
    let mut head = vec![0u8; MAGIC.len() + 1];
    f.read_exact(&mut head)?;
    if &head[..MAGIC.len()] != MAGIC {
        bail!("{}", damaged());
    }
    let encrypted = head[MAGIC.len()] == 1;
    let sums = if encrypted {
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
    let entries = sums.iter().map(|s| s.entries).sum();
    Ok(Summary {
        trees: sums,
        entries,
        encrypted,
    })
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
            Ok(db) => drop(db),
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
    let summary = match read(path, key, |input| snapshot::import_into(&staging, input)) {
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
    let store = Store::open(data_dir, 16, now).map_err(|e| anyhow::anyhow!("{e}"))?;
    let replayed = crate::services::privacy::replay_journal(&store, now)
        .map_err(|e| anyhow::anyhow!("replaying the erasure journal: {e}"))?;
    store.flush_blocking()?;
    if replayed > 0 {
        tracing::info!(replayed, "erasures replayed after the restore");
    }
    Ok(summary)
}

/// Backups in `dir` made by the schedule, oldest first.
fn scheduled(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("plaudit-") && n.ends_with(".backup"))
        })
        .collect();
    v.sort();
    v
}

/// One scheduled step: a backup when the newest is older than the interval, then the oldest
/// beyond `keep` deleted. Returns the new backup, if one was made.
pub fn scheduled_step(
    store: &Store,
    config: &crate::config::BackupConfig,
    now: OffsetDateTime,
) -> anyhow::Result<Option<PathBuf>> {
    if config.interval_hours == 0 {
        return Ok(None);
    }
    let dir = config
        .dir
        .clone()
        .unwrap_or_else(|| store.data_dir().join("backups"));
    let due = match scheduled(&dir)
        .last()
        .and_then(|p| p.metadata().ok()?.modified().ok())
    {
        None => true,
        Some(at) => {
            let age = OffsetDateTime::from(at);
            now - age >= time::Duration::hours(i64::try_from(config.interval_hours).unwrap_or(24))
        }
    };
    if !due {
        return Ok(None);
    }
    let key = match &config.key_file {
        Some(p) => Some(crate::config::read_backup_key(p).map_err(|e| anyhow::anyhow!(e))?),
        None => None,
    };
    let path = write(store, &dir, now, key.as_ref(), |_| {})?;
    let all = scheduled(&dir);
    let extra = all.len().saturating_sub(config.keep as usize);
    for old in all.into_iter().take(extra) {
        std::fs::remove_file(&old).with_context(|| format!("removing {}", old.display()))?;
    }
    Ok(Some(path))
}

pub async fn run_until_stopped(
    store: Store,
    config: crate::config::BackupConfig,
    clock: crate::clock::SharedClock,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    // Not in the first minutes after a start: a restart loop must not become a backup loop,
    // and a fresh instance has nothing to save yet.
    tokio::select! {
        _ = tokio::time::sleep(std::time::Duration::from_secs(600)) => {}
        _ = shutdown.changed() => return,
    }
    while !*shutdown.borrow() {
        let (s, c, now) = (store.clone(), config.clone(), clock.now());
        match tokio::task::spawn_blocking(move || scheduled_step(&s, &c, now)).await {
            Ok(Ok(Some(path))) => tracing::info!(backup = %path.display(), "backup written"),
            Ok(Ok(None)) => {}
            Ok(Err(e)) => tracing::error!(error = %format!("{e:#}"), "scheduled backup failed"),
            Err(e) => tracing::error!(error = %e, "scheduled backup stopped"),
        }
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_secs(60)) => {}
            _ = shutdown.changed() => {}
        }
    }
}
