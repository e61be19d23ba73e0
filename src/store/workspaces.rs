//! Workspaces, their members (indexed both ways) and pending invitations.

use super::{Store, codec, keys, typed};
use crate::domain::{Id, Invitation, Role, Workspace};
use anyhow::Context;
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

pub struct Workspaces<'a> {
    pub(super) store: &'a Store,
}

#[derive(Debug, PartialEq, Eq)]
pub enum AcceptInvitation {
    Joined {
        workspace: Id,
        role: Role,
    },
    /// Unknown, used, revoked or expired.
    Invalid,
}

fn role_bytes(role: Role) -> [u8; 1] {
    [match role {
        Role::Viewer => 1,
        Role::Manager => 2,
        Role::Owner => 3,
    }]
}

fn role_from(bytes: &[u8]) -> Option<Role> {
    match bytes {
        [1] => Some(Role::Viewer),
        [2] => Some(Role::Manager),
        [3] => Some(Role::Owner),
        _ => None,
    }
}

impl Workspaces<'_> {
    /// Stores a new workspace with its first owner.
    pub fn create(&self, ws: &Workspace, owner: &Id) -> anyhow::Result<()> {
        let s = self.store;
        let value = codec::encode(ws)?;
        (&s.workspaces, &s.members, &s.members_by_user)
            .transaction(|(w, m, mu)| {
                w.insert(&keys::id(&ws.id), value.clone())?;
                m.insert(&keys::pair(&ws.id, owner), &role_bytes(Role::Owner))?;
                mu.insert(&keys::pair(owner, &ws.id), &role_bytes(Role::Owner))?;
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .map_err(typed::txn)
    }

    pub fn get(&self, id: &Id) -> anyhow::Result<Option<Workspace>> {
        typed::get(&self.store.workspaces, &keys::id(id))
    }

    pub fn put(&self, ws: &Workspace) -> anyhow::Result<()> {
        typed::put(&self.store.workspaces, &keys::id(&ws.id), ws)
    }

    /// Every workspace (for instance admins).
    pub fn all(&self) -> anyhow::Result<Vec<Workspace>> {
        typed::scan(&self.store.workspaces, &[])
    }

    pub fn role(&self, ws: &Id, user: &Id) -> anyhow::Result<Option<Role>> {
        Ok(self
            .store
            .members
            .get(keys::pair(ws, user))
            .context("reading a membership")?
            .and_then(|v| role_from(&v)))
    }

    pub fn set_role(&self, ws: &Id, user: &Id, role: Role) -> anyhow::Result<()> {
        let s = self.store;
        (&s.members, &s.members_by_user)
            .transaction(|(m, mu)| {
                m.insert(&keys::pair(ws, user), &role_bytes(role))?;
                mu.insert(&keys::pair(user, ws), &role_bytes(role))?;
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .map_err(typed::txn)
    }

    pub fn remove_member(&self, ws: &Id, user: &Id) -> anyhow::Result<()> {
        let s = self.store;
        (&s.members, &s.members_by_user)
            .transaction(|(m, mu)| {
                m.remove(&keys::pair(ws, user))?;
                mu.remove(&keys::pair(user, ws))?;
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .map_err(typed::txn)
    }

    fn memberships(tree: &sled::Tree, prefix: &Id) -> anyhow::Result<Vec<(Id, Role)>> {
        tree.scan_prefix(prefix.as_bytes())
            .map(|entry| {
                let (k, v) = entry.context("scanning memberships")?;
                let other = keys::id_at(&k, 16).context("malformed membership key")?;
                let role = role_from(&v).context("malformed membership role")?;
                Ok((other, role))
            })
            .collect()
    }

    /// (user, role) for every member of `ws`.
    pub fn members(&self, ws: &Id) -> anyhow::Result<Vec<(Id, Role)>> {
        Self::memberships(&self.store.members, ws)
    }

    /// (workspace, role) for every workspace `user` belongs to.
    pub fn of_user(&self, user: &Id) -> anyhow::Result<Vec<(Id, Role)>> {
        Self::memberships(&self.store.members_by_user, user)
    }

    /// Deletes a workspace and everything in it that this version stores.
    pub fn delete(&self, ws: &Id) -> anyhow::Result<()> {
        let s = self.store;
        for (user, _) in self.members(ws)? {
            self.remove_member(ws, &user)?;
        }
        for invitation in self.invitations(ws)? {
            s.tokens
                .remove(invitation.token_hash.as_bytes())
                .context("removing a link")?;
        }
        for key in typed::scan_keys(&s.api_keys_by_workspace, ws.as_bytes())? {
            if let Some(id) = keys::id_at(&key, 0) {
                s.api_keys
                    .remove(keys::id(&id))
                    .context("removing an API key")?;
            }
        }
        for tree in [
            &s.invitations,
            &s.locations,
            &s.api_keys_by_workspace,
            &s.audit,
        ] {
            for key in tree.scan_prefix(ws.as_bytes()).keys() {
                tree.remove(key.context("scanning a workspace")?)
                    .context("removing workspace data")?;
            }
        }
        s.workspaces
            .remove(keys::id(ws))
            .context("removing a workspace")?;
        Ok(())
    }

    pub fn put_invitation(
        &self,
        inv: &Invitation,
        link: &crate::domain::LinkToken,
    ) -> anyhow::Result<()> {
        let s = self.store;
        let (inv_value, link_value) = (codec::encode(inv)?, codec::encode(link)?);
        (&s.invitations, &s.tokens)
            .transaction(|(i, t)| {
                i.insert(&keys::pair(&inv.workspace, &inv.id), inv_value.clone())?;
                t.insert(inv.token_hash.as_bytes(), link_value.clone())?;
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .map_err(typed::txn)
    }

    pub fn invitations(&self, ws: &Id) -> anyhow::Result<Vec<Invitation>> {
        typed::scan(&self.store.invitations, ws.as_bytes())
    }

    pub fn invitation(&self, ws: &Id, id: &Id) -> anyhow::Result<Option<Invitation>> {
        typed::get(&self.store.invitations, &keys::pair(ws, id))
    }

    pub fn revoke_invitation(&self, inv: &Invitation) -> anyhow::Result<()> {
        let s = self.store;
        (&s.invitations, &s.tokens)
            .transaction(|(i, t)| {
                i.remove(&keys::pair(&inv.workspace, &inv.id))?;
                t.remove(inv.token_hash.as_bytes())?;
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .map_err(typed::txn)
    }

    /// Burns the link, drops the invitation and adds `user` with its role, all or nothing.
    pub fn accept_invitation(
        &self,
        token_hash: &str,
        user: &Id,
        now: time::OffsetDateTime,
    ) -> anyhow::Result<AcceptInvitation> {
        let s = self.store;
        let result = (&s.tokens, &s.invitations, &s.members, &s.members_by_user).transaction(
            |(t, i, m, mu)| {
                let invalid = || ConflictableTransactionError::Abort(());
                let raw = t.get(token_hash.as_bytes())?.ok_or_else(invalid)?;
                let link: crate::domain::LinkToken = codec::decode(&raw).map_err(|_| invalid())?;
                let crate::domain::LinkPurpose::Invitation {
                    workspace,
                    invitation,
                } = link.purpose
                else {
                    return Err(invalid());
                };
                if link.expires_at <= now {
                    return Err(invalid());
                }
                let raw = i
                    .get(keys::pair(&workspace, &invitation))?
                    .ok_or_else(invalid)?;
                let inv: Invitation = codec::decode(&raw).map_err(|_| invalid())?;
                t.remove(token_hash.as_bytes())?;
                i.remove(&keys::pair(&workspace, &invitation))?;
                // Joining never lowers a role someone already has.
                let current = m
                    .get(keys::pair(&workspace, user))?
                    .and_then(|v| role_from(&v));
                let role = current.map_or(inv.role, |r| r.max(inv.role));
                m.insert(&keys::pair(&workspace, user), &role_bytes(role))?;
                mu.insert(&keys::pair(user, &workspace), &role_bytes(role))?;
                Ok((workspace, role))
            },
        );
        match result {
            Ok((workspace, role)) => Ok(AcceptInvitation::Joined { workspace, role }),
            Err(TransactionError::Abort(())) => Ok(AcceptInvitation::Invalid),
            Err(TransactionError::Storage(e)) => Err(e).context("accepting an invitation"),
        }
    }
}
