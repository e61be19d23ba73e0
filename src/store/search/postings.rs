//! Posting lists kept as blocks: `list | first window` → the list's windows from `first` on,
//! sorted, at most `BLOCK_MAX` of them, each stored as the varint step from the one before.
//! A window is an item id's stamp (its first eight bytes: 48 bits of milliseconds, 16 random
//! bits) without the random bits — the millisecond the provider says the item was created:
//! the ids are found by a range read of the items in the window (see `query`), so a posting
//! costs a byte or four instead of sixteen. With the random bits, steps were about six bytes
//! (a million reviews: 94 MB of postings), sixteen bits of noise in every one. Items of one
//! workspace made in the same millisecond share their postings: a posting is taken out only
//! when no other item is left in its window (see `index`), and what it finds is checked
//! against the item's text anyway. (Rows imported with a date and no time all share their
//! day's millisecond: a word found that day brings that day's imported rows as candidates.)
//!
//! One sled entry per block rather than one per posting: sled spends about a hundred bytes of
//! disk on every entry, more than the posting itself. Only the indexer writes blocks (one step
//! at a time), so a step may read a block, edit it and write it back without a transaction
//! around the read.
use crate::store::kv;

use anyhow::{Context, bail};
use std::collections::BTreeMap;

/// Stamps a block holds at most; a fuller block is split in even parts.
pub(super) const BLOCK_MAX: usize = 256;
const FORMAT: u8 = 2;

/// The first eight bytes of an item id, as a number.
pub(in crate::store) type Stamp = u64;

/// A stamp without its last `WINDOW_BITS` bits: what a posting holds.
pub(in crate::store) type Window = u64;

/// The 16 random bits: windows of a millisecond.
const WINDOW_BITS: u32 = 16;

/// The window of an item id.
pub(in crate::store) fn window_of(id: &[u8; 16]) -> Window {
    stamp_of(id) >> WINDOW_BITS
}

/// The stamps of `window`: from its first one to the next window's first.
pub(in crate::store) fn stamps_of(window: Window) -> (Stamp, Stamp) {
    let first = |w: Window| w.saturating_mul(1 << WINDOW_BITS);
    (first(window), first(window.saturating_add(1)))
}

pub(in crate::store) fn stamp_of(id: &[u8; 16]) -> Stamp {
    let mut hi = [0u8; 8];
    hi.copy_from_slice(&id[..8]);
    u64::from_be_bytes(hi)
}

pub(in crate::store) fn encode(stamps: &[Stamp]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + stamps.len() * 3);
    out.push(FORMAT);
    let mut prev = 0u64;
    for &s in stamps {
        let mut step = s.wrapping_sub(prev);
        prev = s;
        while step >= 0x80 {
            out.push((step as u8) | 0x80);
            step >>= 7;
        }
        out.push(step as u8);
    }
    out
}

pub(in crate::store) fn decode(raw: &[u8]) -> anyhow::Result<Vec<Stamp>> {
    let Some((&FORMAT, mut rest)) = raw.split_first() else {
        bail!("a posting block of an unknown format");
    };
    let mut out = Vec::with_capacity(rest.len() / 2);
    let mut prev = 0u64;
    while !rest.is_empty() {
        let mut step = 0u64;
        let mut shift = 0;
        loop {
            let (&b, tail) = rest.split_first().context("a posting block cut short")?;
            rest = tail;
            if shift > 63 {
                bail!("a posting block with a runaway number");
            }
            step |= u64::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                break;
            }
        }
        prev = prev.wrapping_add(step);
        out.push(prev);
    }
    Ok(out)
}

/// The block of `list` that holds `id` or would: the one with the greatest first id not
/// above it, else the list's first block. (key, ids).
fn locate(
    tree: &kv::Tree,
    list: &[u8],
    stamp: Stamp,
) -> anyhow::Result<Option<(kv::IVec, kv::IVec)>> {
    let at = [list, stamp.to_be_bytes().as_slice()].concat();
    let below = tree
        .range(list.to_vec()..=at)
        .next_back()
        .transpose()
        .context("reading the search index")?;
    if below.is_some() {
        return Ok(below);
    }
    let first = tree
        .range(list.to_vec()..)
        .next()
        .transpose()
        .context("reading the search index")?;
    Ok(first.filter(|(k, _)| k.starts_with(list) && k.len() == list.len() + 8))
}

