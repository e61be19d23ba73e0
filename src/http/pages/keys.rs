//! API keys page: list with last use, create (the key is shown once, on the answer), revoke.

use super::form_post::{self, FormPost};
use super::workspaces::{WsNav, enter};
use super::{Answer, PAGE_ROWS, PageUser, Visit, html, redirect, run, show};
use crate::domain::{Access, ApiKey, Id, Workspace};
use crate::http::paths::WsPath;
use crate::http::{AppState, Layout};
use crate::services::api_keys;
use crate::store::PageRequest;
use actix_web::HttpRequest;
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/api_keys.html")]
struct KeysPage {
    layout: Layout,
    ws: WsNav,
    keys: Vec<ApiKey>,
    created: Option<String>,
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    user: &PageUser,
    ws: &Id<Workspace>,
    created: Option<String>,
) -> Answer {
    let nav = enter(state, user, ws, Access::Admin, "api-keys").await?;
    let (principal, wid) = (user.principal.clone(), nav.id);
    let keys = show(state, &user.layout, move |ctx| {
        api_keys::list(ctx, &principal, &wid, &PageRequest::first(PAGE_ROWS))
    })
    .await?
    .items;
    html(
        req,
        &KeysPage {
            layout: user.layout.clone(),
            ws: nav,
            keys,
            created,
        },
        &user.layout,
    )
}

pub(super) async fn page(Visit { req, state, user }: Visit, ws: WsPath) -> Answer {
    render(&req, &state, &user, &ws, None).await
}

#[derive(Deserialize)]
pub(super) struct CreateForm {
    csrf: String,
    name: String,
    scope: crate::domain::Scope,
}

/// Answers with the page itself (no redirect): the new key must be shown exactly once.
pub(super) async fn create(ws: WsPath, post: FormPost<CreateForm>) -> Answer {
    let FormPost {
        action: Visit { req, state, user },
        form: f,
    } = post;
    let wid = ws.into_inner();
    let actor = user.actor(&req);
    match run(&state, &user.layout, move |ctx| {
        api_keys::create(ctx, &actor, &wid, &f.name, &[f.scope])
    })
    .await?
    {
        Ok((_, secret)) => render(&req, &state, &user, &wid, Some(secret)).await,
        Err(m) => Ok(redirect(&format!("/w/{wid}/api-keys"), Err(&m))),
    }
}

form_post::proof!(CreateForm);
