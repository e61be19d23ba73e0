//! The workspace's reply templates: list, create, edit, delete.

use super::form_post::{self, FormPost};
use super::workspaces::{WsNav, enter};
use super::{Answer, Visit, html, id, show};
use crate::domain::{Access, PLACEHOLDERS, ReplyTemplate};
use crate::http::Layout;
use crate::http::paths::WsPath;
use crate::services::annotations;
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/templates.html")]
struct TemplatesPage {
    layout: Layout,
    ws: WsNav,
    templates: Vec<ReplyTemplate>,
    placeholders: Vec<(&'static str, &'static str)>,
    /// Reply drafts from the instance's model: the workspace's choice and use.
    drafts: crate::services::drafts::Overview,
}

pub(super) async fn page(Visit { req, state, user }: Visit, ws: WsPath) -> Answer {
    let nav = enter(&state, &user, &ws, Access::Read, "inbox").await?;
    let (principal, wid) = (user.principal.clone(), nav.id);
    let (templates, drafts) = show(&state, &user.layout, move |ctx| {
        Ok((
            annotations::templates(ctx, &principal, &wid)?,
            crate::services::drafts::overview(ctx, &principal, &wid)?,
        ))
    })
    .await?;
    html(
        &req,
        &TemplatesPage {
            layout: user.layout.clone(),
            ws: nav,
            templates,
            drafts,
            placeholders: PLACEHOLDERS.to_vec(),
        },
        &user.layout,
    )
}

#[derive(Deserialize)]
pub(super) struct TemplateForm {
    csrf: String,
    #[serde(default)]
    id: String,
    name: String,
    body: String,
}

pub(super) async fn save(ws: WsPath, post: FormPost<TemplateForm>) -> Answer {
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

form_post::proof!(TemplateForm);

#[derive(Deserialize)]
pub(super) struct DraftsForm {
    csrf: String,
    #[serde(default)]
    enabled: Option<String>,
    #[serde(default)]
    voice: String,
}
form_post::proof!(DraftsForm);

/// Turns reply drafts on or off for the workspace and sets its voice.
pub(super) async fn save_drafts(ws: WsPath, post: FormPost<DraftsForm>) -> Answer {
    let FormPost { action, form: f } = post;
    let wid = ws.into_inner();
    let back = format!("/w/{wid}/templates#drafts");
    action
        .then(&back, "Reply draft settings saved.", move |ctx, who| {
            crate::services::drafts::set(ctx, who, &wid, f.enabled.is_some(), &f.voice)
        })
        .await
}
