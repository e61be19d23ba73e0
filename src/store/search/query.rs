//! Finding items by text: the lists of all query words intersected newest first by
//! leapfrogging (each list is asked for its greatest stamp below a bound), so the work follows
//! the rarest word, never the number of items. Each query word stands for two lists, its text
//! list and its name list (see `super`), and a word's answer is the greater of theirs. A stamp
//! all lists agree on is turned into the ids of the items under it (one range read). What is
//! found is a candidate: the caller checks it against the item's text (`domain::text::finds`).

use super::Search;
use super::postings::{Cursor, Window, stamps_of, window_of};
use crate::domain::{Id, Item, Workspace};

/// A batch of matches and where the next batch starts.
#[derive(Debug)]
pub struct Matches {
    pub ids: Vec<Id<Item>>,
    /// Exclusive upper bound to go on from; None when every match was returned.
    pub next: Option<[u8; 16]>,
}

/// The lowest id in `window` (as a bound: "below every item of that window").
fn bound_of(window: Window) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&stamps_of(window).0.to_be_bytes());
    b
}

impl Search<'_> {
    /// Up to `limit` items of `ws` holding every term, newest first, with ids below `before`;
    /// at most `budget` list lookups, then the batch ends early with a bound to go on from.
    /// A batch may pass `limit` by the few items that share its last stamp.
    pub fn matching(
        &self,
        ws: &Id<Workspace>,
        terms: &[String],
        before: Option<[u8; 16]>,
        limit: usize,
        budget: usize,
    ) -> anyhow::Result<Matches> {
        let mut ids = Vec::new();
        if terms.is_empty() {
            return Ok(Matches { ids, next: None });
        }
        let mut groups: Vec<[Cursor; 2]> = Vec::with_capacity(terms.len());
        for t in terms {
            groups.push([
                Cursor::new(super::list_key(ws, &super::list_of_query(self.store, t)?)),
                Cursor::new(super::list_key(ws, &super::name_list(self.store, t)?)),
            ]);
        }
        // Windows below `hi` are still to be looked at; an id bound above its window's lowest
        // id keeps its own window in play (items in it are then cut at the bound).
        let mut hi: Window = match &before {
            None => Window::MAX,
            Some(b) => window_of(b).saturating_add(u64::from(*b != bound_of(window_of(b)))),
        };
        let mut lookups = 0;
        // Windows every list agrees on, newest first, turned into ids together at the end:
        // one read for all of them rather than one each.
        let mut agreed = Vec::new();
        let next = loop {
            if lookups >= budget {
                break Some(bound_of(hi));
            }
            let mut lowest: Option<Window> = None;
            let mut agree = true;
            let mut ended = false;
            for group in &mut groups {
                let mut best: Option<Window> = None;
                for list in group.iter_mut() {
                    lookups += 1;
                    best = best.max(list.below(&self.store.search, hi)?);
                }
                let Some(stamp) = best else {
                    ended = true;
                    break;
                };
                match lowest {
                    None => lowest = Some(stamp),
                    Some(l) if l != stamp => {
                        agree = false;
                        lowest = Some(l.min(stamp));
                    }
                    Some(_) => {}
                }
            }
            let Some(low) = lowest.filter(|_| !ended) else {
                break None;
            };
            if agree {
                agreed.push(stamps_of(low));
                hi = low;
                // A window holds one item or more (fewer only where an item went since).
                if agreed.len() >= limit {
                    break Some(bound_of(hi));
                }
            } else {
                match low.checked_add(1) {
                    Some(h) => hi = h,
                    None => break None,
                }
            }
        };
        for found in self.store.ids_in_ranges(ws, &agreed, before.as_ref())? {
            ids.extend(found);
        }
        Ok(Matches { ids, next })
    }
}
