//! Connections pages: each connection's sync status, mapping its remote locations to
//! locations, sync now, disconnect. Connecting itself is in `connect_flow`.

use super::form_post::{self, FormPost};
use super::workspaces::{WsNav, enter};
use super::{Answer, Visit, html, redirect, show};
use crate::domain::{Access, Connection, Location};
use crate::http::Layout;
use crate::http::paths::{WsChildPath, WsPath};
use crate::services::{connections, locations};
use crate::sources::RemoteLocation;
use crate::store::PageRequest;
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/connections.html")]
struct ListPage {
    layout: Layout,
    ws: WsNav,
    items: Vec<Connection>,
    /// Items in total per connection (same order as `items`).
    totals: Vec<u64>,
    locations: Vec<Location>,
    google: bool,
    facebook: bool,
}

impl ListPage {
    fn when(&self, t: &Option<time::OffsetDateTime>) -> String {
        when(t)
    }

    fn total(&self, i: &usize) -> String {
        super::words::thousands(self.totals.get(*i).copied().unwrap_or(0))
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

pub(super) async fn list(Visit { req, state, user }: Visit, ws: WsPath) -> Answer {
    let nav = enter(&state, &user, &ws, Access::Read, "connections").await?;
    let (principal, wid) = (user.principal.clone(), nav.id);
    let (items, locs) = show(&state, &user.layout, move |ctx| {
        let c = connections::list(ctx, &principal, &wid, &PageRequest::first(200))?;
        let l = locations::list(ctx, &principal, &wid, &PageRequest::first(200))?;
        let totals = connections::totals(ctx, &wid, &c.items)?;
        Ok(((c.items, totals), l.items))
    })
    .await?;
    let (items, totals) = items;
    let p = &state.ctx.config.providers;
    html(
        &req,
        &ListPage {
            layout: user.layout.clone(),
            ws: nav,
            items,
            totals,
            locations: locs,
            google: p.google.client_id.is_some(),
            facebook: p.facebook.client_id.is_some(),
        },
        &user.layout,
    )
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

pub(super) async fn detail(
    Visit { req, state, user }: Visit,
    path: WsChildPath<Connection>,
) -> Answer {
    let nav = enter(&state, &user, &path.0, Access::Read, "connections").await?;
    let cid = path.1;
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
        match state.gateway.remote_locations(conn.clone()).await {
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
pub(super) struct ChangeForm {
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

pub(super) async fn change(path: WsChildPath<Connection>, post: FormPost<ChangeForm>) -> Answer {
    let FormPost { action, form: f } = post;
    let (wid, cid) = path.into_inner();
    let list = format!("/w/{wid}/connections");
    let here = format!("/w/{wid}/connections/{cid}");
    match f.action.as_str() {
        "sync" => {
            action
                .then(&list, "A sync will start in a moment.", move |ctx, who| {
                    connections::request_sync(ctx, who, &wid, &cid)
                })
                .await
        }
        "map" => {
            let Ok(loc) = f.location.parse() else {
                return Ok(redirect(&here, Err("Choose a location.")));
            };
            let done = format!("{} now feeds that location.", f.name);
            action
                .then(&here, &done, move |ctx, who| {
                    connections::set_source(
                        ctx,
                        who,
                        &wid,
                        &loc,
                        &connections::Source {
                            connection: cid,
                            external_id: &f.external_id,
                            name: &f.name,
                        },
                    )
                })
                .await
        }
        "disconnect" => {
            let principal = action.user.principal.clone();
            let conn = show(&action.state, &action.user.layout, move |ctx| {
                connections::get(ctx, &principal, &wid, &cid, Access::Write)
            })
            .await?;
            if let Err(e) = action.state.gateway.revoke(conn).await {
                tracing::warn!(connection = %cid, error = %e, "revoking at the provider failed; tokens deleted anyway");
            }
            action
                .then(
                    &list,
                    "Disconnected; the tokens are deleted.",
                    move |ctx, who| connections::remove(ctx, who, &wid, &cid),
                )
                .await
        }
        _ => Ok(redirect(&here, Err("Unknown action."))),
    }
}

form_post::proof!(ChangeForm);
