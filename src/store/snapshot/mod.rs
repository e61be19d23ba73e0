//! Point-in-time snapshots of every tree in one file, with a checksum, for backups and
//! migrations.
//!
//! Format: `PLAUDIT-SNAPSHOT 2\n`, then per tree: `T`, name and kind (u32 length + bytes each),
//! then per entry `E` and the entry's parts (u32 count, then u32 length + bytes each); then the
//! redo section, the last change per key made while the trees were read (`recorder`): per
//! change `R`, tree and key (u32 length + bytes each), `1` and the value, or `0` for a removal;
//! then `Z` and the SHA-256 of everything before it. Version 1 files are the same without `R`.
use crate::store::kv;

mod copy;
mod import;
pub mod keywrap;
mod recorder;
mod sums;
mod unwrapping;

pub use copy::copy_into;
pub use import::{IMPORT_CACHE, import_into, import_into_db};
pub use recorder::{Recorder, Redo};
pub use sums::{Summed, Summer, TreeSum, sums_of};

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

const MAGIC: &[u8] = b"PLAUDIT-SNAPSHOT 2\n";
const MAGIC_V1: &[u8] = b"PLAUDIT-SNAPSHOT 1\n";

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
pub fn write(db: &kv::Db, dir: &Path, label: &str, now: OffsetDateTime) -> anyhow::Result<PathBuf> {
    super::private::folder(dir)?;
    let stamp = now.unix_timestamp();
    let path = dir.join(format!("{label}-{stamp}.snapshot"));
    let tmp = dir.join(format!(".{label}-{stamp}.snapshot.tmp"));
    let file =
        super::private::create_file(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let mut out = std::io::BufWriter::new(file);
    write_to(db, &mut out, Keys::Included, |_| {})?;
    let file = out.into_inner().map_err(|e| e.into_error())?;
    file.sync_all().context("syncing the snapshot")?;
    std::fs::rename(&tmp, &path).context("naming the snapshot")?;
    Ok(path)
}

/// How a snapshot carries the key material that unseals the rest: the instance secret
/// (provider tokens, session and link signing), link keys and every person's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keys {
    /// As stored (a snapshot that stays in the data folder, or an encrypted backup).
    Included,
    /// The instance secret left out, the other keys wrapped under a key derived from it: the
    /// file alone unseals nothing; a restore needs the instance secret (`keywrap`).
    Wrapped([u8; 32]),
}

/// Whether `key` in `tree` is key material (see `Keys`).
pub fn is_key_material(tree: &[u8], key: &[u8]) -> bool {
    tree == b"person_keys" || (tree == b"meta" && super::meta::is_secret(key))
}

/// A key-material value as a snapshot carries it: None leaves it out.
fn carried(keys: Keys, tree: &[u8], key: &[u8], value: &[u8]) -> Option<Vec<u8>> {
    match keys {
        Keys::Wrapped(_) if tree == b"meta" && super::meta::is_instance_secret(key) => None,
        Keys::Wrapped(wrap) if is_key_material(tree, key) => Some(keywrap::wrap(&wrap, key, value)),
        _ => Some(value.to_vec()),
    }
}

