//! Sign-in, sign-out and registration pages.

use super::form_post::FormPost;
use super::{Answer, CsrfForm, MaybeUser, Visit, html, redirect, run, run_hashing};
use crate::config::Registration;
use crate::http::{AppState, Layout, PageError, csrf, session};
use crate::services::{accounts, passwords};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

pub(super) fn refuse_cross_site(
    req: &HttpRequest,
    state: &AppState,
    layout: &Layout,
) -> Result<(), PageError> {
    if csrf::same_origin(req, &state.ctx.instance_url) {
        Ok(())
    } else {
        Err(PageError::new(
            layout,
            StatusCode::FORBIDDEN,
            "This form was sent from another site and has been refused.",
        ))
    }
}

#[derive(Template)]
#[template(path = "pages/login.html")]
struct LoginPage {
    layout: Layout,
    email: String,
    next: String,
    google: bool,
    facebook: bool,
    registration_open: bool,
}

#[derive(Deserialize)]
pub(super) struct NextQuery {
    next: Option<String>,
}

fn login_view(state: &AppState, layout: Layout, email: String, next: String) -> LoginPage {
    let providers = &state.ctx.config.providers;
    LoginPage {
        layout,
        email,
        next,
        google: providers.google.client_id.is_some(),
        facebook: providers.facebook.client_id.is_some(),
        registration_open: state.ctx.config.accounts.registration == Registration::Open,
    }
}

pub(super) async fn login_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: MaybeUser,
    q: web::Query<NextQuery>,
) -> Answer {
    let next = crate::http::next::safe_next(q.next.as_deref(), &state.ctx.instance_url, "/w");
    if who.0.is_some() {
        return Ok(HttpResponse::SeeOther()
            .insert_header(("Location", next))
            .finish());
    }
    html(
        &req,
        &login_view(&state, who.1.clone(), String::new(), next),
        &who.1,
    )
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

pub(super) async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: MaybeUser,
    form: web::Form<LoginForm>,
) -> Answer {
    let layout = who.1;
    refuse_cross_site(&req, &state, &layout)?;
    let f = form.into_inner();
    let next = crate::http::next::safe_next(f.next.as_deref(), &state.ctx.instance_url, "/w");
    let ip = session::client_ip(&req);
    let (limits, sessions) = (state.limits.clone(), state.sessions.clone());
    let email = f.email.clone();
    tokio::time::sleep(passwords::sign_in_delay(&limits, &email)).await;
    let result = run_hashing(&state, &layout, session::client_ip(&req), move |ctx| {
        let user = passwords::check_login(ctx, &limits, ip, &email, &f.password)?;
        let (token, _) = sessions.issue(&ctx.store, &user.id, &ip.to_string(), ctx.clock.now())?;
        crate::services::audit::signed_in(ctx, &user, &ip.to_string(), "")?;
        Ok(token)
    })
    .await?;
    match result {
        Ok(token) => Ok(HttpResponse::SeeOther()
            .insert_header(("Location", next))
            .cookie(state.cookie.set(&token))
            .finish()),
        Err(message) => {
            let mut layout = layout.clone();
            layout.error = Some(message);
            let page = login_view(&state, layout.clone(), f.email, next);
            let mut resp = html(&req, &page, &layout)?;
            *resp.status_mut() = StatusCode::UNAUTHORIZED;
            Ok(resp)
        }
    }
}

pub(super) async fn logout(post: FormPost<CsrfForm>) -> Answer {
    let FormPost {
        action: Visit { state, user, .. },
        ..
    } = post;
    let session = user.session;
    run(&state, &user.layout, move |ctx| {
        Ok(ctx.store.access().revoke_session(&session)?)
    })
    .await?
    .ok();
    let mut resp = redirect("/login", Ok("You are signed out."));
    resp.add_cookie(&state.cookie.clear())
        .map_err(|e| PageError::internal(&user.layout, e.into()))?;
    Ok(resp)
}

#[derive(Template)]
#[template(path = "pages/register.html")]
struct RegisterPage {
    layout: Layout,
    open: bool,
    invitation: String,
    email: String,
    name: String,
    done: bool,
    /// The invitation the form came from, read from its link: where it leads.
    invited: Option<crate::services::invitations::Invited>,
    /// After registering from an invitation: whether the account now exists in the workspace
    /// (false: the address already had an account, which was emailed instead).
    joined: bool,
}

/// The invitation behind a token, if it is still valid.
async fn invitation_of(
    state: &AppState,
    layout: &Layout,
    token: &str,
) -> Result<Option<crate::services::invitations::Invited>, PageError> {
    if token.is_empty() {
        return Ok(None);
    }
    let t = token.to_string();
    Ok(super::run(state, layout, move |ctx| {
        crate::services::invitations::describe(ctx, &t)
    })
    .await?
    .ok())
}

#[derive(Deserialize)]
pub(super) struct RegisterQuery {
    invitation: Option<String>,
    email: Option<String>,
}

pub(super) async fn register_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: MaybeUser,
    q: web::Query<RegisterQuery>,
) -> Answer {
    let q = q.into_inner();
    let invitation = q.invitation.unwrap_or_default();
    let invited = invitation_of(&state, &who.1, &invitation).await?;
    let page = RegisterPage {
        layout: who.1.clone(),
        open: state.ctx.config.accounts.registration == Registration::Open
            || !invitation.is_empty(),
        // The invited address, filled in: the invitation only works for it.
        email: invited
            .as_ref()
            .map(|i| i.email.to_string())
            .or(q.email)
            .unwrap_or_default(),
        invitation,
        name: String::new(),
        done: false,
        invited,
        joined: false,
    };
    html(&req, &page, &who.1)
}

#[derive(Deserialize)]
pub(super) struct RegisterForm {
    email: String,
    #[serde(default)]
    name: String,
    password: String,
    password_confirm: String,
    #[serde(default)]
    invitation: String,
}

pub(super) async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: MaybeUser,
    form: web::Form<RegisterForm>,
) -> Answer {
    let layout = who.1;
    refuse_cross_site(&req, &state, &layout)?;
    let f = form.into_inner();
    let invited = invitation_of(&state, &layout, &f.invitation).await?;
    let mut page = RegisterPage {
        layout: layout.clone(),
        open: true,
        invitation: f.invitation.clone(),
        email: f.email.clone(),
        name: f.name.clone(),
        done: false,
        invited,
        joined: false,
    };
    let f_invitation = f.invitation.clone();
    let result = if f.password != f.password_confirm {
        Err("The two passwords differ.".to_string())
    } else {
        let ip = session::client_ip(&req);
        let limits = state.limits.clone();
        let invitation = (!f.invitation.is_empty()).then_some(f.invitation.clone());
        run_hashing(&state, &layout, session::client_ip(&req), move |ctx| {
            accounts::register(
                ctx,
                &limits,
                ip,
                &f.email,
                f.password,
                &f.name,
                invitation.as_deref(),
            )
        })
        .await?
        .map(|_| ())
    };
    match result {
        Ok(()) => {
            page.done = true;
            // Joined when the link is used up now: the truth about what happens next.
            page.joined = page.invited.is_some()
                && invitation_of(&state, &layout, &f_invitation)
                    .await?
                    .is_none();
        }
        Err(message) => page.layout.error = Some(message),
    }
    let status = if page.done {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut resp = html(&req, &page, &layout)?;
    *resp.status_mut() = status;
    Ok(resp)
}
