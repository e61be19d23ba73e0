//! Finding items by text: the lists of all query words intersected newest first by
//! leapfrogging (each list is asked for its greatest id below a bound), so the work follows the
//! rarest word, never the number of items. Each query word stands for two lists, its text list
//! and its name list (see `super`), and a word's answer is the greater of theirs. What is found
//! is a candidate: the caller checks it against the item's text (`domain::text::finds`).

use super::Search;
use super::postings::Cursor;
use crate::domain::{Id, Item, Workspace};

/// A batch of matches and where the next batch starts.
#[derive(Debug)]
pub struct Matches {
    pub ids: Vec<Id<Item>>,
    /// Exclusive upper bound to go on from; None when every match was returned.
    pub next: Option<[u8; 16]>,
}

/// The id just above `id` (as a bound: "at most `id`").
fn above(id: [u8; 16]) -> Option<[u8; 16]> {
    let n = u128::from_be_bytes(id).checked_add(1)?;
    Some(n.to_be_bytes())
}

impl Search<'_> {
    /// Up to `limit` items of `ws` holding every term, newest first, with ids below `before`;
    /// at most `budget` list lookups, then the batch ends early with a bound to go on from.
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
        let mut hi = before.unwrap_or([0xff; 16]);
        let mut lookups = 0;
        loop {
            if lookups >= budget {
                return Ok(Matches {
                    ids,
                    next: Some(hi),
                });
            }
            let mut lowest: Option<[u8; 16]> = None;
            let mut agree = true;
            for group in &mut groups {
                let mut best: Option<[u8; 16]> = None;
                for list in group.iter_mut() {
                    lookups += 1;
                    best = best.max(list.below(&self.store.search, &hi)?);
                }
                let Some(id) = best else {
                    return Ok(Matches { ids, next: None });
                };
                match lowest {
                    None => lowest = Some(id),
                    Some(l) if l != id => {
                        agree = false;
                        lowest = Some(l.min(id));
                    }
                    Some(_) => {}
                }
            }
            let Some(low) = lowest else {
                return Ok(Matches { ids, next: None });
            };
            if agree {
                ids.push(Id::from_bytes(low));
                hi = low;
                if ids.len() >= limit {
                    return Ok(Matches {
                        ids,
                        next: Some(hi),
                    });
                }
            } else {
                match above(low) {
                    Some(h) => hi = h,
                    None => return Ok(Matches { ids, next: None }),
                }
            }
        }
    }
}
