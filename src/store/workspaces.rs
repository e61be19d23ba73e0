//! Workspaces and their members (indexed both ways), with member and owner counters kept in
//! the same transactions, so the last-owner rule and plan limits hold under concurrency.
use crate::store::kv;

use super::counters::{self, Counter};
use super::page::{self, Order, Page, PageRequest};
use super::{Store, audit, codec, keys, typed};
use crate::domain::{AuditEntry, Id, Role, User, Workspace};
use anyhow::Context;
use kv::Transactional;
use kv::transaction::{ConflictableTransactionError, TransactionError};

pub struct Workspaces<'a> {
    pub(super) store: &'a Store,
}

/// Why a guarded write did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    NotFound,
    /// It would leave the workspace without an owner.
    LastOwner,
    /// A plan limit: the counter already holds `limit`.
    OverLimit {
        limit: u64,
    },
    AlreadyMember,
    AlreadyInvited,
}

/// The counters of one workspace.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub members: u64,
    pub owners: u64,
    pub invitations: u64,
    pub active_locations: u64,
    pub api_keys: u64,
}

pub(super) fn role_bytes(role: Role) -> [u8; 1] {
    [match role {
        Role::Viewer => 1,
        Role::Manager => 2,
        Role::Owner => 3,
    }]
}

pub(super) fn role_from(bytes: &[u8]) -> Option<Role> {
    match bytes {
        [1] => Some(Role::Viewer),
        [2] => Some(Role::Manager),
        [3] => Some(Role::Owner),
        _ => None,
    }
}

/// Turns a transaction's outcome into the two tiers: refusals for the caller, failures for logs.
pub(super) fn settle<T>(
    result: Result<T, TransactionError<Refused>>,
    what: &'static str,
) -> anyhow::Result<Result<T, Refused>> {
    match result {
        Ok(v) => Ok(Ok(v)),
        Err(TransactionError::Abort(r)) => Ok(Err(r)),
        Err(TransactionError::Storage(e)) => Err(e).context(what),
    }
}

pub(super) fn refuse<T>(r: Refused) -> Result<T, ConflictableTransactionError<Refused>> {
    Err(ConflictableTransactionError::Abort(r))
}

fn counts_tx(
    c: &kv::transaction::TransactionalTree,
    ws: &Id<Workspace>,
) -> Result<Counts, kv::transaction::UnabortableTransactionError> {
    Ok(Counts {
        members: counters::get_tx(c, ws, Counter::Members)?,
        owners: counters::get_tx(c, ws, Counter::Owners)?,
        invitations: counters::get_tx(c, ws, Counter::Invitations)?,
        active_locations: counters::get_tx(c, ws, Counter::ActiveLocations)?,
        api_keys: counters::get_tx(c, ws, Counter::ApiKeys)?,
    })
}

fn owner_delta(old: Option<Role>, new: Option<Role>) -> i64 {
    i64::from(new == Some(Role::Owner)) - i64::from(old == Some(Role::Owner))
}

