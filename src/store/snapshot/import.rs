//! Writing a snapshot stream into a new sled database, or beside a database server's store
//! (restores).
use crate::store::kv;

use super::unwrapping::Unwrapping;
use super::{Record, Summed, Summer, read_from};
use anyhow::Context;
use std::path::Path;

/// Writes a snapshot stream into a new sled database at `path` (which must not hold one),
/// window by window, applies its redo section, and flushes it. The caller has verified the
/// stream first.
///
/// Each window of entries is inserted in a scrambled order: sled 0.34 fills leaves written in
/// ascending key order only by half and leaves the rewrites of the rightmost one behind as
/// garbage it does not clean, so a store imported in order took three times the disk of the
/// same entries inserted out of order (measured: small entries 470 against 151 bytes each).
///
/// `wrap`: the wrapping key of the instance a backup made without encryption came from; its
/// keys are then opened on their way in (`unwrapping`). Returns what the stream summed to, and
/// whether its keys were opened so (the caller then adds the instance secret).
pub fn import_into<R: std::io::Read + ?Sized>(
    path: &Path,
    input: &mut R,
    wrap: Option<[u8; 32]>,
) -> anyhow::Result<(Summed, bool)> {
    // A bounded cache: sled's default (1 GiB) would keep the whole import in memory. Imports
    // run in processes of their own (`plaudit restore`, the child a server compacts in at
    // start), which give their memory back when done.
    let db = crate::store::engine::config(path)
        .cache_capacity(IMPORT_CACHE)
        .open()
        .map(crate::store::kv::Db::from_sled)
        .with_context(|| format!("creating {}", path.display()))?;
    let done = import_into_db(&db, input, wrap);
    crate::store::close(db, path)?;
    done
}

/// `import_into` for a database already open (on a database server, the trees a restore
/// writes beside the store: `kv::pg::PgDb::staging`), which must hold none of the stream's
/// entries.
pub fn import_into_db<R: std::io::Read + ?Sized>(
    db: &kv::Db,
    input: &mut R,
    wrap: Option<[u8; 32]>,
) -> anyhow::Result<(Summed, bool)> {
    // Two threads: this one reads, decompresses, parses and checks the stream, the other
    // writes what it read, a window behind (a restore of 1,000,000 reviews on two cores:
    // BENCHMARKS.md, backup).
    let mut keys = Unwrapping::new(wrap);
    let (windows, received) = std::sync::mpsc::sync_channel::<Window>(2);
    let summed = std::thread::scope(|scope| {
        let writer = scope.spawn(move || -> anyhow::Result<()> {
            for (tree, mut window) in received {
                if tree.sled().is_some() {
                    insert_scrambled(&tree, &mut window)?;
                } else {
                    insert_batched(&tree, &mut window)?;
                }
            }
            Ok(())
        });
        let read = read_windows(db, input, &windows, &mut keys);
        drop(windows);
        // The writer's error first: when it stops, the reader only sees its channel closed.
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the restore's writer thread failed")));
        written.and(read)
    })?;
    keys.redo(&summed.redo)?
        .apply(db)
        .context("applying the changes made during the backup")?;
    db.flush().context("flushing the restored store")?;
    Ok((summed, keys.opened()))
}

/// Writes and empties `window` a thousand entries per batch (a database server's round trips,
/// not its page layout, are what cost there).
fn insert_batched(tree: &kv::Tree, window: &mut Vec<(Vec<u8>, Vec<u8>)>) -> anyhow::Result<()> {
    for chunk in window.chunks(1000) {
        let mut batch = kv::Batch::default();
        for (k, v) in chunk {
            batch.insert(k.as_slice(), v.as_slice());
        }
        tree.apply_batch(batch)
            .context("writing a restored entry")?;
    }
    window.clear();
    Ok(())
}

/// Entries of one tree, to insert together.
type Window = (kv::Tree, Vec<(Vec<u8>, Vec<u8>)>);

/// Reads the stream, handing its entries to `windows` a window at a time; returns what the
/// stream summed to.
fn read_windows<R: std::io::Read + ?Sized>(
    db: &kv::Db,
    input: &mut R,
    windows: &std::sync::mpsc::SyncSender<Window>,
    keys: &mut Unwrapping,
) -> anyhow::Result<Summed> {
    let mut tree: Option<kv::Tree> = None;
    let mut window: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut window_bytes = 0usize;
    let mut summer = Summer::default();
    let send = |tree: &Option<kv::Tree>, window: &mut Vec<(Vec<u8>, Vec<u8>)>| {
        let full = std::mem::take(window);
        match tree {
            Some(tree) if !full.is_empty() => windows
                .send((tree.clone(), full))
                .map_err(|_| anyhow::anyhow!("the restore's writer stopped")),
            _ => Ok(()),
        }
    };
    // A tree ended: with the entries `keys` held while it was read.
    let end_of_tree = |tree: &Option<kv::Tree>,
                       window: &mut Vec<(Vec<u8>, Vec<u8>)>,
                       keys: &mut Unwrapping|
     -> anyhow::Result<()> {
        if let Some(t) = tree {
            window.extend(keys.tree_ended(&t.name())?);
        }
        send(tree, window)
    };
    read_from(input, |record| {
        summer.add(&record);
        match record {
            Record::Tree { name, .. } => {
                end_of_tree(&tree, &mut window, keys)?;
                window_bytes = 0;
                tree = Some(db.open_tree(name).context("creating a tree")?);
            }
            Record::Entry(parts) => {
                if let ([k, v], Some(t)) = (parts, &tree)
                    && let Some((k, v)) = keys.entry(&t.name(), k.clone(), v.clone())?
                {
                    window_bytes += k.len() + v.len();
                    window.push((k, v));
                    // By count and by size: a window is held in memory until written.
                    if window.len() >= WINDOW || window_bytes >= WINDOW_BYTES {
                        window_bytes = 0;
                        send(&tree, &mut window)?;
                    }
                }
            }
            Record::Header { .. } | Record::Redo { .. } => {}
        }
        Ok(())
    })?;
    end_of_tree(&tree, &mut window, keys)?;
    keys.stream_ended()?;
    Ok(summer.finish())
}

/// 128 MiB: with pages compressed, every page sled evicts and reads back costs a zstd context
/// (`store::engine`); a cache that holds a window's pages took the 1,000,000-review import
/// from 58 s to 44 s (16 MiB before), for ~100 MiB more at its peak.
pub const IMPORT_CACHE: u64 = 128 << 20;
const WINDOW: usize = 100_000;
const WINDOW_BYTES: usize = 16 << 20;

/// Inserts and empties `window`, visiting it with a stride coprime to its length.
fn insert_scrambled(tree: &kv::Tree, window: &mut Vec<(Vec<u8>, Vec<u8>)>) -> anyhow::Result<()> {
    let n = window.len();
    let stride = [7919usize, 7927, 7933]
        .into_iter()
        .find(|p| !n.is_multiple_of(*p))
        .unwrap_or(1);
    for i in 0..n {
        let (k, v) = &window[(i * stride) % n];
        tree.insert(k.as_slice(), v.as_slice())
            .context("writing a restored entry")?;
    }
    window.clear();
    Ok(())
}
