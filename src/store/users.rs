//! Users by id, the email index, and the instance-admin set; written together or not at all.
use crate::store::kv;

use super::{Store, codec, keys, meta, typed};
use crate::domain::{Email, Id, User};
use anyhow::Context;
use kv::Transactional;
use kv::transaction::{ConflictableTransactionError, TransactionError};
use time::OffsetDateTime;

#[derive(Debug, PartialEq, Eq)]
pub enum InsertUser {
    Inserted,
    EmailTaken,
}

#[derive(Debug, PartialEq, Eq)]
pub enum AdminFromSetup {
    Created,
    /// The token is unknown, used, or expired.
    TokenInvalid,
    EmailTaken,
}

pub struct Users<'a> {
    pub(super) store: &'a Store,
}

enum Abort {
    TokenInvalid,
    EmailTaken,
}

impl Users<'_> {
    pub fn get(&self, id: &Id<User>) -> anyhow::Result<Option<User>> {
        self.store
            .users
            .get(keys::id(id))
            .context("reading a user")?
            .map(|v| codec::decode(&v))
            .transpose()
    }

    pub fn by_email(&self, email: &Email) -> anyhow::Result<Option<User>> {
        let Some(id) = self
            .store
            .users_by_email
            .get(keys::email(email))
            .context("reading the email index")?
        else {
            return Ok(None);
        };
        let id: [u8; 16] = id
            .as_ref()
            .try_into()
            .context("malformed email index entry")?;
        self.get(&Id::from_bytes(id))
    }

    pub fn admin_exists(&self) -> anyhow::Result<bool> {
        Ok(!self.store.instance_admins.is_empty())
    }

    pub fn insert(&self, user: &User) -> anyhow::Result<InsertUser> {
        match self.write(user, None) {
            Ok(()) => Ok(InsertUser::Inserted),
            Err(TransactionError::Abort(Abort::EmailTaken)) => Ok(InsertUser::EmailTaken),
            Err(TransactionError::Abort(Abort::TokenInvalid)) => {
                anyhow::bail!("a plain insert cannot abort on a setup token")
            }
            Err(TransactionError::Storage(e)) => Err(e).context("inserting a user"),
        }
    }

    /// Creates the first admin and burns the setup token in one transaction, so two browsers
    /// racing on the same link cannot both succeed.
    pub fn create_admin_with_setup_token(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
        user: &User,
    ) -> anyhow::Result<AdminFromSetup> {
        match self.write(user, Some((token_hash, now))) {
            Ok(()) => Ok(AdminFromSetup::Created),
            Err(TransactionError::Abort(Abort::EmailTaken)) => Ok(AdminFromSetup::EmailTaken),
            Err(TransactionError::Abort(Abort::TokenInvalid)) => Ok(AdminFromSetup::TokenInvalid),
            Err(TransactionError::Storage(e)) => Err(e).context("creating the admin"),
        }
    }

    fn write(
        &self,
        user: &User,
        setup: Option<(&str, OffsetDateTime)>,
    ) -> Result<(), TransactionError<Abort>> {
        let value = codec::encode(user)
            .map_err(|e| TransactionError::Storage(kv::Error::Unsupported(format!("{e:#}"))))?;
        let s = self.store;
        (&s.users, &s.users_by_email, &s.instance_admins, &s.meta).transaction(
            |(users, by_email, admins, meta)| {
                if let Some((hash, now)) = setup {
                    let valid = match meta.get(meta::SETUP_KEY)? {
                        Some(raw) => codec::decode::<meta::SetupToken>(&raw)
                            .map(|t| t.hash == hash && t.expires_at > now)
                            .unwrap_or(false),
                        None => false,
                    };
                    if !valid {
                        return Err(ConflictableTransactionError::Abort(Abort::TokenInvalid));
                    }
                }
                if by_email.get(keys::email(&user.email))?.is_some() {
                    return Err(ConflictableTransactionError::Abort(Abort::EmailTaken));
                }
                users.insert(&keys::id(&user.id), value.clone())?;
                by_email.insert(keys::email(&user.email), &keys::id(&user.id))?;
                if user.instance_admin {
                    admins.insert(&keys::id(&user.id), &[])?;
                    // Once any admin exists, no setup link may work: this is what makes a
                    // valid token imply "no admin yet", whichever path created the admin.
                    meta.remove(meta::SETUP_KEY)?;
                }
                Ok(())
            },
        )
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum ChangeEmail {
    Changed,
    EmailTaken,
}

impl Users<'_> {
    /// Rewrites a user whose email did not change (use `change_email` for that).
    pub fn put(&self, user: &User) -> anyhow::Result<()> {
        typed::put(&self.store.users, &keys::id(&user.id), user)
    }

    /// Moves a user to a new email, keeping the index exact.
    pub fn change_email(&self, user: &User, old: &Email) -> anyhow::Result<ChangeEmail> {
        let value = codec::encode(user)?;
        let s = self.store;
        let result = (&s.users, &s.users_by_email).transaction(|(users, by_email)| {
            if let Some(owner) = by_email.get(keys::email(&user.email))?
                && owner.as_ref() != keys::id(&user.id).as_slice()
            {
                return Err(ConflictableTransactionError::Abort(()));
            }
            by_email.remove(keys::email(old))?;
            by_email.insert(keys::email(&user.email), &keys::id(&user.id))?;
            users.insert(&keys::id(&user.id), value.clone())?;
            Ok(())
        });
        match result {
            Ok(()) => Ok(ChangeEmail::Changed),
            Err(TransactionError::Abort(())) => Ok(ChangeEmail::EmailTaken),
            Err(TransactionError::Storage(e)) => Err(e).context("changing an email"),
        }
    }

    /// The user signed in by an OAuth identity, if one is linked.
    pub fn by_identity(&self, provider: &str, subject: &str) -> anyhow::Result<Option<User>> {
        let Some(id) = self
            .store
            .identities
            .get(keys::identity(provider, subject))
            .context("reading identities")?
        else {
            return Ok(None);
        };
        let id = keys::id_at(&id, 0).context("malformed identity entry")?;
        self.get(&id)
    }

    /// Links an identity to `user` (already holding it in `user.identities`).
    /// Stores `user` with its identity index in step: inside one transaction, entries for
    /// identities the stored record had and `user` lacks go, new ones are added (so a re-link
    /// or an unlink leaves no stale entry that could sign someone in).
    pub fn save_identities(&self, user: &User) -> anyhow::Result<()> {
        let value = codec::encode(user)?;
        let s = self.store;
        (&s.users, &s.identities)
            .transaction(|(users, ids)| {
                let old: Option<User> = users
                    .get(keys::id(&user.id))?
                    .and_then(|raw| codec::decode(&raw).ok());
                for i in old.iter().flat_map(|u| &u.identities) {
                    let kept = user
                        .identities
                        .iter()
                        .any(|n| n.provider == i.provider && n.subject == i.subject);
                    if !kept {
                        ids.remove(keys::identity(&i.provider, &i.subject))?;
                    }
                }
                users.insert(&keys::id(&user.id), value.clone())?;
                for i in &user.identities {
                    ids.insert(keys::identity(&i.provider, &i.subject), &keys::id(&user.id))?;
                }
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .map_err(typed::txn)
    }

    /// Removes a user, its email index, identities and admin flag (memberships are removed
    /// by the caller, which knows the workspaces).
    pub fn delete(&self, user: &User) -> anyhow::Result<()> {
        let s = self.store;
        (
            &s.users,
            &s.users_by_email,
            &s.identities,
            &s.instance_admins,
        )
            .transaction(|(users, by_email, ids, admins)| {
                users.remove(&keys::id(&user.id))?;
                by_email.remove(keys::email(&user.email))?;
                for i in &user.identities {
                    ids.remove(keys::identity(&i.provider, &i.subject))?;
                }
                admins.remove(&keys::id(&user.id))?;
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .map_err(typed::txn)
    }
}
