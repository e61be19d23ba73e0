//! Blocks read several at a time: on a database server each read is a round trip, so a walk
//! down the newest items reads the blocks below in growing runs, and many items by id have
//! their blocks found in one read.

use super::{BlockKey, KEY_LEN, Raw, find, first_key, key, locate, upper};
use crate::domain::{Id, Item, Workspace};
use crate::store::kv;
use std::collections::VecDeque;

/// An item as stored: its id and sealed value.
type Stored = (Id<Item>, Vec<u8>);

/// Blocks a descending walk reads at once at most (16 items each).
const MOST_AHEAD: usize = 16;

/// The blocks of one workspace from an id down, read in runs of 1, 2, 4 … `MOST_AHEAD`:
/// a page that needs one block reads one, a long walk a few round trips.
pub(super) struct Ahead {
    ws: Id<Workspace>,
    read: VecDeque<(kv::IVec, kv::IVec)>,
    run: usize,
}

impl Ahead {
    pub(super) fn new(ws: &Id<Workspace>) -> Self {
        Self {
            ws: *ws,
            read: VecDeque::new(),
            run: 1,
        }
    }

    /// The block whose range holds `at` (`locate`), where a walk down goes next.
    ///
    /// A run read earlier goes on exactly where the walk does: blocks are contiguous, so the
    /// next block down is the next key down. Blocks only split: one that split after the run
    /// was read is seen as it was then, as if read a moment earlier.
    pub(super) fn next_at_or_below(
        &mut self,
        tree: &kv::Tree,
        at: &Raw,
    ) -> anyhow::Result<Option<(kv::IVec, kv::IVec)>> {
        let bound = key(&self.ws, at);
        while let Some((k, _)) = self.read.front() {
            if k.len() == KEY_LEN && k[..] <= bound[..] {
                return Ok(self.read.pop_front());
            }
            self.read.pop_front();
        }
        let run = tree
            .last_in_each(&[(first_key(&self.ws), bound)], self.run)?
            .pop()
            .unwrap_or_default();
        self.run = (self.run * 2).min(MOST_AHEAD);
        self.read
            .extend(run.into_iter().filter(|(k, _)| k.len() == KEY_LEN));
        match self.read.pop_front() {
            Some(b) => Ok(Some(b)),
            // Only one-item keys of a migration under way in that run: one at a time.
            None => locate(tree, &self.ws, at),
        }
    }
}

/// The stored (sealed) items `ids` of `ws`, in their order (None where there is none): each
/// one's block found in one read for all of them.
pub(in crate::store) fn get_many(
    tree: &kv::Tree,
    ws: &Id<Workspace>,
    ids: &[Id<Item>],
) -> anyhow::Result<Vec<Option<Vec<u8>>>> {
    let ranges: Vec<(BlockKey, BlockKey)> = ids
        .iter()
        .map(|id| (first_key(ws), key(ws, id.as_bytes())))
        .collect();
    let found = tree.last_in_each(&ranges, 1)?;
    ids.iter()
        .zip(found)
        .map(|(id, run)| match run.first() {
            Some((k, raw))
                if k.len() == KEY_LEN && upper(raw)?.is_none_or(|u| *id.as_bytes() < u) =>
            {
                Ok(find(raw, id.as_bytes())?.map(std::borrow::Cow::into_owned))
            }
            // A block that split since, or a one-item key of a migration: the careful way.
            Some(_) => super::get(tree, ws, id),
            None => Ok(None),
        })
        .collect()
}

/// The stored items of `ws` whose ids start with each of `stamps` (their first 8 bytes) and
/// sort below `before`, newest first: for each stamp its block found in one read for all.
pub(in crate::store) fn under_stamps(
    tree: &kv::Tree,
    ws: &Id<Workspace>,
    stamps: &[u64],
    before: Option<&Raw>,
) -> anyhow::Result<Vec<Vec<Stored>>> {
    let ranges: Vec<(u64, u64)> = stamps.iter().map(|s| (*s, s.saturating_add(1))).collect();
    under_stamp_ranges(tree, ws, &ranges, before)
}

/// The stored items of `ws` whose ids start with a stamp from `from` up to `to` (left out),
/// for each `(from, to)`, sorting below `before`, newest first. A range's items mostly sit in
/// one block: it is found for every range in one read, and a range whose items may run over
/// two blocks is walked the careful way.
pub(in crate::store) fn under_stamp_ranges(
    tree: &kv::Tree,
    ws: &Id<Workspace>,
    ranges: &[(u64, u64)],
    before: Option<&Raw>,
) -> anyhow::Result<Vec<Vec<Stored>>> {
    let at = |stamp: u64| {
        let mut id = [0u8; 16];
        id[..8].copy_from_slice(&stamp.to_be_bytes());
        id
    };
    // Ids from `lo` up to `hi`, both included; an empty range where `to` is not above `from`.
    let span = |(from, to): (u64, u64)| {
        let top = u128::from_be_bytes(at(to)).checked_sub(1)?.to_be_bytes();
        (to > from).then(|| (at(from), top))
    };
    // For each range, the block holding its lowest id and the one holding its highest.
    let mut keys: Vec<(BlockKey, BlockKey)> = Vec::with_capacity(ranges.len() * 2);
    for r in ranges {
        let (lo, hi) = span(*r).unwrap_or(([0; 16], [0; 16]));
        keys.push((first_key(ws), key(ws, &lo)));
        keys.push((first_key(ws), key(ws, &hi)));
    }
    let found = tree.last_in_each(&keys, 1)?;
    let mut out = Vec::with_capacity(ranges.len());
    for (range, ends) in ranges.iter().zip(found.chunks(2)) {
        let Some((lo, hi)) = span(*range) else {
            out.push(Vec::new());
            continue;
        };
        let wanted = |id: &Raw| *id >= lo && *id <= hi && before.is_none_or(|b| id < b);
        let (low, high) = (ends[0].first(), ends.get(1).and_then(|e| e.first()));
        // The range lies in one block, or in two that follow each other: read whole.
        let blocks: Option<Vec<&kv::IVec>> = match (low, high) {
            (Some((lk, lv)), Some((hk, hv))) if lk.len() == KEY_LEN && hk.len() == KEY_LEN => {
                let ends_above = upper(hv)?.is_none_or(|u| hi < u);
                let high_lower = super::parts(hk).map(|(_, l)| l);
                if !ends_above {
                    None
                } else if lk == hk {
                    Some(vec![hv])
                } else if upper(lv)?.is_some_and(|u| Some(u) == high_lower) {
                    Some(vec![lv, hv])
                } else {
                    None
                }
            }
            _ => None,
        };
        let mut items: Vec<Stored> = match blocks {
            Some(blocks) => {
                let mut items = Vec::new();
                for raw in blocks {
                    items.extend(
                        super::items_of(raw)?
                            .into_iter()
                            .filter(|(id, _)| wanted(id.as_bytes()))
                            .map(|(id, v)| (id, v.to_vec())),
                    );
                }
                items
            }
            // Blocks that split meanwhile, or one-item keys of a migration: the careful way.
            None => {
                let to = match before {
                    Some(b) if *b <= hi => *b,
                    _ => u128::from_be_bytes(hi).saturating_add(1).to_be_bytes(),
                };
                let up = crate::store::Order::Ascending;
                match (to > lo).then_some(to) {
                    Some(to) => super::scan(tree, ws, &lo, Some(&to), up, usize::MAX)?,
                    None => Vec::new(),
                }
            }
        };
        items.sort_by(|a, b| b.0.as_bytes().cmp(a.0.as_bytes()));
        out.push(items);
    }
    Ok(out)
}
