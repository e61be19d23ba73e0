//! Backups: a point-in-time snapshot of every tree (taken while the server keeps writing, see
//! `store::snapshot::Recorder`), compressed, optionally encrypted, checksummed whole.
//!
//! File: `PLAUDIT-BACKUP 2\n`, a flags byte (1 = encrypted), for encrypted files an 8-byte nonce
//! prefix, the body, then `Z` and the SHA-256 of everything before it. The body is the zstd of
//! a snapshot (`store::snapshot`); version 1 files, still read, hold its gzip. Encrypted, it is cut in frames of at most 64 KiB, each
//! `[last flag][u32 length][ChaCha20-Poly1305 ciphertext]` with the nonce prefix + frame number
//! as nonce and the flag as associated data, so frames cannot be dropped, reordered or cut.
//! Written to a temporary name, fsynced and renamed: a kill mid-way leaves no file that
//! `verify` accepts. `restore` checks the whole-file checksum, then imports into a new folder
//! while checking the snapshot's own, and only when all of it passed swaps folders; then it
//! replays the erasure journal, so a person erased after the backup was taken does not come
//! back.
//!
//! A backup made without encryption carries no usable key material: the instance secret is left
//! out and people's and link keys are wrapped under a key derived from it (`snapshot::keywrap`),
//! so a stolen file unseals no provider token and no personal record. Restoring it needs the
//! instance secret: from the data folder it replaces, or from the file `plaudit backup secret`
//! wrote (kept apart from the backups). Encrypted backups carry the keys inside the encryption.

mod beside;
mod frames;
mod restore;
mod schedule;

pub use restore::{
    Secret, compact, replay_if_pending, replay_marked, restore, restore_into_server,
};
pub use schedule::{BackupSchedule, scheduled_step};

use crate::store::Store;
use crate::store::snapshot::{self, Summed, Summer, TreeSum};
use anyhow::{Context, bail};
use chacha20poly1305::ChaCha20Poly1305;
use chacha20poly1305::aead::KeyInit;
use frames::Opener;
use sha2::{Digest, Sha256};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

const MAGIC: &[u8] = b"PLAUDIT-BACKUP 2\n";
/// Files written before zstd: the same, gzip inside.
const MAGIC_GZIP: &[u8] = b"PLAUDIT-BACKUP 1\n";
/// zstd level: 3 against gzip's fastest on a 1,000,000-review store (see BENCHMARKS.md,
/// backup) — a smaller file in less time, and faster to read back.
const LEVEL: i32 = 3;
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
    let keys = match key {
        Some(_) => snapshot::Keys::Included,
        None => snapshot::Keys::Wrapped(snapshot::keywrap::wrapping_key(
            &store.meta().instance_secret()?,
        )),
    };
    write_as(store, dir, now, key, keys, progress)
}

/// `write`, with the key material carried as `keys` says.
fn write_as(
    store: &Store,
    dir: &Path,
    now: OffsetDateTime,
    key: Option<&[u8; 32]>,
    keys: snapshot::Keys,
    progress: impl FnMut(u64),
) -> anyhow::Result<PathBuf> {
    crate::store::private::folder(dir).with_context(|| format!("preparing {}", dir.display()))?;
    let stamp = now
        .format(&time::macros::format_description!(
            "[year][month][day]-[hour][minute][second]"
        ))
        .unwrap_or_default();
    // A temporary name of its own: two backups started in the same second never share a file.
    let mut unique = [0u8; 6];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut unique);
    let tmp = dir.join(format!(
        ".plaudit-{stamp}-{}.{EXTENSION}.tmp",
        hex::encode(unique)
    ));
    let file = crate::store::private::create_file(&tmp)
        .with_context(|| format!("creating {}", tmp.display()))?;
    let mut outer = Hashing {
        inner: BufWriter::new(file),
        hash: Sha256::new(),
    };
    outer.write_all(MAGIC)?;
    beside::compress_beside(&mut outer, key, LEVEL, |body| {
        store.export_to(body, keys, progress)
    })?;
    let digest = outer.hash.clone().finalize();
    let mut file = outer.inner;
    file.write_all(b"Z")?;
    file.write_all(&digest)?;
    let file = file.into_inner().map_err(|e| e.into_error())?;
    file.sync_all().context("syncing the backup")?;
    let path = name_without_replacing(&tmp, dir, &stamp)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(path)
}

/// Gives the finished file `plaudit-<stamp>.backup`, or `plaudit-<stamp>-2.backup`, … when
/// another backup of the same second has the name: a hard link fails rather than replace.
fn name_without_replacing(tmp: &Path, dir: &Path, stamp: &str) -> anyhow::Result<PathBuf> {
    for n in 1..1000 {
        let name = match n {
            1 => format!("plaudit-{stamp}.{EXTENSION}"),
            n => format!("plaudit-{stamp}-{n}.{EXTENSION}"),
        };
        let path = dir.join(name);
        match std::fs::hard_link(tmp, &path) {
            Ok(()) => {
                std::fs::remove_file(tmp).context("removing the temporary backup name")?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).context("naming the backup"),
        }
    }
    bail!(
        "too many backups named for the same second in {}",
        dir.display()
    )
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
    let gzip = match &head[..MAGIC.len()] {
        m if m == MAGIC => false,
        m if m == MAGIC_GZIP => true,
        _ => bail!("{}", damaged(path)),
    };
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
        visit(&mut *decompressed(opener, gzip)?)?
    } else {
        visit(&mut *decompressed(f, gzip)?)?
    };
    Ok((encrypted, summed))
}

/// The body of a version 1 (`gzip`) or version 2 file, decompressed.
fn decompressed<'a, R: Read + 'a>(body: R, gzip: bool) -> anyhow::Result<Box<dyn Read + 'a>> {
    Ok(if gzip {
        Box::new(flate2::read::GzDecoder::new(body))
    } else {
        Box::new(zstd::stream::read::Decoder::new(body)?)
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
