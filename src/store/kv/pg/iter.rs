//! A range of a tree read a page at a time from either end, each page one indexed query that
//! starts after the last key handed out (nothing is held on the server between pages).

use super::wire::Param;
use super::{PgTree, bytes};
use crate::store::kv::{IVec, Result};
use std::collections::VecDeque;
use std::ops::Bound;

/// Rows fetched at once from an end: first one (many reads of a range take only its first
/// entry — the block that holds a key, the posting block at or below a stamp — and a block's
/// value is kilobytes: 256 of them for one lookup made an inbox page 40 times slower than on
/// sled), then full pages (a scan pays one round trip more).
const FIRST_PAGE: i64 = 1;
const PAGE: i64 = 256;

pub struct PgIter {
    tree: PgTree,
    /// What is left to hand out: past `lower` and before `upper`.
    lower: Bound<Vec<u8>>,
    upper: Bound<Vec<u8>>,
    front: VecDeque<(IVec, IVec)>,
    back: VecDeque<(IVec, IVec)>,
    /// The last page from that end was short: nothing more lies beyond what it read.
    front_done: bool,
    back_done: bool,
    /// Rows the next fetch from that end asks for.
    front_page: i64,
    back_page: i64,
    failed: bool,
}

impl PgIter {
    pub fn new(tree: PgTree, lower: Bound<Vec<u8>>, upper: Bound<Vec<u8>>) -> Self {
        Self {
            tree,
            lower,
            upper,
            front: VecDeque::new(),
            back: VecDeque::new(),
            front_done: false,
            back_done: false,
            front_page: FIRST_PAGE,
            back_page: FIRST_PAGE,
            failed: false,
        }
    }

    /// A prefix as a range: keys from `prefix` up to (not including) the next prefix.
    pub fn prefix(tree: PgTree, prefix: &[u8]) -> Self {
        let mut end = prefix.to_vec();
        let upper = loop {
            match end.pop() {
                None => break Bound::Unbounded,
                Some(0xff) => {}
                Some(b) => {
                    end.push(b + 1);
                    break Bound::Excluded(end);
                }
            }
        };
        Self::new(tree, Bound::Included(prefix.to_vec()), upper)
    }

    fn inside(&self, key: &[u8]) -> bool {
        let above = match &self.lower {
            Bound::Included(l) => key >= l.as_slice(),
            Bound::Excluded(l) => key > l.as_slice(),
            Bound::Unbounded => true,
        };
        let below = match &self.upper {
            Bound::Included(u) => key <= u.as_slice(),
            Bound::Excluded(u) => key < u.as_slice(),
            Bound::Unbounded => true,
        };
        above && below
    }

    fn fetch(&self, forward: bool, limit: i64) -> Result<Vec<(IVec, IVec)>> {
        let (lower_sql, lower) = match &self.lower {
            Bound::Included(l) => (" AND k >= $3", Some(l.as_slice())),
            Bound::Excluded(l) => (" AND k > $3", Some(l.as_slice())),
            Bound::Unbounded => ("", None),
        };
        let n = if lower.is_some() { 4 } else { 3 };
        let (upper_sql, upper) = match &self.upper {
            Bound::Included(u) => (format!(" AND k <= ${n}"), Some(u.as_slice())),
            Bound::Excluded(u) => (format!(" AND k < ${n}"), Some(u.as_slice())),
            Bound::Unbounded => (String::new(), None),
        };
        let order = if forward { "ASC" } else { "DESC" };
        let sql = format!(
            "SELECT k, v FROM plaudit_kv WHERE tree = $1{lower_sql}{upper_sql} ORDER BY k {order} LIMIT $2"
        );
        let mut params = vec![Param::Int(self.tree.id), Param::Int(limit)];
        params.extend(lower.map(Param::Bytes));
        params.extend(upper.map(Param::Bytes));
        let rows = self.tree.db.with(|c| c.query(&sql, &params))?;
        Ok(rows
            .iter()
            .filter_map(|r| Some((bytes(r, 0)?, bytes(r, 1)?)))
            .collect())
    }

    fn step(&mut self, forward: bool) -> Option<Result<(IVec, IVec)>> {
        if self.failed {
            return None;
        }
        loop {
            let buffered = if forward {
                self.front.pop_front()
            } else {
                self.back.pop_front()
            };
            if let Some((k, v)) = buffered {
                // The other end may have handed it out already.
                if !self.inside(&k) {
                    self.front.clear();
                    self.back.clear();
                    self.front_done = true;
                    self.back_done = true;
                    return None;
                }
                if forward {
                    self.lower = Bound::Excluded(k.to_vec());
                } else {
                    self.upper = Bound::Excluded(k.to_vec());
                }
                return Some(Ok((k, v)));
            }
            if (forward && self.front_done) || (!forward && self.back_done) {
                return None;
            }
            let limit = if forward {
                std::mem::replace(&mut self.front_page, PAGE)
            } else {
                std::mem::replace(&mut self.back_page, PAGE)
            };
            match self.fetch(forward, limit) {
                Ok(page) => {
                    let short = (page.len() as i64) < limit;
                    if forward {
                        self.front_done = short;
                        self.front.extend(page);
                        if self.front.is_empty() {
                            return None;
                        }
                    } else {
                        self.back_done = short;
                        self.back.extend(page);
                        if self.back.is_empty() {
                            return None;
                        }
                    }
                }
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

impl Iterator for PgIter {
    type Item = Result<(IVec, IVec)>;

    fn next(&mut self) -> Option<Self::Item> {
        self.step(true)
    }
}

impl DoubleEndedIterator for PgIter {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.step(false)
    }
}
