//! Instance-wide facts: schema version, instance secrets, the one-time setup token.

use super::codec;
use anyhow::Context;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub const SCHEMA_KEY: &[u8] = b"schema_version";
const SECRET_KEY: &[u8] = b"instance_secret";
pub(super) const SETUP_KEY: &[u8] = b"setup_token";

pub fn schema_version(db: &sled::Db) -> anyhow::Result<Option<u32>> {
    let meta = db.open_tree("meta").context("opening tree meta")?;
    let Some(raw) = meta.get(SCHEMA_KEY).context("reading the schema version")? else {
        return Ok(None);
    };
    let bytes: [u8; 4] = raw
        .as_ref()
        .try_into()
        .context("the stored schema version is malformed")?;
    Ok(Some(u32::from_be_bytes(bytes)))
}

pub fn set_schema_version(db: &sled::Db, version: u32) -> anyhow::Result<()> {
    let meta = db.open_tree("meta").context("opening tree meta")?;
    meta.insert(SCHEMA_KEY, &version.to_be_bytes())
        .context("writing the schema version")?;
    Ok(())
}

/// A setup link's token, stored only as its SHA-256.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetupToken {
    pub hash: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

pub struct Meta<'a> {
    pub(super) tree: &'a sled::Tree,
}

impl Meta<'_> {
    /// The 32-byte key later used to sign sessions and links; made once, on first start.
    pub fn ensure_instance_secret(&self) -> anyhow::Result<()> {
        let mut secret = [0u8; 32];
        rand::rng().fill_bytes(&mut secret);
        // compare_and_swap from None: never replaces an existing secret.
        let _ = self
            .tree
            .compare_and_swap(SECRET_KEY, None as Option<&[u8]>, Some(&secret[..]))
            .context("storing the instance secret")?;
        Ok(())
    }

    pub fn instance_secret(&self) -> anyhow::Result<Vec<u8>> {
        self.tree
            .get(SECRET_KEY)
            .context("reading the instance secret")?
            .map(|v| v.to_vec())
            .context("the instance secret is missing")
    }

    /// Replaces any earlier setup token (only the newest printed link works).
    pub fn put_setup_token(&self, token: &SetupToken) -> anyhow::Result<()> {
        self.tree
            .insert(SETUP_KEY, codec::encode(token)?)
            .context("storing the setup token")?;
        Ok(())
    }

    pub fn setup_token(&self) -> anyhow::Result<Option<SetupToken>> {
        self.tree
            .get(SETUP_KEY)
            .context("reading the setup token")?
            .map(|v| codec::decode(&v))
            .transpose()
    }

    pub fn clear_setup_token(&self) -> anyhow::Result<()> {
        self.tree
            .remove(SETUP_KEY)
            .context("removing the setup token")?;
        Ok(())
    }
}
