//! Writing a snapshot stream into a new sled database (restores).

use super::{Record, Summed, Summer, read_from};
use anyhow::Context;
use std::path::Path;

/// Writes a snapshot stream into a new sled database at `path` (which must not hold one),
/// batch by batch, applies its redo section, and flushes it. The caller has verified the
/// stream first.
pub fn import_into<R: std::io::Read + ?Sized>(
    path: &Path,
    input: &mut R,
) -> anyhow::Result<Summed> {
    let db = sled::Config::new()
        .path(path)
        .open()
        .with_context(|| format!("creating {}", path.display()))?;
    let mut tree: Option<sled::Tree> = None;
    let mut batch = sled::Batch::default();
    let mut pending = 0usize;
    let mut pending_bytes = 0usize;
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
                    pending_bytes += k.len() + v.len();
                    // By count and by size: a batch is held in memory until applied.
                    if pending >= 50_000 || pending_bytes >= 8 << 20 {
                        pending_bytes = 0;
                        flush(&tree, &mut batch, &mut pending)?;
                    }
                }
            }
            Record::Header { .. } | Record::Redo { .. } => {}
        }
        Ok(())
    })?;
    flush(&tree, &mut batch, &mut pending)?;
    let summed = summer.finish();
    summed
        .redo
        .apply(&db)
        .context("applying the changes made during the backup")?;
    db.flush().context("flushing the restored store")?;
    // Every handle on a tree keeps the database open.
    drop(tree);
    crate::store::close(db, path)?;
    Ok(summed)
}
