//! Sign in with Google or Facebook: an identity is provider + subject, never the email alone.

use super::link_secrets::{hash, new_token};
use super::{Ctx, Error, Result};
use crate::config::Registration;
use crate::domain::{Email, Id, Identity, OAuthState, User};
use crate::sources::oauth::{self, Profile, Provider};
use crate::store::InsertUser;
use time::Duration;

const STATE_VALIDITY: Duration = Duration::minutes(10);

pub fn redirect_uri(ctx: &Ctx, p: Provider) -> String {
    ctx.link(&format!("/auth/{}/callback", p.as_str()))
}

/// Records a fresh state and PKCE verifier, bound to `browser_nonce` (the value of a cookie set
/// in the browser that starts the flow); returns where to send the browser.
pub fn start(
    ctx: &Ctx,
    p: Provider,
    link_user: Option<Id<User>>,
    next: &str,
    browser_nonce: &str,
) -> Result<String> {
    let (state, verifier) = (new_token(), new_token());
    let url = oauth::authorize_url(
        &ctx.config.providers,
        p,
        &redirect_uri(ctx, p),
        &state,
        &verifier,
    )
    .map_err(|e| Error::Invalid(e.to_string()))?;
    ctx.store.access().put_oauth_state(
        &hash(&state),
        &OAuthState {
            provider: p.as_str().into(),
            verifier,
            link_user,
            next: next.to_string(),
            browser: hash(browser_nonce),
            connect: None,
            started_by: None,
            expires_at: ctx.clock.now() + STATE_VALIDITY,
        },
    )?;
    Ok(url)
}

/// Uses up the state a callback carries. Unknown, replayed, expired or another provider's
/// state is refused, and so is a state started in another browser (`browser_nonce` is the
/// value of this browser's flow cookie, if any).
pub fn take_state(
    ctx: &Ctx,
    p: Provider,
    state: &str,
    browser_nonce: Option<&str>,
) -> Result<OAuthState> {
    let flow = ctx
        .store
        .access()
        .take_oauth_state(&hash(state), ctx.clock.now())?
        .filter(|s| s.provider == p.as_str())
        .ok_or_else(|| {
            Error::Invalid(
                "this sign-in link is not valid any more (used, expired or forged); start again"
                    .into(),
            )
        })?;
    let same_browser = browser_nonce.is_some_and(|n| {
        !flow.browser.is_empty()
            && super::link_secrets::constant_time_eq(hash(n).as_bytes(), flow.browser.as_bytes())
    });
    if !same_browser {
        return Err(Error::Forbidden(
            "this sign-in was started in another browser; nothing was changed. Start again here"
                .into(),
        ));
    }
    Ok(flow)
}

fn identity(p: Provider, profile: &Profile) -> Identity {
    Identity {
        provider: p.as_str().into(),
        subject: profile.subject.clone(),
        email: profile.email.clone(),
        name: profile.name.clone(),
        picture_url: profile.picture_url.clone(),
    }
}

/// The account for a provider profile: the linked one; or, when linking, the signed-in one;
/// or a new account when registration is open and the address is not taken.
pub fn sign_in(
    ctx: &Ctx,
    p: Provider,
    profile: &Profile,
    link_user: Option<Id<User>>,
) -> Result<User> {
    let users = ctx.store.users();
    let linked = users.by_identity(p.as_str(), &profile.subject)?;
    if let Some(target) = link_user {
        if let Some(other) = &linked {
            if other.id != target {
                return Err(Error::Conflict(format!(
                    "this {} account is linked to another Plaudit account",
                    p.label()
                )));
            }
            return Ok(other.clone());
        }
        let mut user = users.get(&target)?.ok_or(Error::NotFound)?;
        user.identities.retain(|i| i.provider != p.as_str());
        user.identities.push(identity(p, profile));
        users.save_identities(&user)?;
        return Ok(user);
    }
    if let Some(mut user) = linked {
        if user.disabled {
            return Err(Error::Unauthorized("this account is disabled".into()));
        }
        if !user.email_verified {
            return Err(Error::Forbidden(format!(
                "confirm {} first with the link we emailed, then sign in with {} again",
                user.email,
                p.label()
            )));
        }
        // Keep the stored profile fresh (name, picture, email at the provider).
        user.identities.retain(|i| i.provider != p.as_str());
        user.identities.push(identity(p, profile));
        users.put(&user)?;
        return Ok(user);
    }
    let no_account = || {
        Error::Forbidden(format!(
            "no Plaudit account is linked to this {} account. Sign in with your password, then link {} in your account settings",
            p.label(),
            p.label()
        ))
    };
    if ctx.config.accounts.registration != Registration::Open {
        return Err(no_account());
    }
    let Some(email) = profile.email.as_deref() else {
        return Err(Error::Forbidden(format!(
            "{} did not share an email address",
            p.label()
        )));
    };
    let email = Email::parse(email).map_err(Error::Invalid)?;
    // An address the provider did not vouch for is confirmed by mail before it counts.
    let verified = profile.email_verified;
    let now = ctx.clock.now();
    let user = User {
        id: Id::generate(now),
        name: super::accounts::clean_name(profile.name.as_deref().unwrap_or(""), &email)?,
        email,
        password_hash: String::new(),
        instance_admin: false,
        created_at: now,
        email_verified: verified,
        disabled: false,
        session_epoch: 0,
        identities: vec![identity(p, profile)],
    };
    // An existing account with this address is never taken over by a provider sign-in.
    if users.insert(&user)? == InsertUser::EmailTaken {
        return Err(no_account());
    }
    users.save_identities(&user)?;
    if !verified {
        let token = super::link_secrets::issue(
            ctx,
            crate::domain::LinkPurpose::VerifyEmail {
                user: user.id,
                email: user.email.clone(),
            },
            super::accounts::verify_link_validity(ctx),
        )?;
        super::mailing::verification(ctx, &user.name, &user.email, &token)?;
        return Err(Error::Forbidden(format!(
            "we emailed a confirmation link to {}: open it, then sign in with {} again",
            user.email,
            p.label()
        )));
    }
    Ok(user)
}

/// Removes the link to `provider`, keeping at least one way to sign in (a password or
/// another provider).
pub fn unlink(ctx: &Ctx, user: &User, provider: &str) -> Result<User> {
    let mut user = ctx.store.users().get(&user.id)?.ok_or(Error::NotFound)?;
    let before = user.identities.len();
    user.identities.retain(|i| i.provider != provider);
    if user.identities.len() == before {
        return Err(Error::NotFound);
    }
    if user.password_hash.is_empty() && user.identities.is_empty() {
        return Err(Error::Conflict(
            "this is your only way to sign in: set a password first (reset it by email), then unlink"
                .into(),
        ));
    }
    ctx.store.users().save_identities(&user)?;
    Ok(user)
}
