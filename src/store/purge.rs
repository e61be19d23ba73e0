//! Deleting a workspace: the record goes at once (so every route answers 404) into a
//! tombstone (`purge_queue`: workspace → purge time in ms, then the record) that the operator
//! can undo until the purge time; then housekeeping purges everything in chunks, each chunk
//! idempotent, so a kill in the middle resumes where it stopped.
use crate::store::kv;

use super::counters;
use super::page::{self, Order, PageRequest};
use super::{PersonRef, Store, keys, typed};
use crate::domain::{Id, User, Workspace};
use anyhow::Context;
use kv::Transactional;
use kv::transaction::ConflictableTransactionError;
use time::OffsetDateTime;

fn remove_all(tree: &kv::Tree, keys: &[kv::IVec]) -> anyhow::Result<()> {
    let mut batch = kv::Batch::default();
    for key in keys {
        batch.remove(key);
    }
    tree.apply_batch(batch).context("purging a workspace")
}

/// A deleted workspace as its tombstone tells it.
#[derive(Debug, Clone, PartialEq)]
pub struct Deleted {
    pub id: Id<Workspace>,
    /// None for tombstones written before the grace period existed: purged at once.
    pub purge_at: Option<OffsetDateTime>,
    pub workspace: Option<Workspace>,
}

impl Deleted {
    fn read(id: Id<Workspace>, stone: &[u8]) -> Self {
        let purge_at = stone
            .get(..8)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map(|b| i128::from(u64::from_be_bytes(b)))
            .and_then(|ms| OffsetDateTime::from_unix_timestamp_nanos(ms * 1_000_000).ok());
        let workspace = stone.get(8..).and_then(|r| super::codec::decode(r).ok());
        Self {
            id,
            purge_at,
            workspace,
        }
    }
}

/// What `undelete` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undeleted {
    Restored,
    NotDeleted,
    /// Its purge time has come: it may be partly gone already.
    PurgeStarted,
}

pub struct Purge<'a> {
    pub(super) store: &'a Store,
}

/// What one purge step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PurgeStep {
    /// Removed this many records; more may remain.
    Removed(usize),
    /// Nothing of the workspace is left; its tombstone is gone too.
    Done,
}

