//! /workspaces/{ws}/connections: connect Google or Facebook, see sync status, list what the
//! account manages, map it to locations, ask for a sync, disconnect.

use super::item_views::{self as iv, RemoteLocationView, RemoteLocationsView};
use super::{Answer, Api, Body, WsChildPath, WsPath};
use crate::domain::Access;
use crate::domain::{Connection, Location};
use crate::http::ApiError;
use crate::services::connections;
use crate::sources::{Provider, ProviderError};
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde::Deserialize;

pub fn provider_error(e: &ProviderError) -> ApiError {
    let (status, code) = match e {
        ProviderError::Revoked(_) => (StatusCode::CONFLICT, "needs_reconnect"),
        ProviderError::Forbidden(_) => (StatusCode::CONFLICT, "provider_forbidden"),
        _ => (StatusCode::BAD_GATEWAY, "provider_error"),
    };
    ApiError::new(status, code, e.to_string())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateBody {
    /// `google` or `facebook`.
    #[schemars(regex(pattern = r"^(google|facebook)$"))]
    provider: String,
}

pub(super) async fn create(api: Api, ws: WsPath, body: Body<CreateBody>) -> Answer {
    let ws = ws.into_inner();
    let p = Provider::parse(&body.into_inner().provider).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            "provider: use google or facebook",
        )
    })?;
    let (conn, url) = api
        .write(move |ctx, who| connections::start(ctx, who, &ws, p, None))
        .await?;
    Ok(HttpResponse::Created().json(iv::StartedConnectionView {
        id: conn.id.into(),
        authorize_url: url,
    }))
}

pub(super) async fn get(api: Api, path: WsChildPath<Connection>) -> Answer {
    let (ws, cid) = path.into_inner();
    let c = api
        .read(move |ctx, who| connections::get(ctx, who, &ws, &cid, Access::Read))
        .await?;
    Ok(HttpResponse::Ok().json(iv::connection(&c)))
}

pub(super) async fn remove(api: Api, path: WsChildPath<Connection>) -> Answer {
    let (ws, cid) = path.into_inner();
    let conn = api
        .read(move |ctx, who| connections::get(ctx, who, &ws, &cid, Access::Write))
        .await?;
    if let Err(e) = api.state.gateway.revoke(conn).await {
        // Deleting our copy matters more than the provider's answer: go on, say so in the log.
        tracing::warn!(connection = %cid, error = %e, "revoking at the provider failed; tokens deleted anyway");
    }
    api.write(move |ctx, who| connections::remove(ctx, who, &ws, &cid))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub(super) async fn remote(api: Api, path: WsChildPath<Connection>) -> Answer {
    let (ws, cid) = path.into_inner();
    let conn = api
        .read(move |ctx, who| connections::get(ctx, who, &ws, &cid, Access::Read))
        .await?;
    if conn.status == crate::domain::ConnectionStatus::Pending {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "pending",
            "this connection is not finished yet: complete the provider's consent first",
        ));
    }
    let items = api
        .state
        .gateway
        .remote_locations(conn)
        .await
        .map_err(|e| provider_error(&e))?;
    Ok(HttpResponse::Ok().json(RemoteLocationsView {
        items: items
            .into_iter()
            .map(|r| RemoteLocationView {
                external_id: r.external_id,
                name: r.name,
                link: r.link,
                review_url: r.review_url,
            })
            .collect(),
    }))
}

pub(super) async fn sync(api: Api, path: WsChildPath<Connection>) -> Answer {
    let (ws, cid) = path.into_inner();
    let c = api
        .write(move |ctx, who| connections::request_sync(ctx, who, &ws, &cid))
        .await?;
    Ok(HttpResponse::Accepted().json(iv::connection(&c)))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct SourceBody {
    #[schemars(regex(pattern = r"^[0-9a-f]{32}$"))]
    connection_id: String,
    /// From `remote-locations`: `accounts/{a}/locations/{l}` (Google) or a page id.
    #[schemars(length(min = 1, max = 200))]
    external_id: String,
    /// A display name for the remote location (optional).
    #[serde(default)]
    #[schemars(length(max = 200))]
    name: Option<String>,
}

pub(super) async fn set_source(
    api: Api,
    path: WsChildPath<Location>,
    body: Body<SourceBody>,
) -> Answer {
    let (ws, loc) = path.into_inner();
    let b = body.into_inner();
    let cid = b.connection_id.parse().map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            "connection_id: not a connection id",
        )
    })?;
    let c = api
        .write(move |ctx, who| {
            let name: String = b
                .name
                .as_deref()
                .unwrap_or("")
                .chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect();
            let src = connections::Source {
                connection: cid,
                external_id: &b.external_id,
                name: &name,
            };
            connections::set_source(ctx, who, &ws, &loc, &src)
        })
        .await?;
    Ok(HttpResponse::Ok().json(iv::connection(&c)))
}
