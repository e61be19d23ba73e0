//! /me: the signed-in person's own account: profile, password, email, deletion.

use super::accounts::signed_in;
use super::{Answer, Api, Body, hashing, read, views};
use crate::http::AppState;
use crate::http::session::Caller;
use crate::services::{accounts, passwords, workspaces};
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

pub(super) async fn me(state: web::Data<AppState>, caller: Caller) -> Answer {
    let principal = caller.principal;
    let (user, list) = read(&state, move |ctx| {
        let user = principal.user()?.clone();
        // The first 200 by id; `GET /workspaces` pages through all of them.
        let first = crate::store::PageRequest::first(200);
        Ok((user, workspaces::list(ctx, &principal, &first)?))
    })
    .await?;
    Ok(HttpResponse::Ok().json(views::MeView {
        user: views::user(&user),
        workspaces: list
            .items
            .iter()
            .map(|(w, r)| views::MyWorkspace {
                id: w.id.into(),
                name: w.name.clone(),
                role: r.as_str(),
            })
            .collect(),
    }))
}

pub(super) async fn export_me(api: Api, q: super::Query<super::download::FormatQuery>) -> Answer {
    let now = api.state.ctx.clock.now();
    let v = api.read(crate::services::privacy::account::export).await?;
    super::download::whole(v, &q, "plaudit-account", now).await
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NameBody {
    #[schemars(regex(pattern = crate::domain::shapes::LINE_OR_EMPTY), length(max = 200))]
    name: String,
}

pub(super) async fn rename(api: Api, body: Body<NameBody>) -> Answer {
    let name = body.into_inner().name;
    let user = api
        .write(move |ctx, who| accounts::rename(ctx, who.user()?, &name))
        .await?;
    Ok(HttpResponse::Ok().json(views::user(&user)))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct PasswordBody {
    current_password: String,
    #[schemars(schema_with = "super::schema::new_password")]
    new_password: String,
}

pub(super) async fn change_password(api: Api, body: Body<PasswordBody>) -> Answer {
    let b = body.into_inner();
    let (ip, client) = (api.caller.ip(), api.caller.ip);
    let principal = api.caller.principal;
    let user = hashing(&api.state, client, move |ctx| {
        passwords::change_password(ctx, principal.user()?, &b.current_password, b.new_password)
    })
    .await?;
    // Every earlier token is now refused: hand this client a fresh one.
    signed_in(&api.state, user.id, ip).await
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct EmailChangeBody {
    password: String,
    #[schemars(email, length(max = 254))]
    new_email: String,
}

pub(super) async fn change_email(api: Api, body: Body<EmailChangeBody>) -> Answer {
    let b = body.into_inner();
    let (principal, client) = (api.caller.principal, api.caller.ip);
    hashing(&api.state, client, move |ctx| {
        accounts::request_email_change(ctx, principal.user()?, &b.password, &b.new_email)
    })
    .await?;
    Ok(HttpResponse::Accepted().json(
        json!({"status": "accepted", "message": "open the link sent to the new address to finish"}),
    ))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct PasswordOnly {
    password: String,
}

pub(super) async fn delete_me(api: Api, body: Body<PasswordOnly>) -> Answer {
    let password = body.into_inner().password;
    let (principal, client) = (api.caller.principal, api.caller.ip);
    hashing(&api.state, client, move |ctx| {
        accounts::delete_account(ctx, principal.user()?, &password)
    })
    .await?;
    Ok(HttpResponse::NoContent()
        .cookie(api.state.cookie.clear())
        .finish())
}
