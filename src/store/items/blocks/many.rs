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
    let span = |stamp: u64| {
        let (mut lo, mut hi) = ([0u8; 16], [0xffu8; 16]);
        lo[..8].copy_from_slice(&stamp.to_be_bytes());
        hi[..8].copy_from_slice(&stamp.to_be_bytes());
        (lo, hi)
    };
    let ranges: Vec<(BlockKey, BlockKey)> = stamps
        .iter()
        .map(|s| (first_key(ws), key(ws, &span(*s).1)))
        .collect();
    let found = tree.last_in_each(&ranges, 1)?;
    let mut out = Vec::with_capacity(stamps.len());
    for (stamp, run) in stamps.iter().zip(found) {
        let (lo, hi) = span(*stamp);
        let wanted = |id: &Raw| *id >= lo && *id <= hi && before.is_none_or(|b| id < b);
        let whole = match run.first() {
            Some((k, raw)) if k.len() == KEY_LEN => {
                let lower = super::parts(k).map(|(_, l)| l);
                lower.is_some_and(|l| l <= lo) && upper(raw)?.is_none_or(|u| hi < u)
            }
            _ => false,
        };
        let mut items: Vec<Stored> = match run.first() {
            Some((_, raw)) if whole => super::items_of(raw)?
                .into_iter()
                .filter(|(id, _)| wanted(id.as_bytes()))
                .map(|(id, v)| (id, v.to_vec()))
                .collect(),
            // The stamp's ids may run over two blocks: walked the careful way.
            _ => {
                let to = match before {
                    Some(b) if *b <= hi => *b,
                    _ => u128::from_be_bytes(hi).saturating_add(1).to_be_bytes(),
                };
                let to = (to > lo).then_some(to);
                let up = crate::store::Order::Ascending;
                match to {
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
