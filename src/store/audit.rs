//! The append-only audit log: (workspace, time, sequence) → entry. Nothing here deletes; a
//! deleted user's address and network addresses are blanked (`forget_actor`).
use crate::store::kv;

use super::{Store, codec, keys, typed};
use crate::domain::{AuditEntry, Id, Workspace};
use anyhow::Context;
use kv::transaction::{TransactionalTree, UnabortableTransactionError};

/// A sequence number for an entry written inside a transaction (taken before it starts).
pub(super) fn next_seq(store: &Store) -> anyhow::Result<u64> {
    store.db.generate_id().context("numbering an audit entry")
}

/// Appends inside a transaction, so an action and its audit entry are stored together.
pub(super) fn append_tx(
    t: &TransactionalTree,
    ws: &Id<Workspace>,
    entry: &AuditEntry,
    seq: u64,
) -> Result<(), UnabortableTransactionError> {
    // Encoding a plain struct of strings cannot fail; an empty value would decode as an error.
    let value = codec::encode(entry).unwrap_or_default();
    t.insert(&keys::audit(ws, entry.at, seq), value)?;
    Ok(())
}

pub struct Audit<'a> {
    pub(super) store: &'a Store,
}

impl Audit<'_> {
    pub fn append(&self, ws: &Id<Workspace>, entry: &AuditEntry) -> anyhow::Result<()> {
        let seq = next_seq(self.store)?;
        typed::put(&self.store.audit, &keys::audit(ws, entry.at, seq), entry)
    }

    /// Blanks what the log says about a deleted user in every workspace: their address as
    /// actor and in targets, and the network addresses of their actions. The entries stay
    /// (what was done, and when). Returns how many changed.
    pub fn forget_actor(&self, actor: &str, email: &str) -> anyhow::Result<usize> {
        let mut changed = 0;
        super::page::rewrite_all(&self.store.audit, |v| {
            let mut e: AuditEntry = codec::decode(v)?;
            let mine = e.actor == actor;
            let named = !email.is_empty() && e.target.contains(email);
            if !mine && !named {
                return Ok(None);
            }
            if mine {
                e.actor_label = "a deleted user".into();
                e.ip.clear();
            }
            e.target = e.target.replace(email, "a deleted user");
            changed += 1;
            Ok(Some(Some(codec::encode(&e)?)))
        })?;
        Ok(changed)
    }

    /// Newest first, at most `limit`, starting after the cursor (an opaque key suffix).
    pub fn page(
        &self,
        ws: &Id<Workspace>,
        before: Option<&[u8]>,
        limit: usize,
    ) -> anyhow::Result<(Vec<AuditEntry>, Option<Vec<u8>>)> {
        let start = ws.as_bytes().to_vec();
        let end = match before {
            Some(suffix) => [ws.as_bytes().as_slice(), suffix].concat(),
            None => {
                let mut e = ws.as_bytes().to_vec();
                e.extend_from_slice(&[0xff; 16]);
                e
            }
        };
        let mut items = Vec::new();
        let mut last_key = None;
        for entry in self.store.audit.range(start..end).rev().take(limit + 1) {
            let (k, v) = entry.context("reading the audit log")?;
            if items.len() == limit {
                // More exist: the next page ends (exclusively) at the last entry returned.
                return Ok((items, last_key));
            }
            items.push(super::codec::decode(&v)?);
            last_key = Some(k[16..].to_vec());
        }
        Ok((items, None))
    }
}