impl Workspaces<'_> {
    /// Stores a new workspace with its first owner.
    pub fn create(&self, ws: &Workspace, owner: &Id<User>) -> anyhow::Result<()> {
        let s = self.store;
        let value = codec::encode(ws)?;
        (&s.workspaces, &s.members, &s.members_by_user, &s.counters)
            .transaction(|(w, m, mu, c)| {
                w.insert(&keys::id(&ws.id), value.clone())?;
                m.insert(&keys::pair(&ws.id, owner), &role_bytes(Role::Owner))?;
                mu.insert(&keys::pair(owner, &ws.id), &role_bytes(Role::Owner))?;
                counters::add_tx(c, &ws.id, Counter::Members, 1)?;
                counters::add_tx(c, &ws.id, Counter::Owners, 1)?;
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .map_err(typed::txn)
    }

    pub fn get(&self, id: &Id<Workspace>) -> anyhow::Result<Option<Workspace>> {
        typed::get(&self.store.workspaces, &keys::id(id))
    }

    /// Changes a workspace in one transaction with its audit entry; `change` sees the counters
    /// as they are at commit, so a plan change cannot race a new member or location.
    pub fn update(
        &self,
        id: &Id<Workspace>,
        change: impl Fn(&mut Workspace, &Counts) -> Result<Option<AuditEntry>, Refused>,
    ) -> anyhow::Result<Result<Workspace, Refused>> {
        let s = self.store;
        let seq = audit::next_seq(s)?;
        let result = (&s.workspaces, &s.counters, &s.audit).transaction(|(w, c, a)| {
            let raw = match w.get(keys::id(id))? {
                Some(raw) => raw,
                None => return refuse(Refused::NotFound),
            };
            let mut ws: Workspace = codec::decode(&raw)
                .map_err(|_| ConflictableTransactionError::Abort(Refused::NotFound))?;
            let counts = counts_tx(c, id)?;
            let entry = change(&mut ws, &counts).map_err(ConflictableTransactionError::Abort)?;
            let value = codec::encode(&ws)
                .map_err(|_| ConflictableTransactionError::Abort(Refused::NotFound))?;
            w.insert(&keys::id(id), value)?;
            if let Some(entry) = &entry {
                audit::append_tx(a, id, entry, seq)?;
            }
            Ok(ws)
        });
        settle(result, "updating a workspace")
    }

    /// Every workspace, one page at a time (for instance admins).
    pub fn page_all(&self, req: &PageRequest) -> anyhow::Result<Page<Workspace>> {
        page::records(&self.store.workspaces, &[], req, Order::Ascending)
    }

    pub fn role(&self, ws: &Id<Workspace>, user: &Id<User>) -> anyhow::Result<Option<Role>> {
        Ok(self
            .store
            .members
            .get(keys::pair(ws, user))
            .context("reading a membership")?
            .and_then(|v| role_from(&v)))
    }

    pub fn counts(&self, ws: &Id<Workspace>) -> anyhow::Result<Counts> {
        let t = &self.store.counters;
        Ok(Counts {
            members: counters::get(t, ws, Counter::Members)?,
            owners: counters::get(t, ws, Counter::Owners)?,
            invitations: counters::get(t, ws, Counter::Invitations)?,
            active_locations: counters::get(t, ws, Counter::ActiveLocations)?,
            api_keys: counters::get(t, ws, Counter::ApiKeys)?,
        })
    }

    /// Adds `user` with `role`, or changes their role when it only goes up (fixtures, imports).
    pub fn add_member(
        &self,
        ws: &Id<Workspace>,
        user: &Id<User>,
        role: Role,
    ) -> anyhow::Result<()> {
        let s = self.store;
        (&s.members, &s.members_by_user, &s.counters)
            .transaction(|(m, mu, c)| {
                let current = m.get(keys::pair(ws, user))?.and_then(|v| role_from(&v));
                let role = current.map_or(role, |r| r.max(role));
                m.insert(&keys::pair(ws, user), &role_bytes(role))?;
                mu.insert(&keys::pair(user, ws), &role_bytes(role))?;
                if current.is_none() {
                    counters::add_tx(c, ws, Counter::Members, 1)?;
                }
                counters::add_tx(c, ws, Counter::Owners, owner_delta(current, Some(role)))?;
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .map_err(typed::txn)
    }

    /// Gives `user` a new role; refused when it would demote the last owner.
    pub fn set_role(
        &self,
        ws: &Id<Workspace>,
        user: &Id<User>,
        role: Role,
        entry: impl Fn(Role) -> AuditEntry,
    ) -> anyhow::Result<Result<Role, Refused>> {
        let s = self.store;
        let seq = audit::next_seq(s)?;
        let result =
            (&s.members, &s.members_by_user, &s.counters, &s.audit).transaction(|(m, mu, c, a)| {
                let current = m.get(keys::pair(ws, user))?.and_then(|v| role_from(&v));
                let Some(current) = current else {
                    return refuse(Refused::NotFound);
                };
                let owners = counters::get_tx(c, ws, Counter::Owners)?;
                if current == Role::Owner && role != Role::Owner && owners <= 1 {
                    return refuse(Refused::LastOwner);
                }
                m.insert(&keys::pair(ws, user), &role_bytes(role))?;
                mu.insert(&keys::pair(user, ws), &role_bytes(role))?;
                counters::add_tx(
                    c,
                    ws,
                    Counter::Owners,
                    owner_delta(Some(current), Some(role)),
                )?;
                audit::append_tx(a, ws, &entry(current), seq)?;
                Ok(current)
            });
        settle(result, "changing a role")
    }

    /// Removes `user` from `ws`; refused when they are its last owner, unless `last_too`
    /// (the workspace is being deleted with them).
    pub fn remove_member(
        &self,
        ws: &Id<Workspace>,
        user: &Id<User>,
        entry: Option<&AuditEntry>,
    ) -> anyhow::Result<Result<Role, Refused>> {
        let s = self.store;
        let seq = audit::next_seq(s)?;
        let result =
            (&s.members, &s.members_by_user, &s.counters, &s.audit).transaction(|(m, mu, c, a)| {
                let current = m.get(keys::pair(ws, user))?.and_then(|v| role_from(&v));
                let Some(current) = current else {
                    return refuse(Refused::NotFound);
                };
                if current == Role::Owner && counters::get_tx(c, ws, Counter::Owners)? <= 1 {
                    return refuse(Refused::LastOwner);
                }
                m.remove(&keys::pair(ws, user))?;
                mu.remove(&keys::pair(user, ws))?;
                counters::add_tx(c, ws, Counter::Members, -1)?;
                counters::add_tx(c, ws, Counter::Owners, owner_delta(Some(current), None))?;
                if let Some(entry) = entry {
                    audit::append_tx(a, ws, entry, seq)?;
                }
                Ok(current)
            });
        settle(result, "removing a member")
    }

    fn memberships<P, O>(
        tree: &kv::Tree,
        prefix: &Id<P>,
        req: &PageRequest,
    ) -> anyhow::Result<Page<(Id<O>, Role)>> {
        let raw = page::scan(tree, prefix.as_bytes(), req, Order::Ascending)?;
        let items = raw
            .items
            .iter()
            .map(|(k, v)| {
                let other = keys::id_at(k, 16).context("malformed membership key")?;
                let role = role_from(v).context("malformed membership role")?;
                Ok((other, role))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Page {
            items,
            next: raw.next,
        })
    }

    /// (user, role) for one page of the members of `ws`, by user id.
    pub fn members(
        &self,
        ws: &Id<Workspace>,
        req: &PageRequest,
    ) -> anyhow::Result<Page<(Id<User>, Role)>> {
        Self::memberships(&self.store.members, ws, req)
    }

    /// (workspace, role) for one page of the workspaces `user` belongs to, by workspace id.
    pub fn of_user(
        &self,
        user: &Id<User>,
        req: &PageRequest,
    ) -> anyhow::Result<Page<(Id<Workspace>, Role)>> {
        Self::memberships(&self.store.members_by_user, user, req)
    }

    /// Every membership of `user`, page by page (for account deletion and sign-in auditing).
    pub fn all_of_user(&self, user: &Id<User>) -> anyhow::Result<Vec<(Id<Workspace>, Role)>> {
        let mut req = PageRequest::first(500);
        let mut out = Vec::new();
        loop {
            let page = self.of_user(user, &req)?;
            out.extend(page.items);
            match page.next {
                Some(next) => req.cursor = Some(next),
                None => return Ok(out),
            }
        }
    }
}
