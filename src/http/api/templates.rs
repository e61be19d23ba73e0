//! /workspaces/{ws}/reply-templates: the workspace's reply templates.

use super::{Answer, Api, Body, WsChildPath, WsPath};
use crate::domain::ReplyTemplate;
use crate::services::annotations;
use actix_web::HttpResponse;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct TemplateBody {
    #[schemars(length(min = 1, max = 80), regex(pattern = super::schema::NAME))]
    name: String,
    #[schemars(length(min = 1, max = 4000), regex(pattern = super::schema::TEXT_NOT_BLANK))]
    body: String,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct TemplateView {
    id: String,
    name: String,
    body: String,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct TemplatesView {
    items: Vec<TemplateView>,
}

fn template_view(t: &ReplyTemplate) -> TemplateView {
    TemplateView {
        id: t.id.to_string(),
        name: t.name.clone(),
        body: t.body.clone(),
    }
}

pub(super) async fn create_template(api: Api, ws: WsPath, body: Body<TemplateBody>) -> Answer {
    let ws = ws.into_inner();
    let b = body.into_inner();
    let t = api
        .write(move |ctx, who| annotations::save_template(ctx, who, &ws, None, &b.name, &b.body))
        .await?;
    Ok(HttpResponse::Created().json(template_view(&t)))
}

pub(super) async fn update_template(
    api: Api,
    path: WsChildPath<ReplyTemplate>,
    body: Body<TemplateBody>,
) -> Answer {
    let (ws, tid) = path.into_inner();
    let b = body.into_inner();
    let t = api
        .write(move |ctx, who| {
            annotations::save_template(ctx, who, &ws, Some(tid), &b.name, &b.body)
        })
        .await?;
    Ok(HttpResponse::Ok().json(template_view(&t)))
}

/// Every template of the workspace, by name.
pub(super) fn all(templates: Vec<ReplyTemplate>) -> TemplatesView {
    TemplatesView {
        items: templates.iter().map(template_view).collect(),
    }
}
