//! /workspaces/{ws}/members and /invitations: who belongs, with which role, and who is invited.

use super::{Answer, Api, Body, WsChildPath, WsPath, views};
use crate::domain::User;
use crate::services::{invitations, workspaces};
use actix_web::HttpResponse;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct InviteBody {
    #[schemars(email, length(max = 254))]
    email: String,
    role: crate::domain::Role,
}

pub(super) async fn invite(api: Api, ws: WsPath, body: Body<InviteBody>) -> Answer {
    let ws = ws.into_inner();
    let b = body.into_inner();
    let inv = api
        .write(move |ctx, who| invitations::invite(ctx, who, &ws, &b.email, b.role))
        .await?;
    Ok(HttpResponse::Created().json(views::invitation(&inv)))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RoleBody {
    role: crate::domain::Role,
}

pub(super) async fn set_role(api: Api, path: WsChildPath<User>, body: Body<RoleBody>) -> Answer {
    let (ws, user) = path.into_inner();
    let role = body.into_inner().role;
    let role = api
        .write(move |ctx, who| workspaces::set_role(ctx, who, &ws, &user, role))
        .await?;
    Ok(HttpResponse::Ok().json(json!({"user_id": user, "role": role.as_str()})))
}