impl Purge<'_> {
    /// Moves the workspace record into a tombstone purged from `purge_at` on, in one
    /// transaction. False when there was no such workspace.
    pub fn delete_workspace(
        &self,
        ws: &Id<Workspace>,
        purge_at: OffsetDateTime,
    ) -> anyhow::Result<bool> {
        let s = self.store;
        (&s.workspaces, &s.purge_queue)
            .transaction(|(w, q)| {
                let Some(record) = w.remove(&keys::id(ws))? else {
                    return Ok(false);
                };
                let stone = [keys::millis(purge_at).to_be_bytes().as_slice(), &record].concat();
                q.insert(&keys::id(ws), stone)?;
                Ok::<_, ConflictableTransactionError<()>>(true)
            })
            .map_err(typed::txn)
    }

    /// Deleted workspaces, whether or not their purge time has come.
    pub fn deleted(&self) -> anyhow::Result<Vec<Deleted>> {
        let mut out = Vec::new();
        let mut req = PageRequest::first(500);
        loop {
            let raw = page::scan(&self.store.purge_queue, &[], &req, Order::Ascending)?;
            for (k, v) in &raw.items {
                if let Some(id) = keys::id_at(k, 0) {
                    out.push(Deleted::read(id, v));
                }
            }
            match raw.next {
                Some(n) => req.cursor = Some(n),
                None => return Ok(out),
            }
        }
    }

    /// Workspaces whose purge time has come.
    pub fn pending(&self, now: OffsetDateTime) -> anyhow::Result<Vec<Id<Workspace>>> {
        Ok(self
            .deleted()?
            .into_iter()
            .filter(|d| d.purge_at.is_none_or(|at| at <= now))
            .map(|d| d.id)
            .collect())
    }

    /// Puts a deleted workspace back as it was, before its purge time. Everything else of it
    /// was never touched: the purge only starts at that time.
    pub fn undelete(&self, ws: &Id<Workspace>, now: OffsetDateTime) -> anyhow::Result<Undeleted> {
        let s = self.store;
        (&s.workspaces, &s.purge_queue)
            .transaction(|(w, q)| {
                let Some(stone) = q.get(keys::id(ws))? else {
                    return Ok::<_, ConflictableTransactionError<()>>(Undeleted::NotDeleted);
                };
                let d = Deleted::read(*ws, &stone);
                match (d.purge_at, stone.get(8..)) {
                    (Some(at), Some(record)) if at > now && !record.is_empty() => {
                        w.insert(&keys::id(ws), record)?;
                        q.remove(&keys::id(ws))?;
                        Ok(Undeleted::Restored)
                    }
                    _ => Ok(Undeleted::PurgeStarted),
                }
            })
            .map_err(typed::txn)
    }

    /// Removes up to `chunk` records of `ws`, one kind at a time.
    pub fn step(&self, ws: &Id<Workspace>, chunk: usize) -> anyhow::Result<PurgeStep> {
        let s = self.store;
        let prefix = ws.as_bytes();

        // The keys of the workspace's customers and reviewers first: everything sealed with
        // them is unreadable from here on, whatever the rest of the purge still has to do.
        for kind in PersonRef::WORKSPACE_KINDS {
            let keys = page::keys(
                &s.person_keys,
                &[&[kind], prefix.as_slice()].concat(),
                chunk,
            )?;
            if !keys.is_empty() {
                remove_all(&s.person_keys, &keys)?;
                return Ok(PurgeStep::Removed(keys.len()));
            }
        }

        // A campaign's recipients are keyed by the campaign: they go before it does.
        if let Some(campaign) = page::keys(&s.campaigns, prefix, 1)?.first() {
            let recipients = page::keys(&s.recipients, &campaign[16..], chunk)?;
            if recipients.is_empty() {
                s.campaigns.remove(campaign).context("purging a campaign")?;
                return Ok(PurgeStep::Removed(1));
            }
            remove_all(&s.recipients, &recipients)?;
            return Ok(PurgeStep::Removed(recipients.len()));
        }

        let members = page::keys(&s.members, prefix, chunk)?;
        if !members.is_empty() {
            (&s.members, &s.members_by_user)
                .transaction(|(m, mu)| {
                    for key in &members {
                        m.remove(key)?;
                        if let Some(user) = keys::id_at::<User>(key, 16) {
                            mu.remove(&keys::pair(&user, ws))?;
                        }
                    }
                    Ok::<_, ConflictableTransactionError<()>>(())
                })
                .map_err(typed::txn)?;
            return Ok(PurgeStep::Removed(members.len()));
        }

        let invitations = page::keys(&s.invitations, prefix, chunk)?;
        if !invitations.is_empty() {
            let mut hashes = Vec::new();
            for key in &invitations {
                if let Some(inv) = typed::get::<crate::domain::Invitation>(&s.invitations, key)? {
                    hashes.push(inv.token_hash);
                }
            }
            (&s.invitations, &s.tokens)
                .transaction(|(i, t)| {
                    for key in &invitations {
                        i.remove(key)?;
                    }
                    for hash in &hashes {
                        t.remove(hash.as_bytes())?;
                    }
                    Ok::<_, ConflictableTransactionError<()>>(())
                })
                .map_err(typed::txn)?;
            return Ok(PurgeStep::Removed(invitations.len()));
        }

        let api_keys = page::keys(&s.api_keys_by_workspace, prefix, chunk)?;
        if !api_keys.is_empty() {
            (&s.api_keys, &s.api_keys_by_workspace)
                .transaction(|(k, kw)| {
                    for key in &api_keys {
                        kw.remove(key)?;
                        if let Some(id) = keys::id_at::<crate::domain::ApiKey>(key, 16) {
                            k.remove(&keys::id(&id))?;
                        }
                    }
                    Ok::<_, ConflictableTransactionError<()>>(())
                })
                .map_err(typed::txn)?;
            return Ok(PurgeStep::Removed(api_keys.len()));
        }

        // Trees whose records belong to the workspace alone: plain chunked removal.
        for name in super::trees::of_scope(super::trees::Scope::Workspace) {
            let tree = s.db.open_tree(name).context("opening a tree to purge")?;
            let tree = &tree;
            let keys = page::keys(tree, prefix, chunk)?;
            if !keys.is_empty() {
                remove_all(tree, &keys)?;
                return Ok(PurgeStep::Removed(keys.len()));
            }
        }

        let mut batch = kv::Batch::default();
        for c in counters::ALL {
            batch.remove(&counters::key(ws, c));
        }
        s.counters.apply_batch(batch).context("purging counters")?;
        s.purge_queue
            .remove(keys::id(ws))
            .context("removing a tombstone")?;
        Ok(PurgeStep::Done)
    }

    /// Whether any record of `ws` is left in any workspace-keyed tree (for tests).
    pub fn leftovers(&self, ws: &Id<Workspace>) -> anyhow::Result<usize> {
        let s = self.store;
        let mut n = 0;
        let (workspace, linked) = (
            super::trees::of_scope(super::trees::Scope::Workspace),
            super::trees::of_scope(super::trees::Scope::WorkspaceLinked),
        );
        // Keyed by the workspace first (the workspace record itself by its id alone).
        for name in workspace.chain(linked) {
            let tree = s.db.open_tree(name).context("opening a tree")?;
            n += page::keys(&tree, ws.as_bytes(), usize::MAX)?.len();
        }
        for kind in PersonRef::WORKSPACE_KINDS {
            let prefix = [&[kind], ws.as_bytes().as_slice()].concat();
            n += page::keys(&s.person_keys, &prefix, usize::MAX)?.len();
        }
        n += usize::from(s.purge_queue.contains_key(keys::id(ws))?);
        Ok(n)
    }
}
