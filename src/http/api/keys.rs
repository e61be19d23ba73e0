//! /workspaces/{ws}/api-keys: create (shown once), list, revoke.

use super::{Api, Body, PageQuery, Registrar, WsChildPath, WsPath, list, views};
use crate::domain::ApiKey;
use crate::http::ApiError;
use crate::services::api_keys;
use actix_web::HttpResponse;
use actix_web::http::Method;
use serde::Deserialize;

pub fn routes(r: &mut Registrar) {
    r.add(Method::GET, "/workspaces/{ws}/api-keys", keys)
        .doc(
            "api-keys",
            "API keys of the workspace, with their last use (owner)",
        )
        .paged::<views::ApiKeyView>();
    r.add(Method::POST, "/workspaces/{ws}/api-keys", create)
        .doc(
            "api-keys",
            "Create an API key
        .returns::<views::CreatedKeyView>(); the key is in this answer only (owner)",
        )
        .body::<CreateBody>()
        .status(201);
    r.add(Method::DELETE, "/workspaces/{ws}/api-keys/{id}", revoke)
        .doc("api-keys", "Revoke an API key (owner)")
        .status(204);
}

async fn keys(api: Api, ws: WsPath, q: super::Query<PageQuery>) -> Result<HttpResponse, ApiError> {
    let (ws, req) = (ws.into_inner(), q.request()?);
    let page = api
        .read(move |ctx, who| api_keys::list(ctx, who, &ws, &req))
        .await?;
    Ok(list(page, |k| views::api_key(&k)))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    #[schemars(regex(pattern = super::schema::NAME), length(max = 100))]
    name: String,
    #[schemars(length(min = 1))]
    scopes: Vec<crate::domain::Scope>,
}

async fn create(api: Api, ws: WsPath, body: Body<CreateBody>) -> Result<HttpResponse, ApiError> {
    let ws = ws.into_inner();
    let b = body.into_inner();
    let (key, secret) = api
        .write(move |ctx, who| api_keys::create(ctx, who, &ws, &b.name, &b.scopes))
        .await?;
    Ok(HttpResponse::Created().json(views::CreatedKeyView {
        api_key: views::api_key(&key),
        key: secret,
    }))
}

async fn revoke(api: Api, path: WsChildPath<ApiKey>) -> Result<HttpResponse, ApiError> {
    let (ws, key) = path.into_inner();
    api.write(move |ctx, who| api_keys::revoke(ctx, who, &ws, &key))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
