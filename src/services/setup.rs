//! The one-time setup link that lets the first person create the instance admin in a browser.

use super::accounts::{AccountError, new_user};
use crate::domain::{Password, User};
use crate::store::{AdminFromSetup, SetupToken, Store};
use rand::RngCore;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

pub const SETUP_LINK_VALIDITY: Duration = Duration::minutes(30);

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Issues a fresh setup token when no admin exists (replacing any older one); returns the token.
pub fn issue(store: &Store, now: OffsetDateTime) -> anyhow::Result<Option<String>> {
    if store.users().admin_exists()? {
        store.meta().clear_setup_token()?;
        return Ok(None);
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    store.meta().put_setup_token(&SetupToken {
        hash: hash(&token),
        expires_at: now + SETUP_LINK_VALIDITY,
    })?;
    Ok(Some(token))
}

/// True when `token` is the current, unexpired setup token.
pub fn is_valid(store: &Store, token: &str, now: OffsetDateTime) -> anyhow::Result<bool> {
    Ok(store
        .meta()
        .setup_token()?
        .is_some_and(|t| t.expires_at > now && constant_time_eq(&t.hash, &hash(token))))
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(
        "this setup link is not valid: it was used already, it expired, or a newer one was printed"
    )]
    LinkInvalid,
    #[error(transparent)]
    Account(#[from] AccountError),
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
    if !is_valid(store, token, now).map_err(AccountError::Other)? {
        return Err(SetupError::LinkInvalid);
    }
    let password = Password::parse(password).map_err(AccountError::Invalid)?;
    let user = new_user(email, name, password, true, now)?;
    match store
        .users()
        .create_admin_with_setup_token(&hash(token), now, &user)
        .map_err(AccountError::Other)?
    {
        AdminFromSetup::Created => Ok(user),
        AdminFromSetup::TokenInvalid => Err(SetupError::LinkInvalid),
        AdminFromSetup::EmailTaken => Err(AccountError::EmailTaken.into()),
    }
}
