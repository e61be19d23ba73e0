//! The one-time setup link that lets the first person create the instance admin in a browser.

use super::Error;
use super::accounts::new_user;
use super::link_secrets::{constant_time_eq, hash, new_token};
use crate::domain::{Password, User};
use crate::store::{AdminFromSetup, SetupToken, Store};
use time::{Duration, OffsetDateTime};

pub const SETUP_LINK_VALIDITY: Duration = Duration::minutes(30);

/// Issues a fresh setup token when no admin exists (replacing any older one); returns the token.
pub fn issue(store: &Store, now: OffsetDateTime) -> anyhow::Result<Option<String>> {
    if store.users().admin_exists()? {
        store.meta().clear_setup_token()?;
        return Ok(None);
    }
    let token = new_token();
    store.meta().put_setup_token(&SetupToken {
        hash: hash(&token),
        expires_at: now + SETUP_LINK_VALIDITY,
    })?;
    Ok(Some(token))
}

/// True when `token` is the current, unexpired setup token.
pub fn is_valid(store: &Store, token: &str, now: OffsetDateTime) -> anyhow::Result<bool> {
    Ok(store.meta().setup_token()?.is_some_and(|t| {
        t.expires_at > now && constant_time_eq(t.hash.as_bytes(), hash(token).as_bytes())
    }))
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(
        "this setup link is not valid: it was used already, it expired, or a newer one was printed"
    )]
    LinkInvalid,
    #[error(transparent)]
    Account(#[from] Error),
}

/// Creates the first admin from the setup form; burns the token in the same transaction.
pub fn complete(
    store: &Store,
    token: &str,
    email: &str,
    name: &str,
    password: String,
    now: OffsetDateTime,
) -> Result<User, SetupError> {
    if !is_valid(store, token, now).map_err(Error::Internal)? {
        return Err(SetupError::LinkInvalid);
    }
    let password = Password::parse(password).map_err(Error::Invalid)?;
    let mut user = new_user(email, name, password, true, now)?;
    user.email_verified = true;
    match store
        .users()
        .create_admin_with_setup_token(&hash(token), now, &user)
        .map_err(Error::Internal)?
    {
        AdminFromSetup::Created => Ok(user),
        AdminFromSetup::TokenInvalid => Err(SetupError::LinkInvalid),
        AdminFromSetup::EmailTaken => {
            Err(Error::Conflict("an account with this email already exists".into()).into())
        }
    }
}

/// `PLAUDIT_ADMIN_EMAIL` + `PLAUDIT_ADMIN_PASSWORD` on a first start: creates the admin when
/// none exists. Returns the email when it did.
pub fn bootstrap_admin(
    store: &Store,
    email: &str,
    password: String,
    now: OffsetDateTime,
) -> Result<Option<String>, Error> {
    if store.users().admin_exists()? {
        return Ok(None);
    }
    let created = super::accounts::create_admin(store, email, "", Some(password), now)?;
    Ok(Some(created.user.email.to_string()))
}
