//! Accounts: creation, registration, verification, invitations, email and name changes, deletion.

use super::limits::AuthLimits;
use super::link_secrets::{self, hash};
use super::passwords::{confirm_password, generate_password, hash_password};
use super::{Ctx, Error, Result, mailing};
use crate::config::Registration;
use crate::domain::{Email, Id, LinkPurpose, Password, Role, User};
use crate::store::{ChangeEmail, InsertUser, Store};
use anyhow::Context;
use std::net::IpAddr;
use time::{Duration, OffsetDateTime};

pub fn clean_name(name: &str, email: &Email) -> Result<String> {
    let name = name.trim();
    if name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(Error::Invalid(
            "the name may have at most 200 characters and no control characters".into(),
        ));
    }
    Ok(if name.is_empty() {
        email
            .as_str()
            .split('@')
            .next()
            .unwrap_or_default()
            .to_string()
    } else {
        name.to_string()
    })
}

/// Builds a new user record with a hashed password (slow on purpose: call off the executor).
pub fn new_user(
    email: &str,
    name: &str,
    password: Password,
    instance_admin: bool,
    now: OffsetDateTime,
) -> Result<User> {
    let email = Email::parse(email).map_err(Error::Invalid)?;
    Ok(User {
        id: Id::generate(now),
        name: clean_name(name, &email)?,
        password_hash: hash_password(&password)?,
        email,
        instance_admin,
        created_at: now,
        email_verified: false,
        disabled: false,
        session_epoch: 0,
        identities: Vec::new(),
    })
}

/// The outcome of creating an admin: the user, and the password when we generated it.
#[derive(Debug)]
pub struct CreatedAdmin {
    pub user: User,
    pub generated_password: Option<String>,
}

/// Creates an instance admin; `password` None means generate one (returned once).
pub fn create_admin(
    store: &Store,
    email: &str,
    name: &str,
    password: Option<String>,
    now: OffsetDateTime,
) -> Result<CreatedAdmin> {
    let (password, generated) = match password {
        Some(p) => (p, None),
        None => {
            let p = generate_password();
            (p.clone(), Some(p))
        }
    };
    let password = Password::parse(password).map_err(Error::Invalid)?;
    let mut user = new_user(email, name, password, true, now)?;
    user.email_verified = true;
    match store.users().insert(&user).context("creating the admin")? {
        InsertUser::Inserted => Ok(CreatedAdmin {
            user,
            generated_password: generated,
        }),
        InsertUser::EmailTaken => Err(Error::Conflict(
            "an account with this email already exists".into(),
        )),
    }
}

pub(super) fn verify_link_validity(ctx: &Ctx) -> Duration {
    Duration::hours(i64::try_from(ctx.config.accounts.verify_link_hours).unwrap_or(48))
}

pub struct Registered;

/// Registration. Answers the same whether or not the email is known: a known address gets an
/// email saying so instead of a verification link. With an `invitation` token the address is
/// proven by that link, so the account starts verified and joins the workspace.
pub fn register(
    ctx: &Ctx,
    limits: &AuthLimits,
    ip: IpAddr,
    email: &str,
    password: String,
    name: &str,
    invitation: Option<&str>,
) -> Result<Registered> {
    limits.check_ip(super::limits::Door::Register, ip)?;
    let now = ctx.clock.now();
    let email = Email::parse(email).map_err(Error::Invalid)?;
    let password = Password::parse(password).map_err(Error::Invalid)?;
    let invited = match invitation {
        Some(token) => Some(super::invitations::for_token(ctx, token, &email)?),
        None => None,
    };
    match (ctx.config.accounts.registration, invited.is_some()) {
        (Registration::Closed, _) => {
            return Err(Error::Forbidden(
                "registration is closed on this instance".into(),
            ));
        }
        (Registration::Invite, false) => {
            return Err(Error::Forbidden(
                "registration on this instance is by invitation: use the link in your invitation email".into(),
            ));
        }
        _ => {}
    }
    if ctx.store.users().by_email(&email)?.is_some() {
        // Same work as the other branch (one hash), different email.
        let _ = hash_password(&password)?;
        mailing::account_exists(ctx, &email)?;
        return Ok(Registered);
    }
    let mut user = new_user(email.as_str(), name, password, false, now)?;
    user.email_verified = invited.is_some();
    if ctx.store.users().insert(&user)? == InsertUser::EmailTaken {
        mailing::account_exists(ctx, &email)?;
        return Ok(Registered);
    }
    match invitation {
        Some(token) => {
            super::invitations::accept(ctx, &user, token)?;
        }
        None => {
            let token = link_secrets::issue(
                ctx,
                LinkPurpose::VerifyEmail {
                    user: user.id,
                    email: email.clone(),
                },
                verify_link_validity(ctx),
            )?;
            mailing::verification(ctx, &user.name, &email, &token)?;
        }
    }
    Ok(Registered)
}

