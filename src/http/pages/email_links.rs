//! Pages behind emailed links: confirming an email address, resetting a password.

use super::auth::refuse_cross_site;
use super::{Answer, MaybeUser, html, redirect, run, run_hashing};
use crate::http::{AppState, Layout, PageError, session};
use crate::services::{accounts, passwords};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/token_form.html")]
struct TokenPage {
    layout: Layout,
    title: &'static str,
    intro: &'static str,
    action: String,
    button: &'static str,
    password: bool,
}

pub(super) async fn verify_page(
    req: HttpRequest,
    who: MaybeUser,
    token: web::Path<String>,
) -> Answer {
    // A GET never uses the link up: mail scanners open links too.
    let page = TokenPage {
        layout: who.1.clone(),
        title: "Confirm your email address",
        intro: "One click to confirm that this address is yours.",
        action: format!("/verify/{}", token.into_inner()),
        button: "Confirm my email",
        password: false,
    };
    html(&req, &page, &who.1)
}

pub(super) async fn verify(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: MaybeUser,
    token: web::Path<String>,
) -> Answer {
    refuse_cross_site(&req, &state, &who.1)?;
    let token = token.into_inner();
    match run(&state, &who.1, move |ctx| {
        accounts::verify_email(ctx, &token)
    })
    .await?
    {
        Ok(user) => Ok(redirect(
            "/login?next=/w",
            Ok(&format!("{} is confirmed. You can sign in.", user.email)),
        )),
        Err(message) => Err(PageError::new(
            &who.1,
            StatusCode::UNPROCESSABLE_ENTITY,
            message,
        )),
    }
}

#[derive(Template)]
#[template(path = "pages/reset_request.html")]
struct ResetRequestPage {
    layout: Layout,
    sent: bool,
}

pub(super) async fn reset_request_page(req: HttpRequest, who: MaybeUser) -> Answer {
    html(
        &req,
        &ResetRequestPage {
            layout: who.1.clone(),
            sent: false,
        },
        &who.1,
    )
}

#[derive(Deserialize)]
pub(super) struct EmailForm {
    email: String,
}

pub(super) async fn reset_request(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: MaybeUser,
    form: web::Form<EmailForm>,
) -> Answer {
    refuse_cross_site(&req, &state, &who.1)?;
    let email = form.into_inner().email;
    let ip = session::client_ip(&req);
    let limits = state.limits.clone();
    if let Err(message) = run(&state, &who.1, move |ctx| {
        passwords::request_reset(ctx, &limits, ip, &email)
    })
    .await?
    {
        return Err(PageError::throttled(&who.1, message));
    }
    html(
        &req,
        &ResetRequestPage {
            layout: who.1.clone(),
            sent: true,
        },
        &who.1,
    )
}

pub(super) async fn reset_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: MaybeUser,
    token: web::Path<String>,
) -> Answer {
    let token = token.into_inner();
    let t = token.clone();
    let valid = run(&state, &who.1, move |ctx| {
        passwords::reset_link_valid(ctx, &t)
    })
    .await?
    .unwrap_or(false);
    if !valid {
        return Err(PageError::new(
            &who.1,
            StatusCode::NOT_FOUND,
            "This reset link is not valid: it was used already or it expired. Ask for a new one.",
        ));
    }
    let page = TokenPage {
        layout: who.1.clone(),
        title: "Choose a new password",
        intro: "Every device signed in to your account will be signed out.",
        action: format!("/reset/{token}"),
        button: "Set the new password",
        password: true,
    };
    html(&req, &page, &who.1)
}

#[derive(Deserialize)]
pub(super) struct PasswordForm {
    password: String,
    password_confirm: String,
}

pub(super) async fn reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: MaybeUser,
    token: web::Path<String>,
    form: web::Form<PasswordForm>,
) -> Answer {
    refuse_cross_site(&req, &state, &who.1)?;
    let token = token.into_inner();
    let f = form.into_inner();
    if f.password != f.password_confirm {
        return Ok(redirect(
            &format!("/reset/{token}"),
            Err("The two passwords differ."),
        ));
    }
    let t = token.clone();
    match run_hashing(&state, &who.1, session::client_ip(&req), move |ctx| {
        passwords::reset_password(ctx, &t, f.password)
    })
    .await?
    {
        Ok(_) => Ok(redirect(
            "/login",
            Ok("Your password is changed. Sign in with the new one."),
        )),
        Err(message) => Ok(redirect(&format!("/reset/{token}"), Err(&message))),
    }
}
