//! One tree and the batches written to it, on either engine.

use super::{IVec, Iter, Result, pg, transaction};
use std::ops::{Bound, RangeBounds};

/// One tree: byte keys in order, each with a byte value.
#[derive(Clone)]
pub enum Tree {
    Sled(sled::Tree),
    Pg(pg::PgTree),
}

/// What a compare-and-swap found: `Err` holds the value there was instead.
pub type CompareAndSwapResult = std::result::Result<(), sled::CompareAndSwapError>;

fn owned<K: AsRef<[u8]>>(b: Bound<&K>) -> Bound<Vec<u8>> {
    match b {
        Bound::Included(k) => Bound::Included(k.as_ref().to_vec()),
        Bound::Excluded(k) => Bound::Excluded(k.as_ref().to_vec()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

impl Tree {
    pub fn name(&self) -> IVec {
        match self {
            Tree::Sled(t) => t.name(),
            Tree::Pg(t) => t.name.clone(),
        }
    }

    pub fn get<K: AsRef<[u8]>>(&self, key: K) -> Result<Option<IVec>> {
        match self {
            Tree::Sled(t) => t.get(key),
            Tree::Pg(t) => t.get(key.as_ref()),
        }
    }

    /// The values of `keys`, in their order: one round trip on a database server, where a
    /// `get` each would make as many.
    pub fn get_many<K: AsRef<[u8]>>(&self, keys: &[K]) -> Result<Vec<Option<IVec>>> {
        match self {
            Tree::Sled(t) => keys.iter().map(|k| t.get(k)).collect(),
            Tree::Pg(t) => {
                let keys: Vec<&[u8]> = keys.iter().map(AsRef::as_ref).collect();
                t.get_many(&keys)
            }
        }
    }

    /// The last `n` entries of each range `lo..=hi`, greatest key first, collected (no
    /// iterator outlives the call): one round trip for all of them on a database server.
    pub fn last_in_each<K: AsRef<[u8]>>(
        &self,
        ranges: &[(K, K)],
        n: usize,
    ) -> Result<Vec<Vec<(IVec, IVec)>>> {
        match self {
            Tree::Sled(t) => ranges
                .iter()
                .map(|(lo, hi)| {
                    if lo.as_ref() > hi.as_ref() {
                        return Ok(Vec::new());
                    }
                    t.range(lo.as_ref()..=hi.as_ref()).rev().take(n).collect()
                })
                .collect(),
            Tree::Pg(t) => {
                let ranges: Vec<(&[u8], &[u8])> = ranges
                    .iter()
                    .map(|(l, h)| (l.as_ref(), h.as_ref()))
                    .collect();
                t.last_in_each(&ranges, n)
            }
        }
    }

    pub fn contains_key<K: AsRef<[u8]>>(&self, key: K) -> Result<bool> {
        match self {
            Tree::Sled(t) => t.contains_key(key),
            Tree::Pg(t) => t.contains_key(key.as_ref()),
        }
    }

    /// Sets `key` to `value`; returns the value it replaced.
    pub fn insert<K: AsRef<[u8]>, V: Into<IVec>>(&self, key: K, value: V) -> Result<Option<IVec>> {
        match self {
            Tree::Sled(t) => t.insert(key, value),
            Tree::Pg(t) => t.insert(key.as_ref(), &value.into()),
        }
    }

    /// Removes `key`; returns the value it had.
    pub fn remove<K: AsRef<[u8]>>(&self, key: K) -> Result<Option<IVec>> {
        match self {
            Tree::Sled(t) => t.remove(key),
            Tree::Pg(t) => t.remove(key.as_ref()),
        }
    }

    /// Sets `key` to `new` only if it holds `old` (`None`: absent, or to remove it).
    pub fn compare_and_swap<K, OV, NV>(
        &self,
        key: K,
        old: Option<OV>,
        new: Option<NV>,
    ) -> Result<CompareAndSwapResult>
    where
        K: AsRef<[u8]>,
        OV: AsRef<[u8]>,
        NV: Into<IVec>,
    {
        match self {
            Tree::Sled(t) => t.compare_and_swap(key, old, new),
            Tree::Pg(_) => {
                let (key, old) = (
                    IVec::from(key.as_ref()),
                    old.map(|o| IVec::from(o.as_ref())),
                );
                let new: Option<IVec> = new.map(Into::into);
                let found = self.transaction(|t| {
                    let current = t.get(&key)?;
                    if current != old {
                        return Ok(Err(sled::CompareAndSwapError {
                            current,
                            proposed: new.clone(),
                        }));
                    }
                    match &new {
                        Some(v) => t.insert(key.clone(), v.clone())?,
                        None => t.remove(key.clone())?,
                    };
                    Ok(Ok(()))
                });
                found.map_err(transaction::storage)
            }
        }
    }

    /// Replaces `key`'s value with what `f` makes of it, atomically; returns the new value.
    pub fn update_and_fetch<K, V, F>(&self, key: K, mut f: F) -> Result<Option<IVec>>
    where
        K: AsRef<[u8]>,
        F: FnMut(Option<&[u8]>) -> Option<V>,
        V: Into<IVec>,
    {
        match self {
            Tree::Sled(t) => t.update_and_fetch(key, f),
            Tree::Pg(_) => loop {
                let current = self.get(key.as_ref())?;
                let next: Option<IVec> = f(current.as_deref()).map(Into::into);
                if self
                    .compare_and_swap(key.as_ref(), current.as_deref(), next.clone())?
                    .is_ok()
                {
                    return Ok(next);
                }
            },
        }
    }

    /// Applies every write of `batch` at once.
    pub fn apply_batch(&self, batch: Batch) -> Result<()> {
        match self {
            Tree::Sled(t) => t.apply_batch(batch.into_sled()),
            Tree::Pg(t) => t.apply(&batch.writes),
        }
    }

    pub fn iter(&self) -> Iter {
        self.range::<&[u8], _>(..)
    }

    pub fn range<K: AsRef<[u8]>, R: RangeBounds<K>>(&self, range: R) -> Iter {
        match self {
            Tree::Sled(t) => Iter::Sled(t.range(range)),
            Tree::Pg(t) => Iter::Pg(pg::PgIter::new(
                t.clone(),
                owned(range.start_bound()),
                owned(range.end_bound()),
            )),
        }
    }

    pub fn scan_prefix<P: AsRef<[u8]>>(&self, prefix: P) -> Iter {
        match self {
            Tree::Sled(t) => Iter::Sled(t.scan_prefix(prefix)),
            Tree::Pg(t) => Iter::Pg(pg::PgIter::prefix(t.clone(), prefix.as_ref())),
        }
    }

    pub fn first(&self) -> Result<Option<(IVec, IVec)>> {
        match self {
            Tree::Sled(t) => t.first(),
            Tree::Pg(t) => t.first(),
        }
    }

    pub fn last(&self) -> Result<Option<(IVec, IVec)>> {
        match self {
            Tree::Sled(t) => t.last(),
            Tree::Pg(t) => t.last(),
        }
    }

    /// The number of entries (on sled a walk of the whole tree).
    pub fn len(&self) -> usize {
        match self {
            Tree::Sled(t) => t.len(),
            Tree::Pg(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Tree::Sled(t) => t.is_empty(),
            Tree::Pg(t) => t.is_empty(),
        }
    }

    /// Removes every entry (not atomically).
    pub fn clear(&self) -> Result<()> {
        match self {
            Tree::Sled(t) => t.clear(),
            Tree::Pg(t) => t.clear(),
        }
    }

    /// Makes every write so far durable (the whole database's, as sled keeps one log).
    pub fn flush(&self) -> Result<usize> {
        match self {
            Tree::Sled(t) => t.flush(),
            Tree::Pg(_) => Ok(0),
        }
    }

    /// The sled tree underneath, for what is about sled itself (a backup's change recorder).
    pub fn sled(&self) -> Option<&sled::Tree> {
        match self {
            Tree::Sled(t) => Some(t),
            Tree::Pg(_) => None,
        }
    }

    pub(super) fn pg(&self) -> Option<&pg::PgTree> {
        match self {
            Tree::Pg(t) => Some(t),
            Tree::Sled(_) => None,
        }
    }

    /// Runs `f` as one transaction on this tree (see `Transactional` for several).
    pub fn transaction<F, A, E>(&self, f: F) -> transaction::TransactionResult<A, E>
    where
        F: Fn(&transaction::TransactionalTree) -> transaction::ConflictableTransactionResult<A, E>,
    {
        match self {
            Tree::Sled(t) => t.transaction(|t| f(&transaction::TransactionalTree::Sled(t.clone()))),
            Tree::Pg(t) => pg::transaction(&t.db, &[t], |views| {
                f(&transaction::TransactionalTree::Pg(views[0].clone()))
            }),
        }
    }
}

/// Writes to apply together (`Tree::apply_batch`, `TransactionalTree::apply_batch`).
#[derive(Debug, Default, Clone)]
pub struct Batch {
    pub(super) writes: Vec<(IVec, Option<IVec>)>,
}

impl Batch {
    pub fn insert<K: Into<IVec>, V: Into<IVec>>(&mut self, key: K, value: V) {
        self.writes.push((key.into(), Some(value.into())));
    }

    pub fn remove<K: Into<IVec>>(&mut self, key: K) {
        self.writes.push((key.into(), None));
    }

    /// The same writes as sled's batch, moved (no copy on the sled path).
    fn into_sled(self) -> sled::Batch {
        let mut b = sled::Batch::default();
        for (k, v) in self.writes {
            match v {
                Some(v) => b.insert(k, v),
                None => b.remove(k),
            }
        }
        b
    }
}
