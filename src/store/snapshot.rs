//! Consistent snapshots of every tree in one file, with a checksum, for backups and migrations.
//!
//! Format: `PLAUDIT-SNAPSHOT 1\n`, then per tree: `T`, name and kind (u32 length + bytes each),
//! then per entry `E` and the entry's parts (u32 count, then u32 length + bytes each), then
//! `Z` and the SHA-256 of everything before it.

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

const MAGIC: &[u8] = b"PLAUDIT-SNAPSHOT 1\n";

struct HashingWriter<W: Write> {
    inner: W,
    hash: Sha256,
}

impl<W: Write> HashingWriter<W> {
    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.hash.update(bytes);
        self.inner.write_all(bytes)
    }

    fn put_blob(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let len = u32::try_from(bytes.len()).map_err(std::io::Error::other)?;
        self.put(&len.to_be_bytes())?;
        self.put(bytes)
    }
}

/// Writes a snapshot named `<label>-<time>.snapshot` into `dir`, durably (temp file, fsync,
/// rename), and returns its path.
pub fn write(
    db: &sled::Db,
    dir: &Path,
    label: &str,
    now: OffsetDateTime,
) -> anyhow::Result<PathBuf> {
    super::private::folder(dir)?;
    let stamp = now.unix_timestamp();
    let path = dir.join(format!("{label}-{stamp}.snapshot"));
    let tmp = dir.join(format!(".{label}-{stamp}.snapshot.tmp"));
    let file =
        super::private::create_file(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let mut w = HashingWriter {
        inner: std::io::BufWriter::new(file),
        hash: Sha256::new(),
    };
    w.put(MAGIC)?;
    for (kind, name, entries) in db.export() {
        w.put(b"T")?;
        w.put_blob(&name)?;
        w.put_blob(&kind)?;
        for parts in entries {
            w.put(b"E")?;
            let count = u32::try_from(parts.len()).context("entry too large")?;
            w.put(&count.to_be_bytes())?;
            for part in &parts {
                w.put_blob(part)?;
            }
        }
    }
    let digest = w.hash.clone().finalize();
    w.inner.write_all(b"Z")?;
    w.inner.write_all(&digest)?;
    let file = w.inner.into_inner().map_err(|e| e.into_error())?;
    file.sync_all().context("syncing the snapshot")?;
    std::fs::rename(&tmp, &path).context("naming the snapshot")?;
    Ok(path)
}

/// Checks a snapshot's structure and checksum; returns the number of trees and entries.
pub fn verify(path: &Path) -> anyhow::Result<(usize, usize)> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if !bytes.starts_with(MAGIC) || bytes.len() < MAGIC.len() + 33 {
        bail!("{} is not a Plaudit snapshot", path.display());
    }
    let (body, trailer) = bytes.split_at(bytes.len() - 33);
    if trailer[0] != b'Z' || Sha256::digest(body).as_slice() != &trailer[1..] {
        bail!("{} is damaged: its checksum does not match", path.display());
    }
    let mut pos = MAGIC.len();
    let (mut trees, mut entries) = (0, 0);
    let take = |pos: &mut usize, n: usize| -> anyhow::Result<&[u8]> {
        let s = body.get(*pos..*pos + n).context("truncated snapshot")?;
        *pos += n;
        Ok(s)
    };
    let blob = |pos: &mut usize| -> anyhow::Result<usize> {
        let len = u32::from_be_bytes(take(pos, 4)?.try_into()?) as usize;
        take(pos, len)?;
        Ok(len)
    };
    while pos < body.len() {
        match take(&mut pos, 1)?[0] {
            b'T' => {
                blob(&mut pos)?;
                blob(&mut pos)?;
                trees += 1;
            }
            b'E' => {
                let count = u32::from_be_bytes(take(&mut pos, 4)?.try_into()?);
                for _ in 0..count {
                    blob(&mut pos)?;
                }
                entries += 1;
            }
            other => bail!("unexpected record {other:#x} in snapshot"),
        }
    }
    Ok((trees, entries))
}
