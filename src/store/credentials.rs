//! Sessions, single-use link tokens and API keys.
use crate::store::kv;

use super::counters::{self, Counter};
use super::page::{self, Order, Page, PageRequest};
use super::{Store, audit, codec, keys, typed};
use crate::domain::{ApiKey, AuditEntry, Id, LinkToken, OAuthState, Session, User, Workspace};
use anyhow::Context;
use kv::Transactional;
use kv::transaction::{ConflictableTransactionError, TransactionError};
use time::OffsetDateTime;

pub struct Access<'a> {
    pub(super) store: &'a Store,
}

impl Access<'_> {
    pub fn put_session(&self, session: &Session) -> anyhow::Result<()> {
        typed::put(&self.store.sessions, &keys::id(&session.id), session)
    }

    pub fn session(&self, id: &Id<Session>) -> anyhow::Result<Option<Session>> {
        typed::get(&self.store.sessions, &keys::id(id))
    }

    pub fn revoke_session(&self, id: &Id<Session>) -> anyhow::Result<()> {
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

    /// Stores a new key with its audit entry, or (without one) notes the last use of a key that
    /// still exists.
    pub fn put_api_key(&self, key: &ApiKey, entry: Option<&AuditEntry>) -> anyhow::Result<()> {
        let s = self.store;
        let value = codec::encode(key)?;
        let seq = audit::next_seq(s)?;
        (&s.api_keys, &s.api_keys_by_workspace, &s.counters, &s.audit)
            .transaction(|(k, kw, c, a)| {
                let existed = k.get(keys::id(&key.id))?.is_some();
                if entry.is_none() && !existed {
                    return Ok(()); // noting a use never brings a revoked key back
                }
                k.insert(&keys::id(&key.id), value.clone())?;
                if !existed {
                    counters::add_tx(c, &key.workspace, Counter::ApiKeys, 1)?;
                    kw.insert(&keys::pair(&key.workspace, &key.id), &[])?;
                }
                if let Some(entry) = entry {
                    audit::append_tx(a, &key.workspace, entry, seq)?;
                }
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .map_err(typed::txn)
    }

    pub fn api_key(&self, id: &Id<ApiKey>) -> anyhow::Result<Option<ApiKey>> {
        typed::get(&self.store.api_keys, &keys::id(id))
    }

    /// One page of the keys of `ws`, oldest first.
    pub fn api_keys(&self, ws: &Id<Workspace>, req: &PageRequest) -> anyhow::Result<Page<ApiKey>> {
        let raw = page::scan(
            &self.store.api_keys_by_workspace,
            ws.as_bytes(),
            req,
            Order::Ascending,
        )?;
        let mut items = Vec::with_capacity(raw.items.len());
        for (k, _) in &raw.items {
            if let Some(key) = keys::id_at(k, 16).map(|id| self.api_key(&id)).transpose()? {
                items.extend(key);
            }
        }
        Ok(Page {
            items,
            next: raw.next,
        })
    }

    pub fn delete_api_key(&self, key: &ApiKey, entry: &AuditEntry) -> anyhow::Result<()> {
        let s = self.store;
        let seq = audit::next_seq(s)?;
        (&s.api_keys, &s.api_keys_by_workspace, &s.counters, &s.audit)
            .transaction(|(k, kw, c, a)| {
                if k.remove(&keys::id(&key.id))?.is_some() {
                    counters::add_tx(c, &key.workspace, Counter::ApiKeys, -1)?;
                }
                kw.remove(&keys::pair(&key.workspace, &key.id))?;
                audit::append_tx(a, &key.workspace, entry, seq)?;
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .map_err(|e: TransactionError<()>| typed::txn(e))
    }
}

/// How many records one expiry sweep looks at per tree and call.
const SWEEP_CHUNK: usize = 1000;

impl Access<'_> {
    /// Removes expired sessions, single-use links and sign-in states, a chunk at a time with no
    /// iterator alive while removing; returns how many went.
    pub fn purge_expired(&self, now: OffsetDateTime) -> anyhow::Result<usize> {
        let s = self.store;
        let mut removed = 0;
        removed += sweep::<Session>(&s.sessions, |x| x.expires_at <= now)?;
        removed += sweep::<LinkToken>(&s.tokens, |x| x.expires_at <= now)?;
        removed += sweep::<OAuthState>(&s.oauth_states, |x| x.expires_at <= now)?;
        Ok(removed)
    }

    /// Removes every session of `user` (their account is deleted: the addresses they signed
    /// in from go with them); returns how many went.
    pub fn remove_sessions_of(&self, user: &Id<User>) -> anyhow::Result<usize> {
        sweep::<Session>(&self.store.sessions, |x| x.user == *user)
    }
}

/// Walks `tree` in chunks, removing the values `expired` says so of.
fn sweep<T: serde::de::DeserializeOwned>(
    tree: &kv::Tree,
    expired: impl Fn(&T) -> bool,
) -> anyhow::Result<usize> {
    let mut removed = 0;
    let mut after: Option<kv::IVec> = None;
    loop {
        let mut chunk = Vec::with_capacity(SWEEP_CHUNK);
        {
            let iter = match &after {
                Some(k) => tree.range::<&[u8], _>((
                    std::ops::Bound::Excluded(k.as_ref()),
                    std::ops::Bound::Unbounded,
                )),
                None => tree.iter(),
            };
            for entry in iter.take(SWEEP_CHUNK) {
                chunk.push(entry.context("sweeping expired records")?);
            }
        }
        let Some((last, _)) = chunk.last() else {
            return Ok(removed);
        };
        after = Some(last.clone());
        let mut batch = kv::Batch::default();
        for (k, v) in &chunk {
            // A value that no longer decodes is kept: never delete what we cannot judge.
            if codec::decode::<T>(v).is_ok_and(|x| expired(&x)) {
                batch.remove(k);
                removed += 1;
            }
        }
        tree.apply_batch(batch)
            .context("removing expired records")?;
    }
}
