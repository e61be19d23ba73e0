//! /auth: registration, verification, sign-in and out, password reset; accepting invitations.

use super::{Answer, Api, Body, hashing, views, write};
use crate::http::session::{Caller, ClientIp};
use crate::http::{ApiError, AppState};
use crate::services::auth::Principal;
use crate::services::{accounts, invitations, passwords};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RegisterBody {
    #[schemars(email, length(max = 254))]
    email: String,
    #[schemars(schema_with = "super::schema::new_password")]
    password: String,
    #[serde(default)]
    #[schemars(regex(pattern = crate::domain::shapes::LINE_OR_EMPTY), length(max = 200))]
    name: String,
    /// The token of an invitation link, to join its workspace on verification.
    #[schemars(length(min = 1, max = 512))]
    invitation: Option<String>,
}

pub(super) async fn register(
    state: web::Data<AppState>,
    ip: ClientIp,
    body: Body<RegisterBody>,
) -> Answer {
    let b = body.into_inner();
    let limits = state.limits.clone();
    hashing(&state, ip.0, move |ctx| {
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

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct TokenBody {
    #[schemars(length(min = 1, max = 512))]
    token: String,
}

pub(super) async fn verify(state: web::Data<AppState>, body: Body<TokenBody>) -> Answer {
    let token = body.into_inner().token;
    let user = write(&state, move |ctx| accounts::verify_email(ctx, &token)).await?;
    Ok(HttpResponse::Ok().json(json!({"status": "verified", "email": user.email})))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct LoginBody {
    email: String,
    password: String,
}

/// Issues a session for `user` and answers with its token and cookie.
pub(super) async fn signed_in(
    state: &AppState,
    user_id: crate::domain::Id<crate::domain::User>,
    ip: String,
) -> Answer {
    let sessions = state.sessions.clone();
    let (token, expires) = write(state, move |ctx| {
        let out = sessions.issue(&ctx.store, &user_id, &ip, ctx.clock.now())?;
        if let Some(user) = ctx.store.users().get(&user_id)? {
            crate::services::audit::signed_in(ctx, &user, &ip, "")?;
        }
        Ok(out)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .cookie(state.cookie.set(&token))
        .json(views::SessionView {
            token,
            expires_at: expires.into(),
        }))
}

pub(super) async fn login(
    state: web::Data<AppState>,
    ip: ClientIp,
    body: Body<LoginBody>,
) -> Answer {
    let b = body.into_inner();
    let limits = state.limits.clone();
    tokio::time::sleep(passwords::sign_in_delay(&limits, &b.email)).await;
    let user = hashing(&state, ip.0, move |ctx| {
        passwords::check_login(ctx, &limits, ip.0, &b.email, &b.password)
    })
    .await?;
    signed_in(&state, user.id, ip.0.to_string()).await
}

pub(super) async fn logout(state: web::Data<AppState>, caller: Caller) -> Answer {
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

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct EmailBody {
    #[schemars(email, length(max = 254))]
    email: String,
}

pub(super) async fn request_reset(
    state: web::Data<AppState>,
    ip: ClientIp,
    body: Body<EmailBody>,
) -> Answer {
    let email = body.into_inner().email;
    // A malformed address reveals nothing about accounts: say so (the answer for a
    // well-formed one stays the same whether or not it is known).
    crate::domain::Email::parse(&email)
        .map_err(|m| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", m))?;
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

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ResetBody {
    #[schemars(length(min = 1, max = 512))]
    token: String,
    #[schemars(schema_with = "super::schema::new_password")]
    password: String,
}

pub(super) async fn confirm_reset(
    state: web::Data<AppState>,
    ip: ClientIp,
    body: Body<ResetBody>,
) -> Answer {
    let b = body.into_inner();
    let user = hashing(&state, ip.0, move |ctx| {
        passwords::reset_password(ctx, &b.token, b.password)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({"status": "password_changed", "email": user.email})))
}

pub(super) async fn accept_invitation(api: Api, body: Body<TokenBody>) -> Answer {
    let token = body.into_inner().token;
    let (ws, role) = api
        .write(move |ctx, who| {
            let user = who.user()?;
            let (ws, role) = invitations::accept(ctx, user, &token)?;
            crate::services::audit::record(
                ctx,
                &ws,
                who,
                "member.joined",
                &format!("{} as {role}", user.email),
            );
            Ok((ws, role))
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({"workspace": ws, "role": role.as_str()})))
}
