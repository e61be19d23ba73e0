//! /workspaces: create, list, read, rename or change plan, delete; and the audit log.

use super::{Api, Body, PageQuery, Registrar, WsPath, list, views};
use crate::domain::Access;
use crate::http::ApiError;
use crate::services::workspaces;
use actix_web::HttpResponse;
use actix_web::http::Method;
use base64::Engine;
use serde::Deserialize;

pub fn routes(r: &mut Registrar) {
    r.add(Method::GET, "/workspaces", list_workspaces)
        .doc("workspaces", "Workspaces you can see, with your role")
        .paged::<views::WorkspaceView>();
    r.add(Method::POST, "/workspaces", create)
        .doc(
            "workspaces",
            "Create a workspace
        .returns::<views::WorkspaceView>(); you become its owner",
        )
        .body::<CreateBody>()
        .status(201);
    r.add(Method::GET, "/workspaces/{ws}", get)
        .doc("workspaces", "One workspace")
        .returns::<views::WorkspaceView>();
    r.add(Method::PATCH, "/workspaces/{ws}", update)
        .doc(
            "workspaces",
            "Rename a workspace or change its plan (owner)",
        )
        .body::<UpdateBody>()
        .returns::<views::WorkspaceView>();
    r.add(Method::DELETE, "/workspaces/{ws}", delete)
        .doc(
            "workspaces",
            "Delete a workspace and everything in it (owner)",
        )
        .status(204);
    r.add(Method::GET, "/workspaces/{ws}/audit", audit)
        .doc(
            "workspaces",
            "The workspace's audit log, newest first (owner)",
        )
        .paged::<views::AuditView>();
}

async fn list_workspaces(api: Api, q: super::Query<PageQuery>) -> Result<HttpResponse, ApiError> {
    let req = q.request()?;
    let page = api
        .read(move |ctx, who| workspaces::list(ctx, who, &req))
        .await?;
    Ok(list(page, |(w, r)| views::workspace(&w, Some(r))))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    #[schemars(regex(pattern = super::schema::NAME), length(max = 120))]
    name: String,
}

async fn create(api: Api, body: Body<CreateBody>) -> Result<HttpResponse, ApiError> {
    let name = body.into_inner().name;
    let ws = api
        .write(move |ctx, who| workspaces::create(ctx, who, &name))
        .await?;
    Ok(HttpResponse::Created().json(views::workspace(&ws, Some(crate::domain::Role::Owner))))
}

async fn get(api: Api, ws: WsPath) -> Result<HttpResponse, ApiError> {
    let ws = ws.into_inner();
    let (workspace, role) = api
        .read(move |ctx, who| workspaces::get(ctx, who, &ws, Access::Read))
        .await?;
    Ok(HttpResponse::Ok().json(views::workspace(&workspace, Some(role))))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct UpdateBody {
    #[schemars(regex(pattern = super::schema::NAME), length(max = 120))]
    name: Option<String>,
    #[schemars(with = "Option<super::schema::Plan>")]
    plan: Option<String>,
}

async fn update(api: Api, ws: WsPath, body: Body<UpdateBody>) -> Result<HttpResponse, ApiError> {
    let ws = ws.into_inner();
    let b = body.into_inner();
    let updated = api
        .write(move |ctx, who| {
            workspaces::update(ctx, who, &ws, b.name.as_deref(), b.plan.as_deref())
        })
        .await?;
    Ok(HttpResponse::Ok().json(views::workspace(&updated, None)))
}

async fn delete(api: Api, ws: WsPath) -> Result<HttpResponse, ApiError> {
    let ws = ws.into_inner();
    api.write(move |ctx, who| workspaces::delete(ctx, who, &ws))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn audit(api: Api, ws: WsPath, q: super::Query<PageQuery>) -> Result<HttpResponse, ApiError> {
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
