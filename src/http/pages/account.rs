//! Account settings: name, password, email, linked sign-in providers, deletion.

use super::form_post::{self, FormPost};
use super::{Answer, PageUser, Visit, html, redirect, run, run_hashing};
use crate::domain::Identity;
use crate::http::{AppState, Layout, PageError};
use crate::services::{accounts, passwords};
use actix_web::{HttpRequest, web};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/account.html")]
struct AccountPage {
    layout: Layout,
    name: String,
    email: String,
    identities: Vec<Identity>,
    google: bool,
    facebook: bool,
}

pub(super) async fn page(req: HttpRequest, state: web::Data<AppState>, user: PageUser) -> Answer {
    let providers = &state.ctx.config.providers;
    let page = AccountPage {
        layout: user.layout.clone(),
        name: user.user.name.clone(),
        email: user.user.email.to_string(),
        identities: user.user.identities.clone(),
        google: providers.google.client_id.is_some(),
        facebook: providers.facebook.client_id.is_some(),
    };
    html(&req, &page, &user.layout)
}

#[derive(Deserialize)]
pub(super) struct NameForm {
    csrf: String,
    name: String,
}

pub(super) async fn rename(post: FormPost<NameForm>) -> Answer {
    let FormPost {
        action: Visit { state, user, .. },
        form,
    } = post;
    let (u, name) = (user.user.clone(), form.name);
    Ok(
        match run(&state, &user.layout, move |ctx| {
            accounts::rename(ctx, &u, &name)
        })
        .await?
        {
            Ok(_) => redirect("/account", Ok("Your name is saved.")),
            Err(m) => redirect("/account", Err(&m)),
        },
    )
}

#[derive(Deserialize)]
pub(super) struct PasswordForm {
    csrf: String,
    current_password: String,
    new_password: String,
    new_password_confirm: String,
}

pub(super) async fn password(post: FormPost<PasswordForm>) -> Answer {
    let FormPost {
        action: Visit { req, state, user },
        form: f,
    } = post;
    if f.new_password != f.new_password_confirm {
        return Ok(redirect("/account", Err("The two new passwords differ.")));
    }
    let u = user.user.clone();
    let ip = user.ip(&req);
    let sessions = state.sessions.clone();
    let result = run_hashing(
        &state,
        &user.layout,
        crate::http::session::client_ip(&req),
        move |ctx| {
            let changed = passwords::change_password(ctx, &u, &f.current_password, f.new_password)?;
            // Every other session is now signed out; this browser gets a fresh one.
            let (token, _) = sessions.issue(&ctx.store, &changed.id, &ip, ctx.clock.now())?;
            Ok(token)
        },
    )
    .await?;
    Ok(match result {
        Ok(token) => {
            let mut resp = redirect(
                "/account",
                Ok("Your password is changed; other devices are signed out."),
            );
            resp.add_cookie(&state.cookie.set(&token))
                .map_err(|e| PageError::internal(&user.layout, e.into()))?;
            resp
        }
        Err(m) => redirect("/account", Err(&m)),
    })
}

#[derive(Deserialize)]
pub(super) struct EmailForm {
    csrf: String,
    password: String,
    new_email: String,
}

pub(super) async fn email(post: FormPost<EmailForm>) -> Answer {
    let FormPost {
        action: Visit { req, state, user },
        form: f,
    } = post;
    let u = user.user.clone();
    Ok(
        match run_hashing(
            &state,
            &user.layout,
            crate::http::session::client_ip(&req),
            move |ctx| accounts::request_email_change(ctx, &u, &f.password, &f.new_email),
        )
        .await?
        {
            Ok(()) => redirect(
                "/account",
                Ok("Open the link we sent to the new address to finish the change."),
            ),
            Err(m) => redirect("/account", Err(&m)),
        },
    )
}

#[derive(Deserialize)]
pub(super) struct DeleteForm {
    csrf: String,
    #[serde(default)]
    password: String,
}

pub(super) async fn delete(post: FormPost<DeleteForm>) -> Answer {
    let FormPost {
        action: Visit { req, state, user },
        form,
    } = post;
    let (u, pw) = (user.user.clone(), form.password);
    Ok(
        match run_hashing(
            &state,
            &user.layout,
            crate::http::session::client_ip(&req),
            move |ctx| accounts::delete_account(ctx, &u, &pw),
        )
        .await?
        {
            Ok(()) => {
                let mut resp = redirect("/login", Ok("Your account is deleted."));
                resp.add_cookie(&state.cookie.clear())
                    .map_err(|e| PageError::internal(&user.layout, e.into()))?;
                resp
            }
            Err(m) => redirect("/account", Err(&m)),
        },
    )
}

pub(super) async fn unlink(
    Visit { req, state, user }: Visit,
    provider: web::Path<String>,
    form: web::Form<super::CsrfForm>,
) -> Answer {
    user.check_form(&req, &state, &form.csrf)?;
    let (u, p) = (user.user.clone(), provider.into_inner());
    Ok(
        match run(&state, &user.layout, move |ctx| {
            crate::services::provider_sign_in::unlink(ctx, &u, &p)
        })
        .await?
        {
            Ok(_) => redirect("/account", Ok("The provider is unlinked.")),
            Err(m) => redirect("/account", Err(&m)),
        },
    )
}

form_post::proof!(DeleteForm, EmailForm, NameForm, PasswordForm);
