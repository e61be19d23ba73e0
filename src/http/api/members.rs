//! /workspaces/{ws}/members and /invitations: who belongs, with which role, and who is invited.

use super::{Api, Body, PageQuery, Registrar, WsChildPath, WsPath, list, views};
use crate::domain::{Invitation, User};
use crate::http::ApiError;
use crate::services::{invitations, workspaces};
use actix_web::HttpResponse;
use actix_web::http::Method;
use serde::Deserialize;
use serde_json::json;

pub fn routes(r: &mut Registrar) {
    r.add(Method::GET, "/workspaces/{ws}/members", members)
        .doc("members", "Members and their roles")
        .paged::<views::MemberView>();
    r.add(Method::POST, "/workspaces/{ws}/members", invite)
        .doc(
            "members",
            "Invite someone by email with a role (owner)
        .returns::<views::InvitationView>(); they get a single-use link",
        )
        .body::<InviteBody>()
        .status(201);
    r.add(Method::PATCH, "/workspaces/{ws}/members/{user}", set_role)
        .doc("members", "Change a member's role (owner)")
        .body::<RoleBody>();
    r.add(Method::DELETE, "/workspaces/{ws}/members/{user}", remove)
        .doc("members", "Remove a member (owner)")
        .status(204);
    r.add(Method::GET, "/workspaces/{ws}/invitations", invitations)
        .doc("members", "Pending invitations")
        .paged::<views::InvitationView>();
    r.add(Method::DELETE, "/workspaces/{ws}/invitations/{id}", revoke)
        .doc(
            "members",
            "Revoke an invitation; its link stops working (owner)",
        )
        .status(204);
}

async fn members(
    api: Api,
    ws: WsPath,
    q: super::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (ws, req) = (ws.into_inner(), q.request()?);
    let page = api
        .read(move |ctx, who| workspaces::members(ctx, who, &ws, &req))
        .await?;
    Ok(list(page, |m| views::member(&m.user, m.role)))
}

async fn invitations(
    api: Api,
    ws: WsPath,
    q: super::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (ws, req) = (ws.into_inner(), q.request()?);
    let page = api
        .read(move |ctx, who| workspaces::invitations(ctx, who, &ws, &req))
        .await?;
    Ok(list(page, |i| views::invitation(&i)))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct InviteBody {
    #[schemars(email, length(max = 254))]
    email: String,
    role: crate::domain::Role,
}

async fn invite(api: Api, ws: WsPath, body: Body<InviteBody>) -> Result<HttpResponse, ApiError> {
    let ws = ws.into_inner();
    let b = body.into_inner();
    let inv = api
        .write(move |ctx, who| invitations::invite(ctx, who, &ws, &b.email, b.role))
        .await?;
    Ok(HttpResponse::Created().json(views::invitation(&inv)))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RoleBody {
    role: crate::domain::Role,
}

async fn set_role(
    api: Api,
    path: WsChildPath<User>,
    body: Body<RoleBody>,
) -> Result<HttpResponse, ApiError> {
    let (ws, user) = path.into_inner();
    let role = body.into_inner().role;
    let role = api
        .write(move |ctx, who| workspaces::set_role(ctx, who, &ws, &user, role))
        .await?;
    Ok(HttpResponse::Ok().json(json!({"user_id": user, "role": role.as_str()})))
}

async fn remove(api: Api, path: WsChildPath<User>) -> Result<HttpResponse, ApiError> {
    let (ws, user) = path.into_inner();
    api.write(move |ctx, who| workspaces::remove_member(ctx, who, &ws, &user))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn revoke(api: Api, path: WsChildPath<Invitation>) -> Result<HttpResponse, ApiError> {
    let (ws, inv) = path.into_inner();
    api.write(move |ctx, who| invitations::revoke(ctx, who, &ws, &inv))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
