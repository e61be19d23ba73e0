//! "Sign in with Google / Facebook": send the browser to the provider, take it back, sign in.

use super::{MaybeUser, redirect, run};
use crate::http::{AppState, Layout, PageError, session};
use crate::services::{audit, social};
use crate::sources::oauth::{self, OAuthError, Provider};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/{provider}/start", web::get().to(start))
        .route("/auth/{provider}/callback", web::get().to(callback));
}

fn provider(layout: &Layout, raw: &str) -> Result<Provider, PageError> {
    Provider::parse(raw).ok_or_else(|| {
        PageError::new(
            layout,
            StatusCode::NOT_FOUND,
            "There is nothing at this address.",
        )
    })
}

#[derive(Deserialize)]
struct StartQuery {
    next: Option<String>,
    link: Option<String>,
}

async fn start(
    state: web::Data<AppState>,
    who: MaybeUser,
    p: web::Path<String>,
    q: web::Query<StartQuery>,
) -> Result<HttpResponse, PageError> {
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
    let next = q
        .next
        .clone()
        .filter(|n| n.starts_with('/') && !n.starts_with("//"))
        .unwrap_or_else(|| {
            if link_user.is_some() {
                "/account".into()
            } else {
                "/w".into()
            }
        });
    match run(&state, &layout, move |ctx| {
        social::start(ctx, p, link_user, &next)
    })
    .await?
    {
        Ok(url) => Ok(HttpResponse::SeeOther()
            .insert_header(("Location", url))
            .finish()),
        Err(m) => Err(PageError::new(&layout, StatusCode::NOT_FOUND, m)),
    }
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

async fn callback(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: MaybeUser,
    p: web::Path<String>,
    q: web::Query<CallbackQuery>,
) -> Result<HttpResponse, PageError> {
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
    let taken = run(&state, &layout, move |ctx| {
        social::take_state(ctx, p, &raw_state)
    })
    .await?;
    let flow = taken.map_err(|m| PageError::new(&layout, StatusCode::BAD_REQUEST, m))?;
    if let Some(error) = q.error {
        let message = if error == "access_denied" {
            format!(
                "You declined to sign in with {}. Nothing was changed.",
                p.label()
            )
        } else {
            format!(
                "{} reported a problem: {}",
                p.label(),
                q.error_description.unwrap_or(error)
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
    let redirect_uri = social::redirect_uri(&state.ctx, p);
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
        PageError::new(&layout, status, e.to_string())
    })?;
    let ip = session::client_ip(&req).to_string();
    let (sessions, link_user, next) = (state.sessions.clone(), flow.link_user, flow.next.clone());
    let result = run(&state, &layout, move |ctx| {
        let user = social::sign_in(ctx, p, &profile, link_user)?;
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
            Ok(resp)
        }
        Err(m) => Err(PageError::new(&layout, StatusCode::FORBIDDEN, m)),
    }
}
