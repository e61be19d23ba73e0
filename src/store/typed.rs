//! Small typed helpers over sled trees: get, put, and prefix scans of encoded values.

use super::codec;
use anyhow::Context;
use serde::{Serialize, de::DeserializeOwned};
use sled::transaction::TransactionError;

pub fn get<T: DeserializeOwned>(tree: &sled::Tree, key: &[u8]) -> anyhow::Result<Option<T>> {
    tree.get(key)
        .context("reading the store")?
        .map(|v| codec::decode(&v))
        .transpose()
}

pub fn put<T: Serialize>(tree: &sled::Tree, key: &[u8], value: &T) -> anyhow::Result<()> {
    tree.insert(key, codec::encode(value)?)
        .context("writing the store")?;
    Ok(())
}

/// Every value under `prefix`, in key order.
pub fn scan<T: DeserializeOwned>(tree: &sled::Tree, prefix: &[u8]) -> anyhow::Result<Vec<T>> {
    tree.scan_prefix(prefix)
        .values()
        .map(|v| codec::decode(&v.context("scanning the store")?))
        .collect()
}

/// Every key under `prefix` with the prefix cut off.
pub fn scan_keys(tree: &sled::Tree, prefix: &[u8]) -> anyhow::Result<Vec<Vec<u8>>> {
    tree.scan_prefix(prefix)
        .keys()
        .map(|k| Ok(k.context("scanning the store")?[prefix.len()..].to_vec()))
        .collect()
}

/// Turns a transaction failure whose abort carries no information into an error.
pub fn txn<E: std::fmt::Debug>(e: TransactionError<E>) -> anyhow::Error {
    match e {
        TransactionError::Abort(a) => anyhow::anyhow!("transaction aborted: {a:?}"),
        TransactionError::Storage(s) => anyhow::Error::new(s).context("store transaction"),
    }
}
