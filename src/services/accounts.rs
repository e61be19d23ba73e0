//! Creating accounts and checking passwords (argon2id with OWASP's parameters).

use crate::domain::{Email, Id, Password, User};
use crate::store::{InsertUser, Store};
use anyhow::Context;
use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::Rng;
use time::OffsetDateTime;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    Invalid(String),
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// OWASP's argon2id recommendation: 19 MiB, 2 iterations, 1 lane.
fn hasher() -> anyhow::Result<Argon2<'static>> {
    let params =
        Params::new(19 * 1024, 2, 1, None).map_err(|e| anyhow::anyhow!("argon2 params: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

pub fn hash_password(password: &Password) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(hasher()?
        .hash_password(password.expose().as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?
        .to_string())
}

/// A random password for admins created without one: 20 characters from an unambiguous set.
pub fn generate_password() -> String {
    const SET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| SET[rng.random_range(0..SET.len())] as char)
        .collect()
}

/// The outcome of creating an admin: the id, and the password when we generated it.
#[derive(Debug)]
pub struct CreatedAdmin {
    pub user: User,
    pub generated_password: Option<String>,
}

/// Builds a new user record with a hashed password (slow on purpose: call off the executor).
pub fn new_user(
    email: &str,
    name: &str,
    password: Password,
    instance_admin: bool,
    now: OffsetDateTime,
) -> Result<User, AccountError> {
    let email = Email::parse(email).map_err(AccountError::Invalid)?;
    let name = name.trim();
    if name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(AccountError::Invalid(
            "the name may have at most 200 characters and no control characters".into(),
        ));
    }
    let name = if name.is_empty() {
        email
            .as_str()
            .split('@')
            .next()
            .unwrap_or_default()
            .to_string()
    } else {
        name.to_string()
    };
    Ok(User {
        id: Id::generate(now),
        password_hash: hash_password(&password)?,
        email,
        name,
        instance_admin,
        created_at: now,
    })
}

/// Creates an instance admin; `password` None means generate one (returned once).
pub fn create_admin(
    store: &Store,
    email: &str,
    name: &str,
    password: Option<String>,
    now: OffsetDateTime,
) -> Result<CreatedAdmin, AccountError> {
    let (password, generated) = match password {
        Some(p) => (p, None),
        None => {
            let p = generate_password();
            (p.clone(), Some(p))
        }
    };
    let password = Password::parse(password).map_err(AccountError::Invalid)?;
    let user = new_user(email, name, password, true, now)?;
    match store.users().insert(&user).context("creating the admin")? {
        InsertUser::Inserted => Ok(CreatedAdmin {
            user,
            generated_password: generated,
        }),
        InsertUser::EmailTaken => Err(AccountError::EmailTaken),
    }
}
