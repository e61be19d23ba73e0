//! /workspaces/{ws}/reply-templates: the workspace's reply templates.

use super::{Api, Body, Registrar, WsChildPath, WsPath};
use crate::domain::ReplyTemplate;
use crate::http::ApiError;
use crate::services::annotations;
use actix_web::HttpResponse;
use actix_web::http::Method;
use serde::{Deserialize, Serialize};

pub fn routes(r: &mut Registrar) {
    r.add(
        Method::GET,
        "/workspaces/{ws}/reply-templates",
        list_templates,
    )
    .doc("items", "The workspace's reply templates, by name")
    .returns::<TemplatesView>();
    r.add(Method::POST, "/workspaces/{ws}/reply-templates", create_template)
        .doc(
            "items",
            "Create a reply template (manager); placeholders {first_name}, {name}, {location}, {rating}",
        )
        .body::<TemplateBody>()
        .status(201)
        .returns::<TemplateView>();
    r.add(
        Method::PUT,
        "/workspaces/{ws}/reply-templates/{id}",
        update_template,
    )
    .doc("items", "Change a reply template (manager)")
    .body::<TemplateBody>()
    .returns::<TemplateView>();
    r.add(
        Method::DELETE,
        "/workspaces/{ws}/reply-templates/{id}",
        delete_template,
    )
    .doc("items", "Delete a reply template (manager)")
    .status(204);
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct TemplateBody {
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

async fn list_templates(api: Api, ws: WsPath) -> Result<HttpResponse, ApiError> {
    let ws = ws.into_inner();
    let v = api
        .read(move |ctx, who| annotations::templates(ctx, who, &ws))
        .await?;
    Ok(HttpResponse::Ok().json(TemplatesView {
        items: v.iter().map(template_view).collect(),
    }))
}

async fn create_template(
    api: Api,
    ws: WsPath,
    body: Body<TemplateBody>,
) -> Result<HttpResponse, ApiError> {
    let ws = ws.into_inner();
    let b = body.into_inner();
    let t = api
        .write(move |ctx, who| annotations::save_template(ctx, who, &ws, None, &b.name, &b.body))
        .await?;
    Ok(HttpResponse::Created().json(template_view(&t)))
}

async fn update_template(
    api: Api,
    path: WsChildPath<ReplyTemplate>,
    body: Body<TemplateBody>,
) -> Result<HttpResponse, ApiError> {
    let (ws, tid) = path.into_inner();
    let b = body.into_inner();
    let t = api
        .write(move |ctx, who| {
            annotations::save_template(ctx, who, &ws, Some(tid), &b.name, &b.body)
        })
        .await?;
    Ok(HttpResponse::Ok().json(template_view(&t)))
}

async fn delete_template(
    api: Api,
    path: WsChildPath<ReplyTemplate>,
) -> Result<HttpResponse, ApiError> {
    let (ws, tid) = path.into_inner();
    api.write(move |ctx, who| annotations::delete_template(ctx, who, &ws, &tid))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
