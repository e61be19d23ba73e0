//! One page of a key range. The iterator lives only inside `scan`, never across another store
//! call: sled 0.34 can deadlock when an iterator is alive while a batch or transaction waits.
use crate::store::kv;

use anyhow::Context;
use kv::IVec;
use std::ops::Bound;

/// One page of a list and the cursor of the next, if there is more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

impl<T> Page<T> {
    pub fn empty() -> Self {
        Self {
            items: Vec::new(),
            next: None,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
        }
    }
}

/// Where a page starts and how long it is.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    /// Opaque: the `next` of the previous page.
    pub cursor: Option<String>,
    pub limit: usize,
}

impl PageRequest {
    pub fn first(limit: usize) -> Self {
        Self {
            cursor: None,
            limit,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Ascending keys: ids sort by creation time, so oldest first.
    Ascending,
    /// Descending keys: newest first.
    Descending,
}

/// The key suffix a cursor stands for. Cursors are the hex of a key suffix; anything else is
/// taken as raw bytes, so a stale or hand-made cursor just starts somewhere, never errs.
fn cursor_suffix(cursor: &str) -> Vec<u8> {
    hex::decode(cursor).unwrap_or_else(|_| cursor.as_bytes().to_vec())
}

/// The first key after every key starting with `prefix`, or none when there is no such key.
pub(super) fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// `scan` for trees of plain encoded records: one page of them, decoded.
pub(super) fn records<T: serde::de::DeserializeOwned>(
    tree: &kv::Tree,
    prefix: &[u8],
    req: &PageRequest,
    order: Order,
) -> anyhow::Result<Page<T>> {
    let raw = scan(tree, prefix, req, order)?;
    let items = raw
        .items
        .iter()
        .map(|(_, v)| super::codec::decode(v))
        .collect::<anyhow::Result<_>>()?;
    Ok(Page {
        items,
        next: raw.next,
    })
}

/// At most `req.limit` entries under `prefix` after the cursor, in `order`, with the cursor of
/// the next page. Collected before returning: the caller may then call the store freely.
pub(super) fn scan(
    tree: &kv::Tree,
    prefix: &[u8],
    req: &PageRequest,
    order: Order,
) -> anyhow::Result<Page<(IVec, IVec)>> {
    let limit = req.limit.max(1);
    let at = req
        .cursor
        .as_deref()
        .map(|c| [prefix, cursor_suffix(c).as_slice()].concat());
    let end = prefix_end(prefix);
    let upper = |end: &Option<Vec<u8>>| match end {
        Some(e) => Bound::Excluded(e.clone()),
        None => Bound::Unbounded,
    };
    let range: (Bound<Vec<u8>>, Bound<Vec<u8>>) = match (order, at) {
        (Order::Ascending, Some(at)) => (Bound::Excluded(at), upper(&end)),
        (Order::Ascending, None) => (Bound::Included(prefix.to_vec()), upper(&end)),
        (Order::Descending, Some(at)) => (Bound::Included(prefix.to_vec()), Bound::Excluded(at)),
        (Order::Descending, None) => (Bound::Included(prefix.to_vec()), upper(&end)),
    };
    let mut entries = Vec::with_capacity(limit + 1);
    {
        let iter = tree.range::<Vec<u8>, _>(range);
        let iter: Box<dyn Iterator<Item = kv::Result<(IVec, IVec)>>> = match order {
            Order::Ascending => Box::new(iter),
            Order::Descending => Box::new(iter.rev()),
        };
        for entry in iter.take(limit + 1) {
            entries.push(entry.context("reading a page from the store")?);
        }
    }
    let next = if entries.len() > limit {
        entries.truncate(limit);
        entries.last().map(|(k, _)| hex::encode(&k[prefix.len()..]))
    } else {
        None
    };
    Ok(Page {
        items: entries,
        next,
    })
}

/// Up to `limit` keys under `prefix` (for chunked deletes), collected.
pub(super) fn keys(tree: &kv::Tree, prefix: &[u8], limit: usize) -> anyhow::Result<Vec<IVec>> {
    let mut out = Vec::new();
    for key in tree.scan_prefix(prefix).keys().take(limit) {
        out.push(key.context("reading keys from the store")?);
    }
    Ok(out)
}

/// Goes through `tree` a page at a time; `change` answers None to keep an entry, Some(None) to
/// remove it, Some(Some(v)) to replace it. Returns how many were removed.
pub(super) fn rewrite_all(
    tree: &kv::Tree,
    mut change: impl FnMut(&[u8]) -> anyhow::Result<Option<Option<Vec<u8>>>>,
) -> anyhow::Result<usize> {
    let mut removed = 0;
    let mut req = PageRequest::first(1_000);
    loop {
        let raw = scan(tree, b"", &req, Order::Ascending)?;
        let mut batch = kv::Batch::default();
        for (k, v) in &raw.items {
            match change(v)? {
                Some(None) => {
                    batch.remove(k);
                    removed += 1;
                }
                Some(Some(new)) => batch.insert(k, new),
                None => {}
            }
        }
        tree.apply_batch(batch).context("rewriting records")?;
        match raw.next {
            Some(n) => req.cursor = Some(n),
            None => return Ok(removed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> kv::Tree {
        let db = kv::Db::temporary();
        let t = db.open_tree("t").unwrap();
        for p in [b'a', b'b', b'c'] {
            for i in 0u8..5 {
                t.insert([p, i], &[i]).unwrap();
            }
        }
        t
    }

    fn walk(t: &kv::Tree, prefix: &[u8], order: Order) -> Vec<u8> {
        let mut req = PageRequest::first(2);
        let mut seen = Vec::new();
        loop {
            let page = scan(t, prefix, &req, order).unwrap();
            seen.extend(page.items.iter().map(|(_, v)| v[0]));
            match page.next {
                Some(n) => req.cursor = Some(n),
                None => return seen,
            }
        }
    }

    #[test]
    fn pages_cover_a_prefix_exactly_once_in_both_orders() {
        let t = tree();
        assert_eq!(walk(&t, b"b", Order::Ascending), vec![0, 1, 2, 3, 4]);
        assert_eq!(walk(&t, b"b", Order::Descending), vec![4, 3, 2, 1, 0]);
        assert_eq!(walk(&t, b"c", Order::Descending), vec![4, 3, 2, 1, 0]);
        assert_eq!(walk(&t, b"z", Order::Ascending), Vec::<u8>::new());
    }

    #[test]
    fn prefix_end_carries_over_ff() {
        assert_eq!(prefix_end(&[1, 0xff]), Some(vec![2]));
        assert_eq!(prefix_end(&[0xff, 0xff]), None);
        assert_eq!(prefix_end(&[]), None);
    }
}