/// The block writes one indexer step makes: key → new value, or None to remove.
pub(super) type Writes = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// Adds `add` to and takes `drop` out of the list `list`, reading its blocks from `tree`,
/// and gathers the block writes in `writes`.
pub(super) fn edit(
    tree: &kv::Tree,
    list: &[u8],
    add: &[Stamp],
    drop: &[Stamp],
    writes: &mut Writes,
) -> anyhow::Result<()> {
    // Blocks touched, by their key as stored (None: a list that had no block yet).
    let mut blocks: BTreeMap<Option<Vec<u8>>, Vec<Stamp>> = BTreeMap::new();
    let mut touch = |id: Stamp, present: bool| -> anyhow::Result<()> {
        let key = match locate(tree, list, id)? {
            Some((k, v)) => {
                let k = Some(k.to_vec());
                if !blocks.contains_key(&k) {
                    blocks.insert(k.clone(), decode(&v)?);
                }
                k
            }
            None => None,
        };
        let ids = blocks.entry(key).or_default();
        match (ids.binary_search(&id), present) {
            (Err(at), true) => ids.insert(at, id),
            (Ok(at), false) => {
                ids.remove(at);
            }
            _ => {}
        }
        Ok(())
    };
    for &id in add {
        touch(id, true)?;
    }
    for &id in drop {
        touch(id, false)?;
    }
    for (key, ids) in blocks {
        if let Some(k) = key {
            writes.insert(k, None);
        }
        let parts = ids.len().div_ceil(BLOCK_MAX);
        if parts == 0 {
            continue;
        }
        let size = ids.len().div_ceil(parts);
        for part in ids.chunks(size) {
            writes.insert(
                [list, part[0].to_be_bytes().as_slice()].concat(),
                Some(encode(part)),
            );
        }
    }
    Ok(())
}

/// Reads one list from the newest id down, keeping the block last read: a walk that asks for
/// ever lower bounds reads each block once.
pub(super) struct Cursor {
    list: Vec<u8>,
    block: Option<(Stamp, Vec<Stamp>)>,
    /// The list holds nothing below this bound (read once: bounds only fall).
    empty_below: Option<Stamp>,
}

impl Cursor {
    pub(super) fn new(list: Vec<u8>) -> Self {
        Self {
            list,
            block: None,
            empty_below: None,
        }
    }

