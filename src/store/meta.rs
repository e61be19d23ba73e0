//! Instance-wide facts: schema version, instance secrets, the one-time setup token.
use crate::store::kv;

use super::{codec, typed};
use anyhow::Context;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub const SCHEMA_KEY: &[u8] = b"schema_version";
const SECRET_KEY: &[u8] = b"instance_secret";
const RELAY_KEY: &[u8] = b"relay_health";
pub(super) const SETUP_KEY: &[u8] = b"setup_token";
const LINK_KEY_PREFIX: &[u8] = b"link_key:";
const LINK_CURRENT: &[u8] = b"link_key_current";
/// Present from a restore into a database server until its erasure journal was replayed.
const REPLAY_KEY: &[u8] = b"restore_replay_pending";

/// Keys in `meta` that are secrets: the instance secret and the link-signing keys.
pub fn is_secret(key: &[u8]) -> bool {
    key == SECRET_KEY || key.starts_with(LINK_KEY_PREFIX)
}

/// The key of the instance secret in `meta`.
pub fn is_instance_secret(key: &[u8]) -> bool {
    key == SECRET_KEY
}

/// Reads the instance secret of a store on disk (not opened as a `Store`).
pub fn instance_secret_of(db: &kv::Db) -> anyhow::Result<Option<Vec<u8>>> {
    let meta = db.open_tree("meta").context("opening tree meta")?;
    Ok(meta.get(SECRET_KEY)?.map(|v| v.to_vec()))
}

/// Puts `secret` in place as a store's instance secret (a restore of a backup made without it).
pub fn set_instance_secret(db: &kv::Db, secret: &[u8]) -> anyhow::Result<()> {
    let meta = db.open_tree("meta").context("opening tree meta")?;
    meta.insert(SECRET_KEY, secret)
        .context("storing the instance secret")?;
    Ok(())
}

/// Marks a restored store whose erasure journal is still to be replayed (a restore into a
/// database server, where no file in one data folder could say so to every instance).
pub fn mark_replay_pending(db: &kv::Db) -> anyhow::Result<()> {
    let meta = db.open_tree("meta").context("opening tree meta")?;
    meta.insert(REPLAY_KEY, &[][..])
        .context("marking the erasure journal to replay")?;
    Ok(())
}

pub fn schema_version(db: &kv::Db) -> anyhow::Result<Option<u32>> {
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

pub fn set_schema_version(db: &kv::Db, version: u32) -> anyhow::Result<()> {
    let meta = db.open_tree("meta").context("opening tree meta")?;
    meta.insert(SCHEMA_KEY, &version.to_be_bytes())
        .context("writing the schema version")?;
    Ok(())
}

/// A setup link's token, stored only as its SHA-256.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetupToken {
    pub hash: String,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub expires_at: OffsetDateTime,
}

pub struct Meta<'a> {
    pub(super) tree: &'a kv::Tree,
}

impl Meta<'_> {
    /// Whether a restore's erasure journal is still to be replayed (`mark_replay_pending`).
    pub fn replay_pending(&self) -> anyhow::Result<bool> {
        Ok(self.tree.contains_key(REPLAY_KEY)?)
    }

    pub fn clear_replay_pending(&self) -> anyhow::Result<()> {
        self.tree
            .remove(REPLAY_KEY)
            .context("clearing the replay mark")?;
        Ok(())
    }

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

    /// How the mail relay answered lately (default: nothing known yet).
    pub fn relay_health(&self) -> anyhow::Result<crate::domain::RelayHealth> {
        Ok(typed::get(self.tree, RELAY_KEY)?.unwrap_or_default())
    }

    /// Changes the relay's record in one step (several senders run at once).
    pub fn update_relay_health(
        &self,
        change: impl Fn(&mut crate::domain::RelayHealth),
    ) -> anyhow::Result<()> {
        let missing = self.tree.get(RELAY_KEY)?.is_none();
        if missing {
            // typed::update changes stored values only: store the default first.
            let _ = self.tree.compare_and_swap(
                RELAY_KEY,
                None as Option<&[u8]>,
                Some(codec::encode(&crate::domain::RelayHealth::default())?),
            )?;
        }
        typed::update(
            self.tree,
            RELAY_KEY,
            |h: &mut crate::domain::RelayHealth| {
                change(h);
                true
            },
        )?;
        Ok(())
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

    /// The key that signs new campaign links, made on first use: (key id, key).
    pub fn current_link_key(&self) -> anyhow::Result<(u8, [u8; 32])> {
        let kid = match self
            .tree
            .get(LINK_CURRENT)
            .context("reading the link key id")?
        {
            Some(v) if !v.is_empty() => v[0],
            _ => {
                self.new_link_key(1)?;
                1
            }
        };
        let key = self
            .link_key(kid)?
            .context("the current link key is missing")?;
        Ok((kid, key))
    }

    /// A link key by id; old keys stay so that links in old emails keep working.
    pub fn link_key(&self, kid: u8) -> anyhow::Result<Option<[u8; 32]>> {
        let v = self
            .tree
            .get([LINK_KEY_PREFIX, &[kid]].concat())
            .context("reading a link key")?;
        Ok(v.and_then(|v| <[u8; 32]>::try_from(&v[..]).ok()))
    }

    /// Makes a fresh key the one that signs new links; returns its id.
    pub fn rotate_link_key(&self) -> anyhow::Result<u8> {
        let (kid, _) = self.current_link_key()?;
        let next = kid.checked_add(1).context("255 link keys made already")?;
        self.new_link_key(next)?;
        Ok(next)
    }

    fn new_link_key(&self, kid: u8) -> anyhow::Result<()> {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        let _ = self
            .tree
            .compare_and_swap(
                [LINK_KEY_PREFIX, &[kid]].concat(),
                None as Option<&[u8]>,
                Some(&key[..]),
            )
            .context("storing a link key")?;
        self.tree
            .insert(LINK_CURRENT, &[kid])
            .context("storing the link key id")?;
        Ok(())
    }
}
