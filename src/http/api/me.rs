//! /me: the signed-in person's own account: profile, password, email, deletion.

use super::accounts::signed_in;
use super::{Api, Body, Registrar, hashing, read, views};
use crate::http::session::Caller;
use crate::http::{ApiError, AppState};
use crate::services::{accounts, passwords, workspaces};
use actix_web::http::Method;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

pub fn routes(r: &mut Registrar) {
    r.add(Method::GET, "/me", me)
        .doc("account", "The signed-in person and their workspaces")
        .returns::<views::MeView>();
    r.add(Method::PATCH, "/me", rename)
        .doc("account", "Change your name")
        .body::<NameBody>()
        .returns::<views::UserView>();
    r.add(Method::POST, "/me/password", change_password)
        .doc(
            "account",
            "Change your password; every earlier session token stops working",
        )
        .body::<PasswordBody>();
    r.add(Method::POST, "/me/email", change_email)
        .doc(
            "account",
            "Change your email: a link is sent to the new address",
        )
        .body::<EmailChangeBody>()
        .status(202);
    r.add(Method::GET, "/me/export", export_me)
        .doc(
            "account",
            "Everything about you: account, sign-in identities, workspaces and roles, alert settings, your audit entries (JSON; `format=zip` gives a ZIP of it with a CSV per table)",
        )
        .download();
    r.add(Method::DELETE, "/me", delete_me)
        .doc("account", "Delete your account")
        .body::<PasswordOnly>()
        .status(204);
}

async fn me(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
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

async fn export_me(
    api: Api,
    q: super::Query<super::download::FormatQuery>,
) -> Result<HttpResponse, ApiError> {
    let now = api.state.ctx.clock.now();
    let v = api.read(crate::services::privacy::account::export).await?;
    super::download::whole(v, &q, "plaudit-account", now).await
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct NameBody {
    #[schemars(regex(pattern = crate::domain::shapes::LINE_OR_EMPTY), length(max = 200))]
    name: String,
}

async fn rename(api: Api, body: Body<NameBody>) -> Result<HttpResponse, ApiError> {
    let name = body.into_inner().name;
    let user = api
        .write(move |ctx, who| accounts::rename(ctx, who.user()?, &name))
        .await?;
    Ok(HttpResponse::Ok().json(views::user(&user)))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct PasswordBody {
    current_password: String,
    #[schemars(schema_with = "super::schema::new_password")]
    new_password: String,
}

async fn change_password(api: Api, body: Body<PasswordBody>) -> Result<HttpResponse, ApiError> {
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
struct EmailChangeBody {
    password: String,
    #[schemars(email, length(max = 254))]
    new_email: String,
}

async fn change_email(api: Api, body: Body<EmailChangeBody>) -> Result<HttpResponse, ApiError> {
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
struct PasswordOnly {
    password: String,
}

async fn delete_me(api: Api, body: Body<PasswordOnly>) -> Result<HttpResponse, ApiError> {
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
