//! Finding items by text: the posting lists of all terms intersected newest first by
//! leapfrogging (each list is asked for its greatest id below a bound), so the work follows the
//! rarest term, never the number of items. A word also finds longer words it starts
//! ("croissant" finds "croissants"): each query word stands for the indexed terms it prefixes
//! (at most `MAX_EXPANSION`), and a group's answer is the greatest among its terms.

use super::Search;
use crate::domain::{Id, Item, Workspace};
use anyhow::Context;

/// A batch of matches and where the next batch starts.
#[derive(Debug)]
pub struct Matches {
    pub ids: Vec<Id<Item>>,
    /// Exclusive upper bound to go on from; None when every match was returned.
    pub next: Option<[u8; 16]>,
}

/// Indexed terms one query word stands for at most (the shortest ones come first).
const MAX_EXPANSION: usize = 32;

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
        let mut groups: Vec<Vec<Vec<u8>>> = Vec::with_capacity(terms.len());
        for t in terms {
            let mut group = self.expand(ws, t)?;
            // The same word as a word of an author's name (a whole word: one hashed term).
            group.extend(self.expand(ws, &super::name_term(self.store, t)?)?);
            if group.is_empty() {
                return Ok(Matches { ids, next: None });
            }
            groups.push(group);
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
            for group in &groups {
                let mut best: Option<[u8; 16]> = None;
                for p in group {
                    lookups += 1;
                    let upper = [p.as_slice(), &hi].concat();
                    let found = self
                        .store
                        .search
                        .range(p.clone()..upper)
                        .next_back()
                        .transpose()
                        .context("reading the search index")?;
                    if let Some((k, _)) = found {
                        let id: [u8; 16] = k
                            .get(k.len().saturating_sub(16)..)
                            .and_then(|b| b.try_into().ok())
                            .context("a malformed search entry")?;
                        best = best.max(Some(id));
                    }
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

    /// The posting-list prefixes (`ws | term | 0`) of the indexed terms starting with `word`.
    fn expand(&self, ws: &Id<Workspace>, word: &str) -> anyhow::Result<Vec<Vec<u8>>> {
        let stem = [ws.as_bytes().as_slice(), word.as_bytes()].concat();
        let mut out = Vec::new();
        let mut from = stem.clone();
        while out.len() < MAX_EXPANSION {
            let next = self
                .store
                .search
                .range(from.clone()..)
                .next()
                .transpose()
                .context("reading the search index")?;
            let Some((k, _)) = next else { break };
            if !k.starts_with(&stem) {
                break;
            }
            let Some(end) = k[16..].iter().position(|b| *b == 0).map(|p| p + 16) else {
                break;
            };
            out.push(k[..=end].to_vec());
            // Past every posting of this term: the same bytes, then 0x01.
            from = [&k[..end], &[1u8][..]].concat();
        }
        Ok(out)
    }

    /// How many items hold every term, counted up to `cap`: (count, whether it reached the cap).
    pub fn count(
        &self,
        ws: &Id<Workspace>,
        terms: &[String],
        cap: usize,
    ) -> anyhow::Result<(usize, bool)> {
        let m = self.matching(ws, terms, None, cap, cap.saturating_mul(terms.len() + 2))?;
        Ok((m.ids.len(), m.next.is_some()))
    }
}
