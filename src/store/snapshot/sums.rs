//! Per-tree entry counts and checksums of a snapshot, with its redo section merged in.
use crate::store::kv;

use super::recorder::Changes;
use super::{Record, Redo};
use anyhow::Context;
use sha2::{Digest, Sha256};

/// Entries and a SHA-256 over every (key, value) of one tree, in key order: equal sums mean
/// equal data.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TreeSum {
    pub name: String,
    pub entries: u64,
    pub sha256: String,
}

/// What one pass over a snapshot stream found: its sums, and the redo section, which the sums
/// only include when the pass was given it beforehand (`Summer::merging`).
#[derive(Debug, Default)]
pub struct Summed {
    pub sums: Vec<TreeSum>,
    pub redo: Redo,
    /// Whether the snapshot is of one instant (older ones read each tree at its own time).
    pub point_in_time: bool,
    merged: bool,
}

impl Summed {
    /// The sums of the store the snapshot restores, if this pass could know them.
    pub fn finished(&self) -> Option<&[TreeSum]> {
        (self.merged || self.redo.is_empty()).then_some(&self.sums)
    }
}

/// Sums per tree of a snapshot stream's records (trees in the order they come).
#[derive(Default)]
pub struct Summer {
    sums: Vec<TreeSum>,
    hash: Option<Sha256>,
    /// Changes to merge into the trees' entries (a second pass), by tree.
    merge: Option<Redo>,
    /// The current tree's changes still to merge, in key order.
    pending: Changes,
    /// The redo section as met in the stream.
    found: Redo,
    version: u8,
}

impl Summer {
    /// A summer that merges `redo` into the entries, for a second pass over a stream.
    pub fn merging(redo: Redo) -> Self {
        Self {
            merge: Some(redo),
            ..Self::default()
        }
    }

    pub fn add(&mut self, record: &Record) {
        match record {
            Record::Header { version } => self.version = *version,
            Record::Tree { name, .. } => self.open(name),
            Record::Entry(parts) => match (self.merge.is_some(), parts) {
                (true, [k, v]) => {
                    while let Some(entry) = self.pending.first_entry() {
                        if entry.key() >= k {
                            break;
                        }
                        let (pk, pv) = entry.remove_entry();
                        if let Some(pv) = pv {
                            self.hash(&[&pk, &pv]);
                        }
                    }
                    match self.pending.remove(k) {
                        Some(Some(v)) => self.hash(&[k, &v]),
                        Some(None) => {}
                        None => self.hash(&[k, v]),
                    }
                }
                _ => self.hash(&parts.iter().map(Vec::as_slice).collect::<Vec<_>>()),
            },
            Record::Redo { tree, key, value } => {
                if self.merge.is_none() {
                    self.found.set(tree, key, *value);
                }
            }
        }
    }

    fn open(&mut self, name: &[u8]) {
        self.close();
        self.sums.push(TreeSum {
            name: String::from_utf8_lossy(name).into_owned(),
            entries: 0,
            sha256: String::new(),
        });
        self.hash = Some(Sha256::new());
        if let Some(redo) = self.merge.as_mut() {
            self.pending = redo.trees.remove(name).unwrap_or_default();
        }
    }

    fn hash(&mut self, parts: &[&[u8]]) {
        if let (Some(h), Some(last)) = (self.hash.as_mut(), self.sums.last_mut()) {
            for p in parts {
                h.update((p.len() as u64).to_be_bytes());
                h.update(p);
            }
            last.entries += 1;
        }
    }

    fn close(&mut self) {
        for (k, v) in std::mem::take(&mut self.pending) {
            if let Some(v) = v {
                self.hash(&[&k, &v]);
            }
        }
        if let (Some(h), Some(last)) = (self.hash.take(), self.sums.last_mut()) {
            last.sha256 = hex::encode(h.finalize());
        }
    }

    /// Sorted by tree name, empty trees left out (a restore need not recreate them).
    pub fn finish(mut self) -> Summed {
        self.close();
        // Trees only the redo section knows (made during the read) come last.
        let rest: Vec<Vec<u8>> = self
            .merge
            .as_ref()
            .map(|r| r.trees.keys().cloned().collect())
            .unwrap_or_default();
        for name in rest {
            self.open(&name);
        }
        self.close();
        let mut sums: Vec<TreeSum> = self.sums.into_iter().filter(|s| s.entries > 0).collect();
        sums.sort_by(|a, b| a.name.cmp(&b.name));
        Summed {
            sums,
            redo: self.found,
            point_in_time: self.version >= 2,
            merged: self.merge.is_some(),
        }
    }
}

/// The sums of every non-empty tree of a live database, as a snapshot's are computed.
pub fn sums_of(db: &kv::Db) -> anyhow::Result<Vec<TreeSum>> {
    let mut summer = Summer::default();
    for name in db.tree_names() {
        summer.open(&name);
        for entry in db.open_tree(&name)?.iter() {
            let (k, v) = entry.context("reading a tree")?;
            summer.hash(&[&k, &v]);
        }
    }
    Ok(summer.finish().sums)
}
