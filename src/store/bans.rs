//! Bans kept across restarts: client key → ban.

use super::{Store, codec, typed};
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ban {
    pub client: IpAddr,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub until: OffsetDateTime,
    pub reason: String,
}

pub struct Bans<'a> {
    pub(super) store: &'a Store,
}

impl Bans<'_> {
    pub fn put(&self, ban: &Ban) -> anyhow::Result<()> {
        typed::put(&self.store.bans, ban.client.to_string().as_bytes(), ban)
    }

    pub fn remove(&self, client: IpAddr) -> anyhow::Result<()> {
        self.store
            .bans
            .remove(client.to_string().as_bytes())
            .context("lifting a ban")?;
        Ok(())
    }

    pub fn all(&self) -> anyhow::Result<Vec<Ban>> {
        let mut raw = Vec::new();
        for value in self.store.bans.iter().values() {
            raw.push(value.context("reading bans")?);
        }
        raw.iter().map(|v| codec::decode(v)).collect()
    }
}
