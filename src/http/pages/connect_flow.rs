//! Connecting an account: the "Connect Google / Facebook" button sends the browser to the
//! provider (bound to this browser by a nonce cookie), and the provider's return address
//! finishes the connection.

use super::form_post::{self, FormPost};
use super::{Answer, MaybeUser, Visit, redirect, run};
use crate::http::paths::WsPath;
use crate::http::{AppState, PageError};
use crate::services::connections;
use crate::sources::Provider;
use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

pub(super) const FLOW_COOKIE: &str = "plaudit_connect_flow";

fn flow_cookie(state: &AppState, value: String, max_age_secs: i64) -> Cookie<'static> {
    super::oauth::provider_flow_cookie(state, FLOW_COOKIE, "/oauth/", value, max_age_secs)
}

#[derive(Deserialize)]
pub(super) struct StartForm {
    csrf: String,
    provider: String,
}

pub(super) async fn start(ws: WsPath, post: FormPost<StartForm>) -> Answer {
    let FormPost {
        action: Visit { req, state, user },
        form,
    } = post;
    let wid = ws.into_inner();
    let back = format!("/w/{wid}/connections");
    let Some(p) = Provider::parse(&form.provider) else {
        return Ok(redirect(&back, Err("Choose Google or Facebook.")));
    };
    let nonce = crate::services::link_secrets::new_token();
    let bound = nonce.clone();
    let actor = user.actor(&req);
    match run(&state, &user.layout, move |ctx| {
        connections::start(ctx, &actor, &wid, p, Some(&bound))
    })
    .await?
    {
        Ok((_, url)) => Ok(HttpResponse::SeeOther()
            .insert_header(("Location", url))
            .cookie(flow_cookie(&state, nonce, 1800))
            .finish()),
        Err(m) => Ok(redirect(&back, Err(&m))),
    }
}

pub(super) async fn callback(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: MaybeUser,
    p: web::Path<String>,
    q: web::Query<super::oauth::CallbackQuery>,
) -> Answer {
    let layout = who.1.clone();
    let nothing = || PageError::not_found(&layout);
    let p = Provider::parse(&p).ok_or_else(nothing)?;
    let q = q.into_inner();
    let Some(raw_state) = q.state.clone() else {
        return Err(PageError::new(
            &layout,
            StatusCode::BAD_REQUEST,
            "The provider's answer is incomplete (no state). Start connecting again.",
        ));
    };
    let nonce = req.cookie(FLOW_COOKIE).map(|c| c.value().to_string());
    let signed_in = who.0.as_ref().map(|u| u.user.id);
    let taken = run(&state, &layout, move |ctx| {
        connections::take_state(ctx, p, &raw_state, nonce.as_deref(), signed_in)
    })
    .await?;
    let (flow, ws, cid) = taken.map_err(|m| PageError::new(&layout, StatusCode::BAD_REQUEST, m))?;
    let back = format!("/w/{ws}/connections");
    let failed = async |reason: String| -> Result<HttpResponse, PageError> {
        let r = reason.clone();
        run(&state, &layout, move |ctx| {
            connections::fail(ctx, &ws, &cid, &r)
        })
        .await?
        .ok();
        let mut resp = redirect(&back, Err(&reason));
        resp.add_cookie(&flow_cookie(&state, String::new(), 0))
            .map_err(|e| PageError::internal(&layout, e.into()))?;
        Ok(resp)
    };
    if let Some(error) = q.error {
        tracing::warn!(provider = p.as_str(), %error, "provider refused the connection");
        let reason = if error == "access_denied" {
            format!("You declined at {}; nothing was connected.", p.label())
        } else {
            format!(
                "{} did not grant access; nothing was connected. Try again.",
                p.label()
            )
        };
        return failed(reason).await;
    }
    let Some(code) = q.code.filter(|c| !c.is_empty() && c.len() <= 2048) else {
        return failed("The provider's answer is incomplete (no code). Try again.".into()).await;
    };
    match state
        .gateway
        .finish_connect(p, ws, cid, &code, &flow.verifier)
        .await
    {
        Ok(conn) => {
            let note = format!(
                "{} connected{}. Choose which of its locations feed yours below.",
                p.label(),
                conn.account.map(|a| format!(" ({a})")).unwrap_or_default()
            );
            let mut resp = redirect(&format!("/w/{ws}/connections/{cid}"), Ok(&note));
            resp.add_cookie(&flow_cookie(&state, String::new(), 0))
                .map_err(|e| PageError::internal(&layout, e.into()))?;
            Ok(resp)
        }
        Err(e) => {
            tracing::warn!(provider = p.as_str(), error = %e, "connecting failed");
            failed(format!(
                "{} could not complete the connection: {e}",
                p.label()
            ))
            .await
        }
    }
}

form_post::proof!(StartForm);