    /// The greatest stamp of the list below `bound`. Bounds must not rise from call to call.
    pub(super) fn below(&mut self, tree: &kv::Tree, bound: Stamp) -> anyhow::Result<Option<Stamp>> {
        if self.empty_below.is_some_and(|e| bound <= e) {
            return Ok(None);
        }
        let cached = matches!(&self.block, Some((first, _)) if *first < bound);
        if !cached {
            let upper = [self.list.as_slice(), bound.to_be_bytes().as_slice()].concat();
            let found = tree
                .range(self.list.clone()..upper)
                .next_back()
                .transpose()
                .context("reading the search index")?;
            self.block = match found {
                Some((k, v)) => {
                    let first = k
                        .get(self.list.len()..)
                        .and_then(|b| <[u8; 8]>::try_from(b).ok())
                        .map(u64::from_be_bytes)
                        .context("a malformed search block key")?;
                    Some((first, decode(&v)?))
                }
                None => {
                    self.empty_below = Some(bound);
                    None
                }
            };
        }
        Ok(self.block.as_ref().and_then(|(_, ids)| {
            let n = ids.partition_point(|x| *x < bound);
            n.checked_sub(1).map(|i| ids[i])
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u64) -> Stamp {
        (n << 16) | (n.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 48)
    }

    #[test]
    fn a_window_holds_every_stamp_of_its_millisecond_and_no_other() {
        let id = |ms: u64, random: u16| {
            let mut b = [0u8; 16];
            b[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
            b[6..8].copy_from_slice(&random.to_be_bytes());
            b[8..].copy_from_slice(&[0xa5; 8]);
            b
        };
        for ms in [0, 1, 999, 1_733_520_774_123, (1 << 48) - 2] {
            let w = window_of(&id(ms, 7));
            let (lo, hi) = stamps_of(w);
            for random in [0, 1, 7, u16::MAX] {
                assert_eq!(window_of(&id(ms, random)), w);
                let stamp = stamp_of(&id(ms, random));
                assert!(lo <= stamp && stamp < hi, "{ms} {random}");
            }
            assert!(
                stamp_of(&id(ms + 1, 0)) >= hi,
                "the next millisecond is outside"
            );
            if ms > 0 {
                assert!(window_of(&id(ms - 1, u16::MAX)) < w);
                assert!(stamp_of(&id(ms - 1, u16::MAX)) < lo);
            }
        }
    }

    #[test]
    fn blocks_round_trip_and_reject_damage() {
        let ids: Vec<Stamp> = (0..300).map(|n| id(n * 7919)).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        let raw = encode(&sorted);
        assert_eq!(decode(&raw).unwrap(), sorted);
        assert!(decode(&[FORMAT, 0x80]).is_err());
        assert!(decode(&[1, 5, 6]).is_err());
        assert!(decode(&[9, 1, 2]).is_err());
        assert_eq!(decode(&encode(&[])).unwrap(), Vec::<Stamp>::new());
        assert_eq!(decode(&encode(&[u64::MAX, 0])).unwrap(), vec![u64::MAX, 0]);
    }

    /// Lists edited in random steps read back exactly as a set kept beside them, newest first
    /// by the cursor, with every block within its size.
    #[test]
    fn edits_keep_each_list_exact_and_blocks_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let db = kv::Db::at(dir.path());
        let tree = db.open_tree("t").unwrap();
        let mut model: std::collections::BTreeSet<Stamp> = Default::default();
        let list = b"list-a".to_vec();
        let mut seed = 17u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            seed >> 33
        };
        for _ in 0..60 {
            let add: Vec<Stamp> = (0..next() % 90).map(|_| id(next() % 5000)).collect();
            let present: Vec<Stamp> = model.iter().copied().collect();
            let drop: Vec<Stamp> = (0..next() % 40)
                .filter_map(|_| {
                    present
                        .get((next() as usize) % present.len().max(1))
                        .copied()
                })
                .filter(|d| !add.contains(d))
                .collect();
            let mut writes = Writes::new();
            edit(&tree, &list, &add, &drop, &mut writes).unwrap();
            for (k, v) in writes {
                match v {
                    Some(v) => tree.insert(k, v).unwrap(),
                    None => tree.remove(k).unwrap(),
                };
            }
            model.extend(add.iter().copied());
            for d in &drop {
                model.remove(d);
            }
            // Another list beside it is never disturbed.
            tree.insert(b"list-b\xff\xff", encode(&[id(1)])).unwrap();
        }
        let mut stored = Vec::new();
        for kv in tree.scan_prefix(&list) {
            let (k, v) = kv.unwrap();
            let ids = decode(&v).unwrap();
            assert!(!ids.is_empty() && ids.len() <= BLOCK_MAX);
            assert_eq!(&k[list.len()..], ids[0].to_be_bytes().as_slice());
            stored.extend(ids);
        }
        assert_eq!(stored, model.iter().copied().collect::<Vec<_>>());
        let mut cursor = Cursor::new(list.clone());
        let mut bound = u64::MAX;
        let mut walked = Vec::new();
        while let Some(x) = cursor.below(&tree, bound).unwrap() {
            walked.push(x);
            bound = x;
        }
        walked.reverse();
        assert_eq!(walked, stored);
    }
}
