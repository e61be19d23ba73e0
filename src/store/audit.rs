//! The append-only audit log: (workspace, time, sequence) → entry. Nothing here deletes.

use super::{Store, keys, typed};
use crate::domain::{AuditEntry, Id};
use anyhow::Context;

pub struct Audit<'a> {
    pub(super) store: &'a Store,
}

impl Audit<'_> {
    pub fn append(&self, ws: &Id, entry: &AuditEntry) -> anyhow::Result<()> {
        let seq = self
            .store
            .db
            .generate_id()
            .context("numbering an audit entry")?;
        typed::put(&self.store.audit, &keys::audit(ws, entry.at, seq), entry)
    }

    /// Newest first, at most `limit`, starting after the cursor (an opaque key suffix).
    pub fn page(
        &self,
        ws: &Id,
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
