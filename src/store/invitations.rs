//! Pending invitations: by (workspace, id), by (workspace, email), and their single-use links.
//! An invitation, its queued email and its audit entry are written in one transaction.
use crate::store::kv;

use super::counters::{self, Counter};
use super::outbox::Outbox;
use super::page::{self, Order, Page, PageRequest};
use super::workspaces::{Refused, refuse, role_bytes, role_from, settle};
use super::{Store, audit, codec, keys, typed};
use crate::domain::{
    AuditEntry, Email, Id, Invitation, LinkPurpose, LinkToken, OutboxMessage, Role, User, Workspace,
};
use anyhow::Context;
use kv::Transactional;
use kv::transaction::{ConflictableTransactionError, TransactionError};

pub struct Invitations<'a> {
    pub(super) store: &'a Store,
}

#[derive(Debug, PartialEq, Eq)]
pub enum AcceptInvitation {
    Joined {
        workspace: Id<Workspace>,
        role: Role,
    },
    /// Unknown, used, revoked or expired.
    Invalid,
}

/// Everything a new invitation writes.
pub struct NewInvitation<'a> {
    pub invitation: &'a Invitation,
    pub link: &'a LinkToken,
    /// The invitation email (always, except for fixtures).
    pub email: Option<&'a OutboxMessage>,
    pub audit: Option<&'a AuditEntry>,
    /// The plan's member limit; members and pending invitations both count.
    pub max_members: u64,
}

fn by_email(ws: &Id<Workspace>, email: &Email) -> Vec<u8> {
    [ws.as_bytes().as_slice(), keys::email(email)].concat()
}

impl Invitations<'_> {
    /// Stores the invitation with its link, its email and its audit entry, or refuses when the
    /// plan is full, the address is a member already, or it has a pending invitation.
    pub fn create(&self, new: &NewInvitation) -> anyhow::Result<Result<(), Refused>> {
        let s = self.store;
        let inv = new.invitation;
        let ws = &inv.workspace;
        let (inv_value, link_value) = (codec::encode(inv)?, codec::encode(new.link)?);
        let mail_value = new.email.map(|m| s.seal_message(m)).transpose()?;
        let seq = audit::next_seq(s)?;
        let trees = (
            &s.invitations,
            &s.invitations_by_email,
            &s.tokens,
            &s.users_by_email,
            &s.members,
            &s.counters,
            &s.outbox,
            &s.outbox_due,
            &s.audit,
        );
        let result = trees.transaction(|(i, ie, t, ue, m, c, o, od, a)| {
            let members = counters::get_tx(c, ws, Counter::Members)?;
            let pending = counters::get_tx(c, ws, Counter::Invitations)?;
            if members + pending >= new.max_members {
                return refuse(Refused::OverLimit {
                    limit: new.max_members,
                });
            }
            if let Some(user) = ue.get(keys::email(&inv.email))?
                && let Some(user) = keys::id_at::<User>(&user, 0)
                && m.get(keys::pair(ws, &user))?.is_some()
            {
                return refuse(Refused::AlreadyMember);
            }
            if ie.get(by_email(ws, &inv.email))?.is_some() {
                return refuse(Refused::AlreadyInvited);
            }
            i.insert(&keys::pair(ws, &inv.id), inv_value.clone())?;
            ie.insert(by_email(ws, &inv.email), &keys::id(&inv.id))?;
            t.insert(inv.token_hash.as_bytes(), link_value.clone())?;
            counters::add_tx(c, ws, Counter::Invitations, 1)?;
            if let (Some(mail), Some(sealed)) = (new.email, &mail_value) {
                Outbox::enqueue_tx(o, od, mail, sealed)?;
            }
            if let Some(entry) = new.audit {
                audit::append_tx(a, ws, entry, seq)?;
            }
            Ok(())
        });
        settle(result, "storing an invitation")
    }

    /// One page of the pending invitations of `ws`, oldest first.
    pub fn page(&self, ws: &Id<Workspace>, req: &PageRequest) -> anyhow::Result<Page<Invitation>> {
        page::records(
            &self.store.invitations,
            ws.as_bytes(),
            req,
            Order::Ascending,
        )
    }

    pub fn get(
        &self,
        ws: &Id<Workspace>,
        id: &Id<Invitation>,
    ) -> anyhow::Result<Option<Invitation>> {
        typed::get(&self.store.invitations, &keys::pair(ws, id))
    }

    /// Drops the invitation and burns its link, with the audit entry.
    pub fn revoke(
        &self,
        ws: &Id<Workspace>,
        id: &Id<Invitation>,
        entry: &AuditEntry,
    ) -> anyhow::Result<Result<Invitation, Refused>> {
        let s = self.store;
        let seq = audit::next_seq(s)?;
        let trees = (
            &s.invitations,
            &s.invitations_by_email,
            &s.tokens,
            &s.counters,
            &s.audit,
        );
        let result = trees.transaction(|(i, ie, t, c, a)| {
            let Some(raw) = i.remove(&keys::pair(ws, id))? else {
                return refuse(Refused::NotFound);
            };
            let inv: Invitation = codec::decode(&raw)
                .map_err(|_| ConflictableTransactionError::Abort(Refused::NotFound))?;
            ie.remove(by_email(ws, &inv.email))?;
            t.remove(inv.token_hash.as_bytes())?;
            counters::add_tx(c, ws, Counter::Invitations, -1)?;
            audit::append_tx(a, ws, entry, seq)?;
            Ok(inv)
        });
        settle(result, "revoking an invitation")
    }

    /// Burns the link, drops the invitation and adds `user` with its role, all or nothing.
    pub fn accept(
        &self,
        token_hash: &str,
        user: &Id<User>,
        now: time::OffsetDateTime,
    ) -> anyhow::Result<AcceptInvitation> {
        let s = self.store;
        let trees = (
            &s.tokens,
            &s.invitations,
            &s.invitations_by_email,
            &s.members,
            &s.members_by_user,
            &s.counters,
        );
        let result = trees.transaction(|(t, i, ie, m, mu, c)| {
            let invalid = || ConflictableTransactionError::Abort(());
            let raw = t.get(token_hash.as_bytes())?.ok_or_else(invalid)?;
            let link: LinkToken = codec::decode(&raw).map_err(|_| invalid())?;
            let LinkPurpose::Invitation {
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
            ie.remove(by_email(&workspace, &inv.email))?;
            counters::add_tx(c, &workspace, Counter::Invitations, -1)?;
            // Joining never lowers a role someone already has.
            let current = m
                .get(keys::pair(&workspace, user))?
                .and_then(|v| role_from(&v));
            let role = current.map_or(inv.role, |r| r.max(inv.role));
            m.insert(&keys::pair(&workspace, user), &role_bytes(role))?;
            mu.insert(&keys::pair(user, &workspace), &role_bytes(role))?;
            if current.is_none() {
                counters::add_tx(c, &workspace, Counter::Members, 1)?;
            }
            if role == Role::Owner && current != Some(Role::Owner) {
                counters::add_tx(c, &workspace, Counter::Owners, 1)?;
            }
            Ok((workspace, role))
        });
        match result {
            Ok((workspace, role)) => Ok(AcceptInvitation::Joined { workspace, role }),
            Err(TransactionError::Abort(())) => Ok(AcceptInvitation::Invalid),
            Err(TransactionError::Storage(e)) => Err(e).context("accepting an invitation"),
        }
    }
}
