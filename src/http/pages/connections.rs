//! Connections pages: connect Google or Facebook, see each connection's sync status, map
//! remote locations to locations, sync now, disconnect; and the provider's return address.

use super::workspaces::{WsNav, enter};
use super::{MaybeUser, PageUser, act, html, id, redirect, run, show};
use crate::domain::{Access, Connection, Location};
use crate::http::{AppState, Layout, PageError};
use crate::services::{connections, locations};
use crate::sources::{Provider, RemoteLocation};
use crate::store::PageRequest;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/w/{ws}/connections", web::get().to(list))
        .route("/w/{ws}/connections", web::post().to(start))
        .route("/w/{ws}/connections/{id}", web::get().to(detail))
        .route("/w/{ws}/connections/{id}", web::post().to(change))
        .route("/oauth/{provider}/callback", web::get().to(callback));
}

const FLOW_COOKIE: &str = "plaudit_connect_flow";

fn flow_cookie(state: &AppState, value: String, max_age_secs: i64) -> Cookie<'static> {
    Cookie::build(FLOW_COOKIE, value)
        .path("/oauth/")
        .http_only(true)
        .secure(state.cookie.secure)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::seconds(max_age_secs))
        .finish()
}

#[derive(Template)]
#[template(path = "pages/connections.html")]
struct ListPage {
    layout: Layout,
    ws: WsNav,
    items: Vec<Connection>,
    locations: Vec<Location>,
    google: bool,
    facebook: bool,
}

impl ListPage {
    fn when(&self, t: &Option<time::OffsetDateTime>) -> String {
        when(t)
    }

    fn location_name(&self, id: &crate::domain::Id<Location>) -> String {
        self.locations
            .iter()
            .find(|l| &l.id == id)
            .map_or_else(|| "(archived location)".into(), |l| l.name.clone())
    }
}

/// "never", or the time in UTC to the minute (for templates).
pub fn when(t: &Option<time::OffsetDateTime>) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    t.map_or_else(|| "never".into(), |t| t.format(&fmt).unwrap_or_default())
}

async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    ws: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let nav = enter(&state, &user, &ws, Access::Read, "connections").await?;
    let (principal, wid) = (user.principal.clone(), nav.id);
    let (items, locs) = show(&state, &user.layout, move |ctx| {
        let c = connections::list(ctx, &principal, &wid, &PageRequest::first(200))?;
        let l = locations::list(ctx, &principal, &wid, &PageRequest::first(200))?;
        Ok((c.items, l.items))
    })
    .await?;
    let p = &state.ctx.config.providers;
    html(
        &req,
        &ListPage {
            layout: user.layout.clone(),
            ws: nav,
            items,
            locations: locs,
            google: p.google.client_id.is_some(),
            facebook: p.facebook.client_id.is_some(),
        },
        &user.layout,
    )
}

#[derive(Deserialize)]
struct StartForm {
    csrf: String,
    provider: String,
}