/// Writes every tree of `db` in snapshot format to `out`, as of one instant even while other
/// threads write; `progress` hears of each entry.
pub fn write_to(
    db: &kv::Db,
    out: &mut impl Write,
    keys: Keys,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<()> {
    if let kv::Db::Pg(pg) = db {
        return write_consistent(pg, out, keys, progress);
    }
    let recorder = Recorder::start(db)?;
    let mut w = HashingWriter {
        inner: out,
        hash: Sha256::new(),
    };
    w.put(MAGIC)?;
    let mut n = 0u64;
    // The items first: an import (restore, compaction) that writes their blocks of several KB
    // after the small trees leaves sled's file far larger (712 against 462 MB for a
    // 1,000,000-review store: BENCHMARKS.md; measured, the cause inside sled not found).
    let mut names = recorder.names().to_vec();
    names.sort_by_key(|n| n.as_slice() != b"items");
    for name in &names {
        w.put(b"T")?;
        w.put_blob(name)?;
        w.put_blob(b"tree")?;
        // Read up to the last key the tree had once recording began: anything written after
        // that is in the redo section, and a tree appended to faster than it is read would
        // otherwise never end.
        let tree = db.open_tree(name)?;
        let Some((end, _)) = tree.last().context("reading the store")? else {
            continue;
        };
        for entry in tree.range(..=end) {
            let (k, v) = entry.context("reading the store")?;
            if put_entry(&mut w, keys, name, &k, &v)? {
                n += 1;
                if n.is_multiple_of(10_000) {
                    progress(n);
                }
            }
        }
    }
    let redo = recorder.finish()?;
    for (tree, changes) in &redo.trees {
        for (key, value) in changes {
            let value = match value {
                Some(v) => match carried(keys, tree, key, v) {
                    Some(v) => Some(v),
                    None => continue,
                },
                None => None,
            };
            w.put(b"R")?;
            w.put_blob(tree)?;
            w.put_blob(key)?;
            match value {
                Some(v) => {
                    w.put(&[1])?;
                    w.put_blob(&v)?;
                }
                None => w.put(&[0])?,
            }
        }
    }
    finish(w)
}

/// One entry of a tree, unless `keys` leaves it out; whether it was written.
fn put_entry<W: Write>(
    w: &mut HashingWriter<W>,
    keys: Keys,
    tree: &[u8],
    k: &[u8],
    v: &[u8],
) -> std::io::Result<bool> {
    let Some(v) = carried(keys, tree, k, v) else {
        return Ok(false);
    };
    w.put(b"E")?;
    w.put(&2u32.to_be_bytes())?;
    w.put_blob(k)?;
    w.put_blob(&v)?;
    Ok(true)
}

/// The checksum record that ends a snapshot.
fn finish<W: Write>(w: HashingWriter<W>) -> anyhow::Result<()> {
    let HashingWriter { mut inner, hash } = w;
    inner.write_all(b"Z")?;
    inner.write_all(&hash.finalize())?;
    inner.flush()?;
    Ok(())
}

/// `write_to` on a database server: everything read in one read-only transaction that sees
/// one instant, so there is nothing to redo.
fn write_consistent(
    db: &kv::pg::PgDb,
    out: &mut impl Write,
    keys: Keys,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<()> {
    let mut snapshot = db.snapshot()?;
    let mut w = HashingWriter {
        inner: out,
        hash: Sha256::new(),
    };
    w.put(MAGIC)?;
    let mut trees = snapshot.trees()?;
    // The items first, as `write_to` does for sled.
    trees.sort_by_key(|(n, _)| n.as_ref() != b"items");
    let mut n = 0u64;
    for (name, id) in &trees {
        w.put(b"T")?;
        w.put_blob(name)?;
        w.put_blob(b"tree")?;
        let mut after: Option<kv::IVec> = None;
        loop {
            let page = snapshot.page(*id, after.as_deref())?;
            let Some((last, _)) = page.last() else {
                break;
            };
            for (k, v) in &page {
                if put_entry(&mut w, keys, name, k, v)? {
                    n += 1;
                    if n.is_multiple_of(10_000) {
                        progress(n);
                    }
                }
            }
            after = Some(last.clone());
        }
    }
    finish(w)
}

/// One record of a snapshot, as `read_from` meets it.
pub enum Record<'a> {
    /// The first record: the format's version (2 and later are one point in time).
    Header {
        version: u8,
    },
    Tree {
        name: &'a [u8],
        kind: &'a [u8],
    },
    Entry(&'a [Vec<u8>]),
    /// A change made while the trees were read, to apply after them.
    Redo {
        tree: &'a [u8],
        key: &'a [u8],
        value: Option<&'a [u8]>,
    },
}

/// The largest entry (key and value together) a snapshot may hold: the store's records are
/// kilobytes. With the redo cap below, a crafted file costs a reader tens of MiB at most.
const MAX_RECORD: usize = 16 << 20;
/// The most a redo section may carry in all: it is held in memory until the trees are read.
const MAX_REDO_BYTES: usize = 24 << 20;

/// A snapshot stream being read, hashed as it goes.
struct Source<'a, R: std::io::Read + ?Sized> {
    input: &'a mut R,
    hash: Sha256,
}

impl<R: std::io::Read + ?Sized> Source<'_, R> {
    /// `n` bytes, allocated as they arrive: a crafted length costs no memory the stream does
    /// not actually carry.
    fn bytes(&mut self, n: usize) -> anyhow::Result<Vec<u8>> {
        let mut buf = Vec::with_capacity(n.min(64 * 1024));
        std::io::Read::read_to_end(
            &mut std::io::Read::take(&mut *self.input, n as u64),
            &mut buf,
        )
        .context("the snapshot is truncated")?;
        if buf.len() != n {
            bail!("the snapshot is truncated");
        }
        self.hash.update(&buf);
        Ok(buf)
    }

    fn u32(&mut self) -> anyhow::Result<u32> {
        let b = self.bytes(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn blob(&mut self) -> anyhow::Result<Vec<u8>> {
        let len = self.u32()? as usize;
        if len > MAX_RECORD {
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
    let magic = src.bytes(MAGIC.len())?;
    let version = match magic.as_slice() {
        MAGIC => 2,
        MAGIC_V1 => 1,
        _ => bail!("not a Plaudit snapshot"),
    };
    visit(Record::Header { version })?;
    let (mut trees, mut entries) = (0, 0);
    let mut redo_bytes = 0usize;
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
                let mut size = 0;
                for _ in 0..count {
                    let part = src.blob()?;
                    size += part.len();
                    if size > MAX_RECORD {
                        bail!("the snapshot is damaged: an entry of more than {MAX_RECORD} bytes");
                    }
                    parts.push(part);
                }
                visit(Record::Entry(&parts))?;
                entries += 1;
            }
            b'R' => {
                src.hash.update(tag);
                let tree = src.blob()?;
                let key = src.blob()?;
                let value = match src.bytes(1)?[0] {
                    0 => None,
                    1 => Some(src.blob()?),
                    _ => bail!("the snapshot is damaged: a change that is neither set nor removal"),
                };
                redo_bytes += tree.len() + key.len() + value.as_ref().map_or(0, Vec::len);
                if redo_bytes > MAX_REDO_BYTES {
                    bail!(
                        "the snapshot's redo section is larger than {} MiB: damaged, or made while \
                         the store changed faster than any backup can follow",
                        MAX_REDO_BYTES >> 20
                    );
                }
                visit(Record::Redo {
                    tree: &tree,
                    key: &key,
                    value: value.as_deref(),
                })?;
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
    if !(bytes.starts_with(MAGIC) || bytes.starts_with(MAGIC_V1)) || bytes.len() < MAGIC.len() + 33
    {
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
            b'R' => {
                blob(&mut pos)?;
                blob(&mut pos)?;
                if take(&mut pos, 1)?[0] == 1 {
                    blob(&mut pos)?;
                }
                entries += 1;
            }
            other => bail!("unexpected record {other:#x} in snapshot"),
        }
    }
    Ok((trees, entries))
}

#[cfg(test)]
mod tests;
