//! Transactions over one or several trees: a closure that reads and writes them, run again
//! when another writer got in the way, and applied whole or not at all.

use super::pg::{self, PgTx};
use super::{Batch, IVec, Result, Tree};
pub use sled::transaction::{
    ConflictableTransactionError, ConflictableTransactionResult, TransactionError,
    TransactionResult, UnabortableTransactionError, abort,
};

/// What a read or write inside a transaction gives: only the engine's own failures, which
/// end the transaction (`?` turns them into its error).
pub type UnabortableTransactionResult<T> = std::result::Result<T, UnabortableTransactionError>;

/// A transaction's failure as an engine error (for operations built on one).
pub fn storage(e: TransactionError<()>) -> super::Error {
    match e {
        TransactionError::Storage(e) => e,
        TransactionError::Abort(()) => {
            super::Error::Unsupported("a transaction aborted without a reason".into())
        }
    }
}

/// A tree as a transaction sees it: its own writes first, then the tree.
#[derive(Clone)]
pub enum TransactionalTree {
    Sled(sled::transaction::TransactionalTree),
    Pg(PgTx),
}

impl TransactionalTree {
    pub fn get<K: AsRef<[u8]>>(&self, key: K) -> UnabortableTransactionResult<Option<IVec>> {
        match self {
            Self::Sled(t) => t.get(key),
            Self::Pg(t) => t.get(key.as_ref()),
        }
    }

    pub fn insert<K, V>(&self, key: K, value: V) -> UnabortableTransactionResult<Option<IVec>>
    where
        K: AsRef<[u8]> + Into<IVec>,
        V: Into<IVec>,
    {
        match self {
            Self::Sled(t) => t.insert(key, value),
            Self::Pg(t) => t.insert(key.into(), value.into()),
        }
    }

    pub fn remove<K>(&self, key: K) -> UnabortableTransactionResult<Option<IVec>>
    where
        K: AsRef<[u8]> + Into<IVec>,
    {
        match self {
            Self::Sled(t) => t.remove(key),
            Self::Pg(t) => t.remove(key.into()),
        }
    }

    pub fn apply_batch(&self, batch: &Batch) -> UnabortableTransactionResult<()> {
        for (k, v) in &batch.writes {
            match v {
                Some(v) => self.insert(k.clone(), v.clone())?,
                None => self.remove(k.clone())?,
            };
        }
        Ok(())
    }

    /// Makes the transaction durable before it returns (a SQL engine's commit always is).
    pub fn flush(&self) {
        if let Self::Sled(t) = self {
            t.flush();
        }
    }

    pub fn generate_id(&self) -> Result<u64> {
        match self {
            Self::Sled(t) => t.generate_id(),
            Self::Pg(t) => t.generate_id(),
        }
    }
}

/// Several trees in one transaction: `(&a, &b).transaction(|(a, b)| …)`. The trees must be
/// of one database.
pub trait Transactional<E = ()> {
    /// The trees as the closure sees them.
    type View;

    fn transaction<F, A>(&self, f: F) -> TransactionResult<A, E>
    where
        F: Fn(&Self::View) -> ConflictableTransactionResult<A, E>;
}

fn mixed<A, E>() -> TransactionResult<A, E> {
    Err(TransactionError::Storage(super::Error::Unsupported(
        "one transaction over trees of two engines".into(),
    )))
}

macro_rules! tuples {
    ($( ($($i:tt),+) )*) => {$(
        impl<E> Transactional<E> for ($( tuples!(@tree $i), )+) {
            type View = ($( tuples!(@view $i), )+);

            fn transaction<F, A>(&self, f: F) -> TransactionResult<A, E>
            where
                F: Fn(&Self::View) -> ConflictableTransactionResult<A, E>,
            {
                let trees = [$( self.$i, )+];
                if let Some(sleds) = trees.iter().map(|t| t.sled()).collect::<Option<Vec<_>>>() {
                    return sled::Transactional::transaction(sleds.as_slice(), |v| {
                        f(&($( TransactionalTree::Sled(v[$i].clone()), )+))
                    });
                }
                if let Some(pgs) = trees.iter().map(|t| t.pg()).collect::<Option<Vec<_>>>() {
                    return pg::transaction(&pgs[0].db, &pgs, |v| {
                        f(&($( TransactionalTree::Pg(v[$i].clone()), )+))
                    });
                }
                mixed()
            }
        }
    )*};
    (@tree $i:tt) => { &Tree };
    (@view $i:tt) => { TransactionalTree };
}

tuples! {
    (0, 1)
    (0, 1, 2)
    (0, 1, 2, 3)
    (0, 1, 2, 3, 4)
    (0, 1, 2, 3, 4, 5)
    (0, 1, 2, 3, 4, 5, 6)
    (0, 1, 2, 3, 4, 5, 6, 7)
    (0, 1, 2, 3, 4, 5, 6, 7, 8)
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9)
}
