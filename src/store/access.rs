//! Sessions, single-use link tokens and API keys.

use super::{Store, codec, keys, typed};
use crate::domain::{ApiKey, Id, LinkToken, OAuthState, Session};
use anyhow::Context;
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};
use time::OffsetDateTime;

pub struct Access<'a> {
    pub(super) store: &'a Store,
}

impl Access<'_> {
    pub fn put_session(&self, session: &Session) -> anyhow::Result<()> {
        typed::put(&self.store.sessions, &keys::id(&session.id), session)
    }

    pub fn session(&self, id: &Id) -> anyhow::Result<Option<Session>> {
        typed::get(&self.store.sessions, &keys::id(id))
    }

    pub fn revoke_session(&self, id: &Id) -> anyhow::Result<()> {
        if let Some(mut s) = self.session(id)? {
            s.revoked = true;
            self.put_session(&s)?;
        }
        Ok(())
    }

    /// Stores a link token under the hash of its secret.
    pub fn put_link(&self, hash: &str, link: &LinkToken) -> anyhow::Result<()> {
        typed::put(&self.store.tokens, hash.as_bytes(), link)
    }

    /// Reads a link without using it up (to show a form behind it).
    pub fn peek_link(&self, hash: &str, now: OffsetDateTime) -> anyhow::Result<Option<LinkToken>> {
        Ok(
            typed::get::<LinkToken>(&self.store.tokens, hash.as_bytes())?
                .filter(|l| l.expires_at > now),
        )
    }

    /// Uses a link up: removes it and returns it when it existed and had not expired.
    pub fn take_link(&self, hash: &str, now: OffsetDateTime) -> anyhow::Result<Option<LinkToken>> {
        let old = self
            .store
            .tokens
            .remove(hash.as_bytes())
            .context("using a link")?;
        Ok(old
            .map(|v| codec::decode::<LinkToken>(&v))
            .transpose()?
            .filter(|l| l.expires_at > now))
    }

    pub fn put_oauth_state(&self, hash: &str, state: &OAuthState) -> anyhow::Result<()> {
        typed::put(&self.store.oauth_states, hash.as_bytes(), state)
    }

    /// Uses a sign-in state up: a replayed `state` finds nothing.
    pub fn take_oauth_state(
        &self,
        hash: &str,
        now: OffsetDateTime,
    ) -> anyhow::Result<Option<OAuthState>> {
        let old = self
            .store
            .oauth_states
            .remove(hash.as_bytes())
            .context("using a sign-in state")?;
        Ok(old
            .map(|v| codec::decode::<OAuthState>(&v))
            .transpose()?
            .filter(|s| s.expires_at > now))
    }

    pub fn put_api_key(&self, key: &ApiKey) -> anyhow::Result<()> {
        let s = self.store;
        let value = codec::encode(key)?;
        (&s.api_keys, &s.api_keys_by_workspace)
            .transaction(|(k, kw)| {
                k.insert(&keys::id(&key.id), value.clone())?;
                kw.insert(&keys::pair(&key.workspace, &key.id), &[])?;
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .map_err(typed::txn)
    }

    pub fn api_key(&self, id: &Id) -> anyhow::Result<Option<ApiKey>> {
        typed::get(&self.store.api_keys, &keys::id(id))
    }

    pub fn api_keys(&self, ws: &Id) -> anyhow::Result<Vec<ApiKey>> {
        typed::scan_keys(&self.store.api_keys_by_workspace, ws.as_bytes())?
            .iter()
            .filter_map(|k| keys::id_at(k, 0))
            .filter_map(|id| self.api_key(&id).transpose())
            .collect()
    }

    pub fn delete_api_key(&self, key: &ApiKey) -> anyhow::Result<()> {
        let s = self.store;
        (&s.api_keys, &s.api_keys_by_workspace)
            .transaction(|(k, kw)| {
                k.remove(&keys::id(&key.id))?;
                kw.remove(&keys::pair(&key.workspace, &key.id))?;
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .map_err(|e: TransactionError<()>| typed::txn(e))
    }
}
