//! Small typed helpers over sled trees: get and put of encoded values. Lists go through `page`.
use crate::store::kv;

use super::codec;
use anyhow::Context;
use kv::transaction::TransactionError;
use serde::{Serialize, de::DeserializeOwned};

pub fn get<T: DeserializeOwned>(tree: &kv::Tree, key: &[u8]) -> anyhow::Result<Option<T>> {
    tree.get(key)
        .context("reading the store")?
        .map(|v| codec::decode(&v))
        .transpose()
}

/// `get` for many keys, in their order, in one read.
pub fn get_many<T: DeserializeOwned, K: AsRef<[u8]>>(
    tree: &kv::Tree,
    keys: &[K],
) -> anyhow::Result<Vec<Option<T>>> {
    tree.get_many(keys)
        .context("reading the store")?
        .into_iter()
        .map(|v| v.map(|v| codec::decode(&v)).transpose())
        .collect()
}

pub fn put<T: Serialize>(tree: &kv::Tree, key: &[u8], value: &T) -> anyhow::Result<()> {
    tree.insert(key, codec::encode(value)?)
        .context("writing the store")?;
    Ok(())
}

/// Changes one stored value atomically (compare-and-swap, retried on a race): `change` returns
/// false to leave it alone. `None` when absent; else the value as it now is.
pub fn update<T: Serialize + DeserializeOwned>(
    tree: &kv::Tree,
    key: &[u8],
    change: impl Fn(&mut T) -> bool,
) -> anyhow::Result<Option<T>> {
    loop {
        let Some(old) = tree.get(key).context("reading the store")? else {
            return Ok(None);
        };
        let mut value: T = codec::decode(&old)?;
        if !change(&mut value) {
            return Ok(Some(value));
        }
        let new = codec::encode(&value)?;
        if tree
            .compare_and_swap(key, Some(old), Some(new))
            .context("writing the store")?
            .is_ok()
        {
            return Ok(Some(value));
        }
    }
}

/// Turns a transaction failure whose abort carries no information into an error.
pub fn txn<E: std::fmt::Debug>(e: TransactionError<E>) -> anyhow::Error {
    match e {
        TransactionError::Abort(a) => anyhow::anyhow!("transaction aborted: {a:?}"),
        TransactionError::Storage(s) => anyhow::Error::new(s).context("store transaction"),
    }
}

/// Turns a transaction failure whose abort carries an error into that error.
pub fn txn_any(e: TransactionError<anyhow::Error>) -> anyhow::Error {
    match e {
        TransactionError::Abort(a) => a,
        TransactionError::Storage(s) => anyhow::Error::new(s).context("store transaction"),
    }
}
