//! The workspace's reply templates: list, create, edit, delete.

use super::form_post::{self, FormPost};
use super::workspaces::{WsNav, enter};
use super::{CsrfForm, PageUser, html, id, show};
use crate::domain::{Access, PLACEHOLDERS, ReplyTemplate};
use crate::http::paths::{WsChildPath, WsPath};
use crate::http::{AppState, Layout, PageError};
use crate::services::annotations;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/w/{ws}/templates", web::get().to(page))
        .route("/w/{ws}/templates", web::post().to(save))
        .route("/w/{ws}/templates/{id}/delete", web::post().to(delete));
}

#[derive(Template)]
#[template(path = "pages/templates.html")]
struct TemplatesPage {
    layout: Layout,
    ws: WsNav,
    templates: Vec<ReplyTemplate>,
    placeholders: Vec<(&'static str, &'static str)>,
}

async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    ws: WsPath,
) -> Result<HttpResponse, PageError> {
    let nav = enter(&state, &user, &ws, Access::Read, "inbox").await?;
    let (principal, wid) = (user.principal.clone(), nav.id);
    let templates = show(&state, &user.layout, move |ctx| {
        annotations::templates(ctx, &principal, &wid)
    })
    .await?;
    html(
        &req,
        &TemplatesPage {
            layout: user.layout.clone(),
            ws: nav,
            templates,
            placeholders: PLACEHOLDERS.to_vec(),
        },
        &user.layout,
    )
}

#[derive(Deserialize)]
struct TemplateForm {
    csrf: String,
    #[serde(default)]
    id: String,
    name: String,
    body: String,
}

async fn save(ws: WsPath, post: FormPost<TemplateForm>) -> Result<HttpResponse, PageError> {
    let FormPost { action, form: f } = post;
    let wid = ws.into_inner();
    let tid = if f.id.is_empty() {
        None
    } else {
        Some(id(&action.user.layout, &f.id)?)
    };
    let back = format!("/w/{wid}/templates");
    action
        .then(&back, "Template saved.", move |ctx, who| {
            annotations::save_template(ctx, who, &wid, tid, &f.name, &f.body)
        })
        .await
}

async fn delete(
    path: WsChildPath<ReplyTemplate>,
    post: FormPost<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    let FormPost { action, .. } = post;
    let (wid, tid) = path.into_inner();
    let back = format!("/w/{wid}/templates");
    action
        .then(&back, "Template deleted.", move |ctx, who| {
            annotations::delete_template(ctx, who, &wid, &tid)
        })
        .await
}

form_post::proof!(TemplateForm);
