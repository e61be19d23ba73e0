//! Passwords: argon2id hashing, sign-in checks, reset links and password changes.

use super::limits::AuthLimits;
use super::link_secrets::{self, hash};
use super::{Ctx, Error, Result, mailing};
use crate::domain::{Email, LinkPurpose, Password, User};
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::Rng;
use std::net::IpAddr;
use time::Duration;

const WRONG_CREDENTIALS: &str = "the email or the password is wrong";

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

/// Verifies against a stored PHC string; an empty hash (account without password) never matches.
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        hasher().is_ok_and(|h| h.verify_password(password.as_bytes(), &parsed).is_ok())
    })
}

/// A random password for admins created without one: 20 characters from an unambiguous set.
pub fn generate_password() -> String {
    const SET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| SET[rng.random_range(0..SET.len())] as char)
        .collect()
}

/// The wait a sign-in at `email` takes before it is judged (the account-wide brake: a delay,
/// never a refusal). Callers sleep it off asynchronously, holding no thread or hashing slot.
pub fn sign_in_delay(limits: &AuthLimits, email: &str) -> std::time::Duration {
    limits.account_delay(email.trim(), std::time::Instant::now())
}

/// Checks a password sign-in. Unknown emails cost the same hash as known ones; only failures
/// count towards the brakes.
pub fn check_login(
    ctx: &Ctx,
    limits: &AuthLimits,
    ip: IpAddr,
    email: &str,
    password: &str,
) -> Result<User> {
    limits.check_ip(super::limits::Door::SignIn, ip)?;
    let Ok(email) = Email::parse(email) else {
        let _ = verify_password(ctx.dummy_hash(), password);
        return Err(Error::Unauthorized(WRONG_CREDENTIALS.into()));
    };
    let now = std::time::Instant::now();
    limits.check_account(email.as_str(), ip, now)?;
    let wrong = || {
        limits.failed(email.as_str(), ip, now);
        Error::Unauthorized(WRONG_CREDENTIALS.into())
    };
    let Some(user) = ctx.store.users().by_email(&email)? else {
        let _ = verify_password(ctx.dummy_hash(), password);
        return Err(wrong());
    };
    if !verify_password(&user.password_hash, password) || user.disabled {
        return Err(wrong());
    }
    if !user.email_verified {
        return Err(Error::Forbidden(
            "confirm your email address first: open the link we sent you".into(),
        ));
    }
    Ok(user)
}

/// Sends a reset link when the account exists and has not had `RESET_MAILS_PER_HOUR` already;
/// answers the same in every case, so neither existence nor the cap shows.
pub fn request_reset(ctx: &Ctx, limits: &AuthLimits, ip: IpAddr, email: &str) -> Result<()> {
    limits.check_ip(super::limits::Door::Reset, ip)?;
    let Ok(email) = Email::parse(email) else {
        return Ok(());
    };
    if let Some(user) = ctx.store.users().by_email(&email)?
        && !user.disabled
        && limits.reset_mail(&user.id.to_string(), std::time::Instant::now())
    {
        let valid =
            Duration::minutes(i64::try_from(ctx.config.accounts.reset_link_minutes).unwrap_or(60));
        let token = link_secrets::issue(ctx, LinkPurpose::ResetPassword { user: user.id }, valid)?;
        mailing::reset(ctx, &user.name, &user.email, &token)?;
    }
    Ok(())
}

/// True when a reset link is usable (to decide whether to show its form).
pub fn reset_link_valid(ctx: &Ctx, token: &str) -> Result<bool> {
    Ok(ctx
        .store
        .access()
        .peek_link(&hash(token), ctx.clock.now())?
        .is_some_and(|l| matches!(l.purpose, LinkPurpose::ResetPassword { .. })))
}

fn set_password(ctx: &Ctx, user: &mut User, password: Password) -> Result<()> {
    user.password_hash = hash_password(&password)?;
    // Every session issued before now stops working, this one included.
    user.session_epoch = user.session_epoch.wrapping_add(1);
    ctx.store.users().put(user)?;
    Ok(())
}

pub fn reset_password(ctx: &Ctx, token: &str, password: String) -> Result<User> {
    let password = Password::parse(password).map_err(Error::Invalid)?;
    let invalid =
        || Error::InvalidLink("this link is not valid: it was used already or it expired".into());
    let link = ctx
        .store
        .access()
        .take_link(&hash(token), ctx.clock.now())?
        .ok_or_else(invalid)?;
    let LinkPurpose::ResetPassword { user } = link.purpose else {
        return Err(invalid());
    };
    let mut user = ctx.store.users().get(&user)?.ok_or_else(invalid)?;
    user.email_verified = true; // the link proved the mailbox
    set_password(ctx, &mut user, password)?;
    Ok(user)
}

pub(super) fn confirm_password(user: &User, password: &str) -> Result<()> {
    if verify_password(&user.password_hash, password) {
        Ok(())
    } else {
        Err(Error::Forbidden("the current password is wrong".into()))
    }
}

pub fn change_password(ctx: &Ctx, user: &User, current: &str, new: String) -> Result<User> {
    confirm_password(user, current)?;
    let password = Password::parse(new).map_err(Error::Invalid)?;
    let mut user = user.clone();
    set_password(ctx, &mut user, password)?;
    Ok(user)
}
