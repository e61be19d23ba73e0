//! "Sign in with Google / Facebook": send the browser to the provider, take it back, sign in.

use super::{Answer, MaybeUser, redirect, run};
use crate::http::{AppState, Layout, PageError, session};
use crate::services::{audit, provider_sign_in};
use crate::sources::oauth::{self, OAuthError, Provider};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

fn provider(layout: &Layout, raw: &str) -> Result<Provider, PageError> {
    Provider::parse(raw).ok_or_else(|| PageError::not_found(layout))
}

#[derive(Deserialize)]
pub(super) struct StartQuery {
    next: Option<String>,
    link: Option<String>,
}

pub(super) async fn start(
    state: web::Data<AppState>,
    who: MaybeUser,
    p: web::Path<String>,
    q: web::Query<StartQuery>,
) -> Answer {
    let layout = who.1.clone();
    let p = provider(&layout, &p)?;
    let link_user = match (q.link.is_some(), &who.0) {
        (false, _) => None,
        (true, Some(u)) => Some(u.user.id),
        (true, None) => {
            return Ok(HttpResponse::SeeOther()
                .insert_header(("Location", "/login?next=/account"))
                .finish());
        }
    };
    let fallback = if link_user.is_some() {
        "/account"
    } else {
        "/w"
    };
    let next = crate::http::next::safe_next(q.next.as_deref(), &state.ctx.instance_url, fallback);
    // The flow counts only in the browser that starts it: a nonce cookie here, its hash in
    // the stored state, both required at the callback.
    let nonce = crate::services::link_secrets::new_token();
    let bound = nonce.clone();
    match run(&state, &layout, move |ctx| {
        provider_sign_in::start(ctx, p, link_user, &next, &bound)
    })
    .await?
    {
        Ok(url) => Ok(HttpResponse::SeeOther()
            .insert_header(("Location", url))
            .cookie(flow_cookie(&state, nonce, 600))
            .finish()),
        Err(m) => Err(PageError::new(&layout, StatusCode::NOT_FOUND, m)),
    }
}

pub(super) const FLOW_COOKIE: &str = "plaudit_oauth_flow";

fn flow_cookie(state: &AppState, value: String, max_age_secs: i64) -> Cookie<'static> {
    provider_flow_cookie(state, FLOW_COOKIE, "/auth/", value, max_age_secs)
}

/// The nonce cookie binding a provider flow (sign-in or connecting) to the browser that
/// started it. HttpOnly and SameSite=Lax: sent on the provider's top-level redirect back to
/// us, never readable by scripts.
pub(super) fn provider_flow_cookie(
    state: &AppState,
    name: &'static str,
    path: &'static str,
    value: String,
    max_age_secs: i64,
) -> Cookie<'static> {
    Cookie::build(name, value)
        .path(path)
        .http_only(true)
        .secure(state.cookie.secure)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::seconds(max_age_secs))
        .finish()
}

/// What a provider's OAuth redirect carries back (sign-in and connecting alike).
#[derive(Deserialize)]
pub(super) struct CallbackQuery {
    pub(super) code: Option<String>,
    pub(super) state: Option<String>,
    pub(super) error: Option<String>,
    pub(super) error_description: Option<String>,
}

pub(super) async fn callback(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: MaybeUser,
    p: web::Path<String>,
    q: web::Query<CallbackQuery>,
) -> Answer {
    let layout = who.1.clone();
    let p = provider(&layout, &p)?;
    let q = q.into_inner();
    let Some(raw_state) = q.state.clone() else {
        return Err(PageError::new(
            &layout,
            StatusCode::BAD_REQUEST,
            "The sign-in answer is incomplete (no state). Start again.",
        ));
    };
    // The state is used up whatever happens next: a replay finds nothing.
    let nonce = req.cookie(FLOW_COOKIE).map(|c| c.value().to_string());
    let taken = run(&state, &layout, move |ctx| {
        provider_sign_in::take_state(ctx, p, &raw_state, nonce.as_deref())
    })
    .await?;
    let flow = taken.map_err(|m| PageError::new(&layout, StatusCode::BAD_REQUEST, m))?;
    // Linking adds an identity to the account that asked for it, and only while that account
    // is the one signed in here.
    if let Some(linker) = flow.link_user
        && who.0.as_ref().map(|u| u.user.id) != Some(linker)
    {
        return Err(PageError::new(
            &layout,
            StatusCode::FORBIDDEN,
            "This link request belongs to another account; nothing was changed. Sign in and start again.",
        ));
    }
    if let Some(error) = q.error {
        // The provider's own words go to the log only: anyone can put text in this URL.
        tracing::warn!(provider = p.as_str(), %error, description = ?q.error_description, "provider refused the sign-in");
        let message = if error == "access_denied" {
            format!(
                "You declined to sign in with {}. Nothing was changed.",
                p.label()
            )
        } else {
            format!(
                "{} could not complete the sign-in. Nothing was changed; please try again.",
                p.label()
            )
        };
        return Err(PageError::new(&layout, StatusCode::FORBIDDEN, message));
    }
    let Some(code) = q.code else {
        return Err(PageError::new(
            &layout,
            StatusCode::BAD_REQUEST,
            "The sign-in answer is incomplete (no code). Start again.",
        ));
    };
    let redirect_uri = provider_sign_in::redirect_uri(&state.ctx, p);
    let profile = oauth::finish(
        &state.http,
        &state.ctx.config.providers,
        p,
        &redirect_uri,
        &code,
        &flow.verifier,
    )
    .await
    .map_err(|e| {
        let status = match e {
            OAuthError::Unavailable { .. } => StatusCode::BAD_GATEWAY,
            _ => StatusCode::FORBIDDEN,
        };
        tracing::warn!(provider = p.as_str(), error = %e, "provider sign-in failed");
        let message = match status {
            StatusCode::BAD_GATEWAY => format!(
                "{} did not answer properly. Nothing was changed; please try again.",
                p.label()
            ),
            _ => format!(
                "{} could not confirm the sign-in. Nothing was changed; please try again.",
                p.label()
            ),
        };
        PageError::new(&layout, status, message)
    })?;
    let ip = session::client_ip(&req).to_string();
    let (sessions, link_user, next) = (state.sessions.clone(), flow.link_user, flow.next.clone());
    let result = run(&state, &layout, move |ctx| {
        let user = provider_sign_in::sign_in(ctx, p, &profile, link_user)?;
        let (token, _) = sessions.issue(&ctx.store, &user.id, &ip, ctx.clock.now())?;
        audit::signed_in(ctx, &user, &ip, p.as_str())?;
        Ok(token)
    })
    .await?;
    match result {
        Ok(token) => {
            let note = if link_user.is_some() {
                format!("{} is linked to your account.", p.label())
            } else {
                "Signed in.".into()
            };
            let mut resp = redirect(&next, Ok(&note));
            resp.add_cookie(&state.cookie.set(&token))
                .map_err(|e| PageError::internal(&layout, e.into()))?;
            resp.add_cookie(&flow_cookie(&state, String::new(), 0))
                .map_err(|e| PageError::internal(&layout, e.into()))?;
            Ok(resp)
        }
        Err(m) => Err(PageError::new(&layout, StatusCode::FORBIDDEN, m)),
    }
}
