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
    let mut out = std::io::BufWriter::new(file);
    write_to(db, &mut out, |_| {})?;
    let file = out.into_inner().map_err(|e| e.into_error())?;
    file.sync_all().context("syncing the snapshot")?;
    std::fs::rename(&tmp, &path).context("naming the snapshot")?;
    Ok(path)
}

/// Writes every tree of `db` in snapshot format to `out`; `progress` hears of each entry.
pub fn write_to(
    db: &sled::Db,
    out: &mut impl Write,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<()> {
    let mut w = HashingWriter {
        inner: out,
        hash: Sha256::new(),
    };
    w.put(MAGIC)?;
    let mut n = 0u64;
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
            n += 1;
            if n.is_multiple_of(10_000) {
                progress(n);
            }
        }
    }
    let digest = w.hash.clone().finalize();
    w.inner.write_all(b"Z")?;
    w.inner.write_all(&digest)?;
    w.inner.flush()?;
    Ok(())
}

/// One record of a snapshot, as `read_from` meets it.
pub enum Record<'a> {
    Tree { name: &'a [u8], kind: &'a [u8] },
    Entry(&'a [Vec<u8>]),
}

/// A snapshot stream being read, hashed as it goes.
struct Source<'a, R: std::io::Read + ?Sized> {
    input: &'a mut R,
    hash: Sha256,
}

impl<R: std::io::Read + ?Sized> Source<'_, R> {
    fn bytes(&mut self, n: usize) -> anyhow::Result<Vec<u8>> {
        let mut buf = vec![0u8; n];
        self.input
            .read_exact(&mut buf)
            .context("the snapshot is truncated")?;
        self.hash.update(&buf);
        Ok(buf)
    }

    fn u32(&mut self) -> anyhow::Result<u32> {
        let b = self.bytes(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn blob(&mut self) -> anyhow::Result<Vec<u8>> {
        let len = self.u32()? as usize;
        if len > 1 << 30 {
            bail!("the snapshot is damaged: a record of {len} bytes");
        }
        self.bytes(len)
    }
}

/// Reads a snapshot stream, handing each record to `visit`, and checks its checksum at the
/// end: an error means the stream is damaged (what `visit` saw must then be thrown away).
pub fn read_from<R: std::io::Read + ?Sized>(
    input: &mut R,
    mut visit: impl FnMut(Record) -> anyhow::Result<()>,
) -> anyhow::Result<(usize, usize)> {
    let mut src = Source {
        input,
        hash: Sha256::new(),
    };
    if src.bytes(MAGIC.len())? != MAGIC {
        bail!("not a Plaudit snapshot");
    }
    let (mut trees, mut entries) = (0, 0);
    loop {
        let mut tag = [0u8; 1];
        src.input
            .read_exact(&mut tag)
            .context("the snapshot is truncated")?;
        match tag[0] {
            b'T' => {
                src.hash.update(tag);
                let name = src.blob()?;
                let kind = src.blob()?;
                visit(Record::Tree {
                    name: &name,
                    kind: &kind,
                })?;
                trees += 1;
            }
            b'E' => {
                src.hash.update(tag);
                let count = src.u32()?;
                if count > 16 {
                    bail!("the snapshot is damaged: an entry of {count} parts");
                }
                let mut parts = Vec::with_capacity(count as usize);
                for _ in 0..count {
                    parts.push(src.blob()?);
                }
                visit(Record::Entry(&parts))?;
                entries += 1;
            }
            b'Z' => {
                let mut digest = [0u8; 32];
                src.input
                    .read_exact(&mut digest)
                    .context("the snapshot is truncated")?;
                if src.hash.finalize().as_slice() != digest {
                    bail!("the snapshot is damaged: its checksum does not match");
                }
                return Ok((trees, entries));
            }
            other => bail!("the snapshot is damaged: unexpected record {other:#x}"),
        }
    }
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

/// Entries and a SHA-256 over every (key, value) of one tree, in key order: equal sums mean
/// equal data.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TreeSum {
    pub name: String,
    pub entries: u64,
    pub sha256: String,
}

/// Sums per tree of a snapshot stream's records (trees in the order they come).
#[derive(Default)]
pub struct Summer {
    sums: Vec<TreeSum>,
    hash: Option<Sha256>,
}

impl Summer {
    pub fn add(&mut self, record: &Record) {
        match record {
            Record::Tree { name, .. } => {
                self.close();
                self.sums.push(TreeSum {
                    name: String::from_utf8_lossy(name).into_owned(),
                    entries: 0,
                    sha256: String::new(),
                });
                self.hash = Some(Sha256::new());
            }
            Record::Entry(parts) => {
                if let (Some(h), Some(last)) = (self.hash.as_mut(), self.sums.last_mut()) {
                    for p in parts.iter() {
                        h.update((p.len() as u64).to_be_bytes());
                        h.update(p);
                    }
                    last.entries += 1;
                }
            }
        }
    }

    fn close(&mut self) {
        if let (Some(h), Some(last)) = (self.hash.take(), self.sums.last_mut()) {
            last.sha256 = hex::encode(h.finalize());
        }
    }

    /// Sorted by tree name, empty trees left out (a restore need not recreate them).
    pub fn finish(mut self) -> Vec<TreeSum> {
        self.close();
        let mut sums: Vec<TreeSum> = self.sums.into_iter().filter(|s| s.entries > 0).collect();
        sums.sort_by(|a, b| a.name.cmp(&b.name));
        sums
    }
}

/// Writes a snapshot stream into a new sled database at `path` (which must not hold one),
/// batch by batch, and flushes it. The caller has verified the stream first.
pub fn import_into<R: std::io::Read + ?Sized>(
    path: &Path,
    input: &mut R,
) -> anyhow::Result<Vec<TreeSum>> {
    let db = sled::Config::new()
        .path(path)
        .open()
        .with_context(|| format!("creating {}", path.display()))?;
    let mut tree: Option<sled::Tree> = None;
    let mut batch = sled::Batch::default();
    let mut pending = 0usize;
    let mut summer = Summer::default();
    let flush = |tree: &Option<sled::Tree>, batch: &mut sled::Batch, pending: &mut usize| {
        if let Some(t) = tree
            && *pending > 0
        {
            t.apply_batch(std::mem::take(batch))?;
            *pending = 0;
        }
        Ok::<_, anyhow::Error>(())
    };
    read_from(input, |record| {
        summer.add(&record);
        match record {
            Record::Tree { name, .. } => {
                flush(&tree, &mut batch, &mut pending)?;
                tree = Some(db.open_tree(name).context("creating a tree")?);
            }
            Record::Entry(parts) => {
                if let [k, v] = parts {
                    batch.insert(k.as_slice(), v.as_slice());
                    pending += 1;
                    if pending >= 50_000 {
                        flush(&tree, &mut batch, &mut pending)?;
                    }
                }
            }
        }
        Ok(())
    })?;
    flush(&tree, &mut batch, &mut pending)?;
    db.flush().context("flushing the restored store")?;
    Ok(summer.finish())
}
