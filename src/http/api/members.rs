//! /workspaces/{ws}/members and /invitations: who belongs, with which role, and who is invited.

use super::{Body, PageQuery, Registrar, WsChildPath, WsPath, list, read, views, write};
use crate::domain::{Invitation, User};
use crate::http::session::Caller;
use crate::http::{ApiError, AppState};
use crate::services::{invitations, workspaces};
use actix_web::http::Method;
use actix_web::{HttpResponse, web};
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
    state: web::Data<AppState>,
    caller: Caller,
    ws: WsPath,
    q: super::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (ws, req) = (ws.into_inner(), q.request()?);
    let page = read(&state, move |ctx| {
        workspaces::members(ctx, &caller.principal, &ws, &req)
    })
    .await?;
    Ok(list(page, |m| views::member(&m.user, m.role)))
}

async fn invitations(
    state: web::Data<AppState>,
    caller: Caller,
    ws: WsPath,
    q: super::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (ws, req) = (ws.into_inner(), q.request()?);
    let page = read(&state, move |ctx| {
        workspaces::invitations(ctx, &caller.principal, &ws, &req)
    })
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

async fn invite(
    state: web::Data<AppState>,
    caller: Caller,
    ws: WsPath,
    body: Body<InviteBody>,
) -> Result<HttpResponse, ApiError> {
    let ws = ws.into_inner();
    let b = body.into_inner();
    let actor = caller.actor();
    let inv = write(&state, move |ctx| {
        invitations::invite(ctx, &actor, &ws, &b.email, b.role)
    })
    .await?;
    Ok(HttpResponse::Created().json(views::invitation(&inv)))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RoleBody {
    role: crate::domain::Role,
}

async fn set_role(
    state: web::Data<AppState>,
    caller: Caller,
    path: WsChildPath<User>,
    body: Body<RoleBody>,
) -> Result<HttpResponse, ApiError> {
    let (ws, user) = path.into_inner();
    let role = body.into_inner().role;
    let actor = caller.actor();
    let role = write(&state, move |ctx| {
        workspaces::set_role(ctx, &actor, &ws, &user, role)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({"user_id": user, "role": role.as_str()})))
}

async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    path: WsChildPath<User>,
) -> Result<HttpResponse, ApiError> {
    let (ws, user) = path.into_inner();
    let actor = caller.actor();
    write(&state, move |ctx| {
        workspaces::remove_member(ctx, &actor, &ws, &user)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn revoke(
    state: web::Data<AppState>,
    caller: Caller,
    path: WsChildPath<Invitation>,
) -> Result<HttpResponse, ApiError> {
    let (ws, inv) = path.into_inner();
    let actor = caller.actor();
    write(&state, move |ctx| {
        invitations::revoke(ctx, &actor, &ws, &inv)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
