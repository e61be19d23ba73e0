//! /workspaces/{ws}/api-keys: create (shown once), list, revoke.

use super::{Answer, Api, Body, WsPath, views};
use crate::services::api_keys;
use actix_web::HttpResponse;
use serde::Deserialize;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateBody {
    #[schemars(regex(pattern = super::schema::NAME), length(max = 100))]
    name: String,
    #[schemars(length(min = 1))]
    scopes: Vec<crate::domain::Scope>,
}

pub(super) async fn create(api: Api, ws: WsPath, body: Body<CreateBody>) -> Answer {
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
