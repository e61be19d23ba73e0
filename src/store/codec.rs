//! Value encoding: one version byte, then JSON (readable in a dump, tolerant of added fields).

use anyhow::{Context, bail};
use serde::{Serialize, de::DeserializeOwned};

const FORMAT: u8 = 1;

pub fn encode<T: Serialize>(value: &T) -> anyhow::Result<Vec<u8>> {
    let mut out = vec![FORMAT];
    serde_json::to_writer(&mut out, value).context("encoding a stored value")?;
    Ok(out)
}

pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> anyhow::Result<T> {
    match bytes.split_first() {
        Some((&FORMAT, rest)) => serde_json::from_slice(rest).context("decoding a stored value"),
        Some((v, _)) => bail!("stored value has unknown format {v}"),
        None => bail!("stored value is empty"),
    }
}