async fn start(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    ws: web::Path<String>,
    form: web::Form<StartForm>,
) -> Result<HttpResponse, PageError> {
    user.check_form(&req, &state, &form.csrf)?;
    let wid = id(&user.layout, &ws)?;
    let back = format!("/w/{wid}/connections");
    let Some(p) = Provider::parse(&form.provider) else {
        return Ok(redirect(&back, Err("Choose Google or Facebook.")));
    };
    let nonce = crate::services::links::new_token();
    let bound = nonce.clone();
    let (principal, ip) = (user.principal.clone(), user.ip(&req));
    match run(&state, &user.layout, move |ctx| {
        connections::start(ctx, &principal, &ip, &wid, p, Some(&bound))
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

#[derive(Template)]
#[template(path = "pages/connection.html")]
struct DetailPage {
    layout: Layout,
    ws: WsNav,
    conn: Connection,
    remote: Vec<RemoteLocation>,
    remote_error: Option<String>,
    locations: Vec<Location>,
}

impl DetailPage {
    fn when(&self, t: &Option<time::OffsetDateTime>) -> String {
        when(t)
    }

    fn is_mapped(&self, external: &str, loc: &crate::domain::Id<Location>) -> bool {
        self.conn
            .feed_for(external)
            .is_some_and(|f| &f.location == loc)
    }
}

async fn detail(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let nav = enter(&state, &user, &path.0, Access::Read, "connections").await?;
    let cid = id(&user.layout, &path.1)?;
    let (principal, wid) = (user.principal.clone(), nav.id);
    let (conn, locs) = show(&state, &user.layout, move |ctx| {
        let c = connections::get(ctx, &principal, &wid, &cid, Access::Read)?;
        let l = locations::list(ctx, &principal, &wid, &PageRequest::first(200))?;
        Ok((c, l.items))
    })
    .await?;
    let (remote, remote_error) = if conn.status == crate::domain::ConnectionStatus::Pending {
        (Vec::new(), None)
    } else {
        match state.poller.remote_locations(conn.clone()).await {
            Ok(r) => (r, None),
            Err(e) => (Vec::new(), Some(e.to_string())),
        }
    };
    html(
        &req,
        &DetailPage {
            layout: user.layout.clone(),
            ws: nav,
            conn,
            remote,
            remote_error,
            locations: locs.into_iter().filter(|l| !l.archived).collect(),
        },
        &user.layout,
    )
}

#[derive(Deserialize)]
struct ChangeForm {
    csrf: String,
    /// "sync", "disconnect" or "map".
    action: String,
    #[serde(default)]
    external_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    location: String,
}

async fn change(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<(String, String)>,
    form: web::Form<ChangeForm>,
) -> Result<HttpResponse, PageError> {
    let (wid, cid) = (id(&user.layout, &path.0)?, id(&user.layout, &path.1)?);
    let f = form.into_inner();
    let list = format!("/w/{wid}/connections");
    let here = format!("/w/{wid}/connections/{cid}");
    match f.action.as_str() {
        "sync" => {
            act(
                &req,
                &state,
                &user,
                &f.csrf,
                &list,
                "A sync will start in a moment.",
                move |ctx, who, _| connections::request_sync(ctx, who, &wid, &cid),
            )
            .await
        }
        "map" => {
            let Ok(loc) = f.location.parse() else {
                return Ok(redirect(&here, Err("Choose a location.")));
            };
            let done = format!("{} now feeds that location.", f.name);
            act(
                &req,
                &state,
                &user,
                &f.csrf,
                &here,
                &done,
                move |ctx, who, ip| {
                    connections::set_source(
                        ctx,
                        who,
                        ip,
                        &wid,
                        &loc,
                        &connections::Source {
                            connection: cid,
                            external_id: &f.external_id,
                            name: &f.name,
                        },
                    )
                },
            )
            .await
        }
        "disconnect" => {
            user.check_form(&req, &state, &f.csrf)?;
            let principal = user.principal.clone();
            let conn = show(&state, &user.layout, move |ctx| {
                connections::get(ctx, &principal, &wid, &cid, Access::Write)
            })
            .await?;
            if let Err(e) = state.poller.revoke(conn).await {
                tracing::warn!(connection = %cid, error = %e, "revoking at the provider failed; tokens deleted anyway");
            }
            act(
                &req,
                &state,
                &user,
                &f.csrf,
                &list,
                "Disconnected; the tokens are deleted.",
                move |ctx, who, ip| connections::remove(ctx, who, ip, &wid, &cid),
            )
            .await
        }
        _ => Ok(redirect(&here, Err("Unknown action."))),
    }
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

async fn callback(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: MaybeUser,
    p: web::Path<String>,
    q: web::Query<CallbackQuery>,
) -> Result<HttpResponse, PageError> {
    let layout = who.1.clone();
    let nothing = || {
        PageError::new(
            &layout,
            StatusCode::NOT_FOUND,
            "There is nothing at this address.",
        )
    };
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
    let taken = run(&state, &layout, move |ctx| {
        connections::take_state(ctx, p, &raw_state, nonce.as_deref())
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
        .poller
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