/// Uses a verification link: confirms the address, or moves the account to a new one.
pub fn verify_email(ctx: &Ctx, token: &str) -> Result<User> {
    let invalid =
        || Error::InvalidLink("this link is not valid: it was used already or it expired".into());
    let link = ctx
        .store
        .access()
        .take_link(&hash(token), ctx.clock.now())?
        .ok_or_else(invalid)?;
    let LinkPurpose::VerifyEmail { user, email } = link.purpose else {
        return Err(invalid());
    };
    let mut user = ctx.store.users().get(&user)?.ok_or_else(invalid)?;
    if user.email == email {
        user.email_verified = true;
        ctx.store.users().put(&user)?;
        return Ok(user);
    }
    let old = std::mem::replace(&mut user.email, email);
    user.email_verified = true;
    match ctx.store.users().change_email(&user, &old)? {
        ChangeEmail::Changed => Ok(user),
        ChangeEmail::EmailTaken => Err(Error::Conflict(
            "another account uses this address now".into(),
        )),
    }
}

/// Sends a verification link to the new address; the change happens when it is opened.
pub fn request_email_change(ctx: &Ctx, user: &User, password: &str, new_email: &str) -> Result<()> {
    confirm_password(user, password)?;
    let email = Email::parse(new_email).map_err(Error::Invalid)?;
    if email == user.email {
        return Err(Error::Invalid("this is already your address".into()));
    }
    let token = link_secrets::issue(
        ctx,
        LinkPurpose::VerifyEmail {
            user: user.id,
            email: email.clone(),
        },
        verify_link_validity(ctx),
    )?;
    mailing::verification(ctx, &user.name, &email, &token)?;
    Ok(())
}

pub fn rename(ctx: &Ctx, user: &User, name: &str) -> Result<User> {
    let mut user = user.clone();
    user.name = clean_name(name, &user.email)?;
    ctx.store.users().put(&user)?;
    Ok(user)
}

/// Deletes the caller's own account after checking the password. Refused while the account is
/// the last owner of a workspace that has other members (it would be left without an owner).
pub fn delete_account(ctx: &Ctx, user: &User, password: &str) -> Result<()> {
    if !user.password_hash.is_empty() {
        confirm_password(user, password)?;
    }
    let workspaces = ctx.store.workspaces();
    let mine = workspaces.all_of_user(&user.id)?;
    for (ws, role) in &mine {
        let counts = workspaces.counts(ws)?;
        if *role == Role::Owner && counts.owners <= 1 && counts.members > 1 {
            let name = workspaces.get(ws)?.map(|w| w.name).unwrap_or_default();
            return Err(Error::Conflict(format!(
                "you are the last owner of “{name}”: make someone else owner, or delete the workspace first"
            )));
        }
    }
    for (ws, role) in &mine {
        if *role == Role::Owner && workspaces.counts(ws)?.members <= 1 {
            let at = super::workspaces::purge_time(ctx);
            ctx.store.purge().delete_workspace(ws, at)?;
        } else {
            workspaces.remove_member(ws, &user.id, None)??;
        }
    }
    ctx.store.users().delete(user)?;
    // Erasure reaches what was logged about them: sessions (with the addresses they signed in
    // from), the request log from those addresses, and their name in the audit log.
    let actor = super::auth::Principal::user_actor(&user.id);
    ctx.store.access().remove_sessions_of(&user.id)?;
    ctx.store.traffic().forget_user(&actor)?;
    ctx.store
        .audit()
        .forget_actor(&actor, user.email.as_str())?;
    Ok(())
}
