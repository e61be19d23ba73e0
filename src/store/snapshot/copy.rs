//! Writing a snapshot stream into another engine's database as it comes (`plaudit store
//! copy`): each tree in batches of a thousand entries, the redo section last.

use super::{Record, Summed, Summer, read_from};
use crate::store::kv;
use anyhow::Context;

const BATCH: usize = 1000;

/// Writes `input` into `db` (which should be empty) and returns what the stream summed to;
/// `progress` hears of each thousand entries.
pub fn copy_into<R: std::io::Read + ?Sized>(
    db: &kv::Db,
    input: &mut R,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<Summed> {
    let mut summer = Summer::default();
    let mut tree: Option<kv::Tree> = None;
    let mut batch = kv::Batch::default();
    let (mut pending, mut written) = (0usize, 0u64);
    let flush = |tree: &Option<kv::Tree>, batch: &mut kv::Batch, pending: &mut usize| {
        if let Some(t) = tree
            && *pending > 0
        {
            t.apply_batch(std::mem::take(batch))
                .context("writing into the target")?;
        }
        *pending = 0;
        anyhow::Ok(())
    };
    read_from(input, |record| {
        summer.add(&record);
        match record {
            Record::Tree { name, .. } => {
                flush(&tree, &mut batch, &mut pending)?;
                tree = Some(db.open_tree(name).context("creating a tree")?);
            }
            Record::Entry([k, v]) => {
                batch.insert(k.clone(), v.clone());
                pending += 1;
                written += 1;
                if pending >= BATCH {
                    flush(&tree, &mut batch, &mut pending)?;
                    progress(written);
                }
            }
            Record::Entry(_) | Record::Header { .. } | Record::Redo { .. } => {}
        }
        Ok(())
    })?;
    flush(&tree, &mut batch, &mut pending)?;
    progress(written);
    let summed = summer.finish();
    summed
        .redo
        .apply(db)
        .context("applying the changes made during the copy")?;
    db.flush().context("flushing the target")?;
    Ok(summed)
}
