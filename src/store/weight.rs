//! Where the store's weight is: per tree, entries, key bytes and value bytes, and each tree's
//! share of the logical total, beside the folder's size on disk (`plaudit admin store-stats`).

use super::Store;
use anyhow::Context;
use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TreeWeight {
    pub tree: String,
    pub entries: u64,
    pub key_bytes: u64,
    pub value_bytes: u64,
    /// Computed from other trees and rebuilt from them (indexes, counts, search postings).
    pub derived: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Weight {
    /// Largest first.
    pub trees: Vec<TreeWeight>,
    /// Keys and values together, every tree.
    pub logical_bytes: u64,
    /// The database folder as sled reports it (logs, snapshots, slack included).
    pub disk_bytes: u64,
}

impl Store {
    /// Walks every tree once (one iterator at a time, no other store call while it lives).
    pub fn weight(&self) -> anyhow::Result<Weight> {
        let mut trees = Vec::new();
        for name in self.db.tree_names() {
            let tree = self.db.open_tree(&name).context("opening a tree")?;
            let mut w = TreeWeight {
                tree: String::from_utf8_lossy(&name).into_owned(),
                derived: super::trees::is_derived(&name),
                ..TreeWeight::default()
            };
            for entry in tree.iter() {
                let (k, v) = entry.context("reading a tree")?;
                w.entries += 1;
                w.key_bytes += k.len() as u64;
                w.value_bytes += v.len() as u64;
            }
            if w.entries > 0 {
                trees.push(w);
            }
        }
        trees.sort_by_key(|t| std::cmp::Reverse(t.key_bytes + t.value_bytes));
        let logical_bytes = trees.iter().map(|t| t.key_bytes + t.value_bytes).sum();
        Ok(Weight {
            trees,
            logical_bytes,
            disk_bytes: self.size_on_disk(),
        })
    }
}

/// Where the folder size at the last weighing is kept (see `workers::compaction`).
const WEIGHED_AT: &[u8] = b"weighed_at_disk_bytes";
/// Set by a migration: the next start compacts the store.
pub(super) const COMPACT_REQUESTED: &[u8] = b"compact_requested";

impl Store {
    /// The size on disk the store had when it was last weighed for compaction.
    pub fn last_weighed_at(&self) -> anyhow::Result<Option<u64>> {
        Ok(self
            .meta
            .get(WEIGHED_AT)?
            .and_then(|v| <[u8; 8]>::try_from(v.as_ref()).ok())
            .map(u64::from_be_bytes))
    }

    /// Whether a migration asked the next start to compact the store; the request is taken
    /// (and flushed) here, so the compacted copy does not carry it.
    pub fn take_compaction_request(&self) -> anyhow::Result<bool> {
        let asked = self.meta.remove(COMPACT_REQUESTED)?.is_some();
        if asked {
            self.meta.flush().context("taking the compaction request")?;
        }
        Ok(asked)
    }

    pub fn set_last_weighed_at(&self, disk_bytes: u64) -> anyhow::Result<()> {
        self.meta
            .insert(WEIGHED_AT, &disk_bytes.to_be_bytes())
            .context("noting the store's weight")?;
        Ok(())
    }
}

impl std::fmt::Display for Weight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{:<24} {:>12} {:>14} {:>14} {:>7}  kind",
            "tree", "entries", "key bytes", "value bytes", "share"
        )?;
        for t in &self.trees {
            let share =
                100.0 * (t.key_bytes + t.value_bytes) as f64 / self.logical_bytes.max(1) as f64;
            writeln!(
                f,
                "{:<24} {:>12} {:>14} {:>14} {:>6.1}%  {}",
                t.tree,
                t.entries,
                t.key_bytes,
                t.value_bytes,
                share,
                if t.derived { "derived" } else { "records" }
            )?;
        }
        write!(
            f,
            "keys and values: {} bytes; on disk: {} bytes ({:.1}× the keys and values)",
            self.logical_bytes,
            self.disk_bytes,
            self.disk_bytes as f64 / self.logical_bytes.max(1) as f64
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_is_counted_once_in_its_tree() {
        let dir = tempfile::tempdir().unwrap();
        let now = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let store = Store::open(dir.path(), 16, now).unwrap();
        let before = store.weight().unwrap();
        let tree = store.db.open_tree("weight_test").unwrap();
        tree.insert(b"abc", b"12345").unwrap();
        tree.insert(b"de", b"1").unwrap();
        // A tree handle keeps the database open: let go of it before closing.
        drop(tree);
        let after = store.weight().unwrap();
        let t = after
            .trees
            .iter()
            .find(|t| t.tree == "weight_test")
            .unwrap();
        assert_eq!((t.entries, t.key_bytes, t.value_bytes), (2, 5, 6));
        assert_eq!(after.logical_bytes, before.logical_bytes + 11);
        assert!(after.to_string().contains("weight_test"));
        assert!(
            !t.derived,
            "an undeclared tree (an older layout's) is not derived"
        );
        store.words.insert(b"w", b"1").unwrap();
        let kinds = store.weight().unwrap();
        let kind = |name: &str| {
            kinds
                .trees
                .iter()
                .find(|t| t.tree == name)
                .map(|t| t.derived)
        };
        assert_eq!(kind("words"), Some(true));
        assert_eq!(kind("meta"), Some(false));
        assert!(kinds.to_string().contains("derived"));
        store.close().unwrap();
    }
}
