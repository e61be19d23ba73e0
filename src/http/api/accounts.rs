//! /auth and /me: registration, verification, sign-in and out, reset, own account settings.

use super::{Registrar, hashing, read, views, write};
use crate::http::session::{Caller, ClientIp};
use crate::http::{ApiError, AppState};
use crate::services::auth::Principal;
use crate::services::{accounts, passwords, workspaces};
use actix_web::http::Method;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

pub fn routes(r: &mut Registrar) {
    r.add(Method::POST, "/auth/register", register)
        .doc(
            "auth",
            "Create an account (202 whether or not the email is known)",
        )
        .public()
        .body(&[
            ("email", "string"),
            ("password", "string"),
            ("name?", "string"),
            ("invitation?", "string"),
        ])
        .status(202);
    r.add(Method::POST, "/auth/verify", verify)
        .doc("auth", "Use an email verification link's token")
        .public()
        .body(&[("token", "string")]);
    r.add(Method::POST, "/auth/login", login)
        .doc(
            "auth",
            "Sign in; answers a session token and sets the session cookie",
        )
        .public()
        .body(&[("email", "string"), ("password", "string")]);
    r.add(Method::POST, "/auth/logout", logout)
        .doc(
            "auth",
            "Sign out: this session's token is refused afterwards",
        )
        .status(204);
    r.add(Method::POST, "/auth/password-reset", request_reset)
        .doc(
            "auth",
            "Email a password reset link (202 whether or not the email is known)",
        )
        .public()
        .body(&[("email", "string")])
        .status(202);
    r.add(Method::POST, "/auth/password-reset/confirm", confirm_reset)
        .doc(
            "auth",
            "Set a new password with a reset link's token; signs out every session",
        )
        .public()
        .body(&[("token", "string"), ("password", "string")]);
    r.add(Method::GET, "/me", me)
        .doc("account", "The signed-in person and their workspaces");
    r.add(Method::PATCH, "/me", rename)
        .doc("account", "Change your name")
        .body(&[("name", "string")]);
    r.add(Method::POST, "/me/password", change_password)
        .doc(
            "account",
            "Change your password; every earlier session token stops working",
        )
        .body(&[("current_password", "string"), ("new_password", "string")]);
    r.add(Method::POST, "/me/email", change_email)
        .doc(
            "account",
            "Change your email: a link is sent to the new address",
        )
        .body(&[("password", "string"), ("new_email", "string")])
        .status(202);
    r.add(Method::DELETE, "/me", delete_me)
        .doc("account", "Delete your account")
        .body(&[("password", "string")])
        .status(204);
    r.add(Method::POST, "/invitations/accept", accept_invitation)
        .doc(
            "account",
            "Join a workspace with an invitation link's token",
        )
        .body(&[("token", "string")]);
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterBody {
    email: String,
    password: String,
    #[serde(default)]
    name: String,
    invitation: Option<String>,
}

async fn register(
    state: web::Data<AppState>,
    ip: ClientIp,
    body: web::Json<RegisterBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let limits = state.limits.clone();
    hashing(&state, move |ctx| {
        accounts::register(
            ctx,
            &limits,
            ip.0,
            &b.email,
            b.password,
            &b.name,
            b.invitation.as_deref(),
        )
    })
    .await?;
    Ok(HttpResponse::Accepted().json(json!({
        "status": "accepted",
        "message": "if this address can register, a confirmation email is on its way"
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenBody {
    token: String,
}

async fn verify(
    state: web::Data<AppState>,
    body: web::Json<TokenBody>,
) -> Result<HttpResponse, ApiError> {
    let token = body.into_inner().token;
    let user = write(&state, move |ctx| accounts::verify_email(ctx, &token)).await?;
    Ok(HttpResponse::Ok().json(json!({"status": "verified", "email": user.email})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    email: String,
    password: String,
}

/// Issues a session for `user` and answers with its token and cookie.
async fn signed_in(
    state: &AppState,
    user_id: crate::domain::Id,
    ip: String,
) -> Result<HttpResponse, ApiError> {
    let sessions = state.sessions.clone();
    let (token, expires) = write(state, move |ctx| {
        let out = sessions.issue(&ctx.store, &user_id, &ip, ctx.clock.now())?;
        for (ws, _) in ctx.store.workspaces().of_user(&user_id)? {
            let label = ctx
                .store
                .users()
                .get(&user_id)?
                .map(|u| u.email.to_string())
                .unwrap_or_default();
            crate::services::audit::record_as(
                ctx,
                &ws,
                &format!("user:{user_id}"),
                &label,
                &ip,
                "user.signed_in",
                "",
            );
        }
        Ok(out)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .cookie(state.cookie.set(&token))
        .json(json!({"token": token, "expires_at": views::time(expires)})))
}

async fn login(
    state: web::Data<AppState>,
    ip: ClientIp,
    body: web::Json<LoginBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let limits = state.limits.clone();
    let user = hashing(&state, move |ctx| {
        passwords::check_login(ctx, &limits, ip.0, &b.email, &b.password)
    })
    .await?;
    signed_in(&state, user.id, ip.0.to_string()).await
}

async fn logout(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let Principal::User { session, .. } = caller.principal else {
        return Err(ApiError::from(crate::services::Error::Forbidden(
            "API keys have no session to end; revoke the key instead".into(),
        )));
    };
    write(&state, move |ctx| {
        Ok(ctx.store.access().revoke_session(&session)?)
    })
    .await?;
    Ok(HttpResponse::NoContent()
        .cookie(state.cookie.clear())
        .finish())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EmailBody {
    email: String,
}

async fn request_reset(
    state: web::Data<AppState>,
    ip: ClientIp,
    body: web::Json<EmailBody>,
) -> Result<HttpResponse, ApiError> {
    let email = body.into_inner().email;
    let limits = state.limits.clone();
    write(&state, move |ctx| {
        passwords::request_reset(ctx, &limits, ip.0, &email)
    })
    .await?;
    Ok(HttpResponse::Accepted().json(json!({
        "status": "accepted",
        "message": "if an account uses this address, a reset link is on its way"
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetBody {
    token: String,
    password: String,
}

async fn confirm_reset(
    state: web::Data<AppState>,
    body: web::Json<ResetBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let user = hashing(&state, move |ctx| {
        passwords::reset_password(ctx, &b.token, b.password)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({"status": "password_changed", "email": user.email})))
}

async fn me(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let principal = caller.principal;
    let (user, list) = read(&state, move |ctx| {
        let user = principal.user()?.clone();
        Ok((user, workspaces::list(ctx, &principal)?))
    })
    .await?;
    let mut out = views::user(&user);
    out["workspaces"] = json!(
        list.iter()
            .map(|(w, r)| json!({"id": w.id, "name": w.name, "role": r.as_str()}))
            .collect::<Vec<_>>()
    );
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NameBody {
    name: String,
}

async fn rename(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<NameBody>,
) -> Result<HttpResponse, ApiError> {
    let name = body.into_inner().name;
    let user = write(&state, move |ctx| {
        accounts::rename(ctx, caller.principal.user()?, &name)
    })
    .await?;
    Ok(HttpResponse::Ok().json(views::user(&user)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordBody {
    current_password: String,
    new_password: String,
}

async fn change_password(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<PasswordBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let ip = caller.ip();
    let principal = caller.principal;
    let user = hashing(&state, move |ctx| {
        passwords::change_password(ctx, principal.user()?, &b.current_password, b.new_password)
    })
    .await?;
    // Every earlier token is now refused: hand this client a fresh one.
    signed_in(&state, user.id, ip).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EmailChangeBody {
    password: String,
    new_email: String,
}

async fn change_email(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<EmailChangeBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let principal = caller.principal;
    hashing(&state, move |ctx| {
        accounts::request_email_change(ctx, principal.user()?, &b.password, &b.new_email)
    })
    .await?;
    Ok(HttpResponse::Accepted().json(
        json!({"status": "accepted", "message": "open the link sent to the new address to finish"}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordOnly {
    password: String,
}

async fn delete_me(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<PasswordOnly>,
) -> Result<HttpResponse, ApiError> {
    let password = body.into_inner().password;
    let principal = caller.principal;
    hashing(&state, move |ctx| {
        accounts::delete_account(ctx, principal.user()?, &password)
    })
    .await?;
    Ok(HttpResponse::NoContent()
        .cookie(state.cookie.clear())
        .finish())
}

async fn accept_invitation(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<TokenBody>,
) -> Result<HttpResponse, ApiError> {
    let token = body.into_inner().token;
    let ip = caller.ip();
    let principal = caller.principal;
    let (ws, role) = write(&state, move |ctx| {
        let user = principal.user()?;
        let (ws, role) = accounts::accept_invitation(ctx, user, &token)?;
        crate::services::audit::record(
            ctx,
            &ws,
            &principal,
            &ip,
            "member.joined",
            &format!("{} as {role}", user.email),
        );
        Ok((ws, role))
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({"workspace": ws, "role": role.as_str()})))
}
