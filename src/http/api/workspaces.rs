//! /workspaces: create, list, read, rename or change plan, delete; and the audit log.

use super::{Answer, Api, Body, PageQuery, WsPath, list, views};
use crate::domain::Access;
use crate::services::workspaces;
use actix_web::HttpResponse;
use base64::Engine;
use serde::Deserialize;

pub(super) async fn list_workspaces(api: Api, q: super::Query<PageQuery>) -> Answer {
    let req = q.request()?;
    let page = api
        .read(move |ctx, who| workspaces::list(ctx, who, &req))
        .await?;
    Ok(list(page, |(w, r)| views::workspace(&w, Some(r))))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateBody {
    #[schemars(regex(pattern = super::schema::NAME), length(max = 120))]
    name: String,
}

pub(super) async fn create(api: Api, body: Body<CreateBody>) -> Answer {
    let name = body.into_inner().name;
    let ws = api
        .write(move |ctx, who| workspaces::create(ctx, who, &name))
        .await?;
    Ok(HttpResponse::Created().json(views::workspace(&ws, Some(crate::domain::Role::Owner))))
}

pub(super) async fn get(api: Api, ws: WsPath) -> Answer {
    let ws = ws.into_inner();
    let (workspace, role) = api
        .read(move |ctx, who| workspaces::get(ctx, who, &ws, Access::Read))
        .await?;
    Ok(HttpResponse::Ok().json(views::workspace(&workspace, Some(role))))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct UpdateBody {
    #[schemars(regex(pattern = super::schema::NAME), length(max = 120))]
    name: Option<String>,
    #[schemars(with = "Option<super::schema::Plan>")]
    plan: Option<String>,
}

pub(super) async fn update(api: Api, ws: WsPath, body: Body<UpdateBody>) -> Answer {
    let ws = ws.into_inner();
    let b = body.into_inner();
    let updated = api
        .write(move |ctx, who| {
            workspaces::update(ctx, who, &ws, b.name.as_deref(), b.plan.as_deref())
        })
        .await?;
    Ok(HttpResponse::Ok().json(views::workspace(&updated, None)))
}

pub(super) async fn delete(api: Api, ws: WsPath) -> Answer {
    let ws = ws.into_inner();
    api.write(move |ctx, who| workspaces::delete(ctx, who, &ws))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub(super) async fn audit(api: Api, ws: WsPath, q: super::Query<PageQuery>) -> Answer {
    let ws = ws.into_inner();
    let limit = q.limit()?;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let cursor = match &q.cursor {
        // As for every list, a cursor this API did not give out just starts somewhere.
        Some(c) if !c.is_empty() => Some(b64.decode(c).unwrap_or_else(|_| c.as_bytes().to_vec())),
        _ => None,
    };
    let (entries, next) = api
        .read(move |ctx, who| workspaces::audit_page(ctx, who, &ws, cursor.as_deref(), limit))
        .await?;
    let page = crate::store::Page {
        items: entries,
        next: next.map(|n| b64.encode(n)),
    };
    Ok(list(page, |e| views::audit(&e)))
}
