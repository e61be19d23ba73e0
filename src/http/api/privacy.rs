//! /workspaces/{ws}/privacy/{export,erase,restrict,rectify,object}: data-subject requests, and
//! /workspaces/{ws}/export: the whole workspace as one JSON document (owners).

use super::download::{self, FormatQuery};
use super::{Answer, Api, Body, WsPath};
use crate::domain::{Id, Workspace};
use crate::http::ApiError;
use crate::services::Ctx;
use crate::services::auth::Actor;
use crate::services::privacy::reviewers::{self, Reviewer};
use crate::services::privacy::{self};
use actix_web::HttpResponse;
use serde::Deserialize;

/// Streams the export: a blocking thread writes chunks into a small channel the response
/// reads, so memory stays flat whatever the workspace holds.
pub(super) async fn export_workspace(api: Api, ws: WsPath, q: super::Query<FormatQuery>) -> Answer {
    let ws = ws.into_inner();
    let w = api
        .read(move |ctx, who| crate::services::portability::authorize(ctx, who, &ws))
        .await?;
    let store = api.state.ctx.store.clone();
    let now = api.state.ctx.clock.now();
    let stem = format!("plaudit-workspace-{}", w.id);
    Ok(download::streamed(&q, &stem, move |out, zip| {
        if zip {
            crate::services::portability::write_zip(&store, &w, out, now)
        } else {
            crate::services::portability::write(&store, &w, out)
        }
    }))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct EmailBody {
    #[schemars(email, length(max = 254))]
    email: String,
}

/// A correction: the address the customer is known by now, and what is to change.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RectifyBody {
    #[schemars(email, length(max = 254))]
    email: String,
    /// The name as it should be ("" for none); absent or null leaves it.
    #[serde(default)]
    #[schemars(length(max = 120))]
    name: Option<String>,
    /// The address the person really has; absent or null leaves it.
    #[serde(default)]
    #[schemars(email, length(max = 254))]
    new_email: Option<String>,
}

/// A reviewer: the name shown on their reviews, a provider id (of the author or one of their
/// items), or both.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("minProperties" = 1))]
pub(super) struct ReviewerBody {
    #[serde(default)]
    #[schemars(length(min = 1, max = 200), regex(pattern = r"\S"))]
    name: String,
    #[serde(default)]
    #[schemars(length(min = 1, max = 300), regex(pattern = r"\S"))]
    provider_id: String,
}

pub(super) async fn reviewer_export(
    api: Api,
    ws: WsPath,
    body: Body<ReviewerBody>,
    q: super::Query<FormatQuery>,
) -> Answer {
    let now = api.state.ctx.clock.now();
    let v = by_reviewer(api, ws, body, reviewers::export).await?;
    download::whole(v, &q, "plaudit-reviewer-export", now).await
}

pub(super) async fn reviewer_erase(api: Api, ws: WsPath, body: Body<ReviewerBody>) -> Answer {
    let v = by_reviewer(api, ws, body, reviewers::erase).await?;
    Ok(HttpResponse::Ok().json(v))
}

pub(super) async fn reviewer_restrict(api: Api, ws: WsPath, body: Body<ReviewerBody>) -> Answer {
    let v = by_reviewer(api, ws, body, reviewers::restrict).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// A request about a customer by address (`request` is one of `services::privacy`'s).
async fn by_email<T: Send + 'static>(
    api: Api,
    ws: WsPath,
    body: Body<EmailBody>,
    request: fn(&Ctx, &Actor, &Id<Workspace>, &str) -> crate::services::Result<T>,
) -> Result<T, ApiError> {
    let email = body.into_inner().email;
    answer(api, ws, move |ctx, who, ws| request(ctx, who, ws, &email)).await
}

/// A request about a reviewer (`request` is one of `services::privacy::reviewers`').
async fn by_reviewer<T: Send + 'static>(
    api: Api,
    ws: WsPath,
    body: Body<ReviewerBody>,
    request: fn(&Ctx, &Actor, &Id<Workspace>, &Reviewer) -> crate::services::Result<T>,
) -> Result<T, ApiError> {
    let reviewer = reviewer_of(body)?;
    answer(api, ws, move |ctx, who, ws| {
        request(ctx, who, ws, &reviewer)
    })
    .await
}

fn reviewer_of(body: Body<ReviewerBody>) -> Result<Reviewer, ApiError> {
    let body = body.into_inner();
    Ok(Reviewer::new(Some(body.name), Some(body.provider_id))?)
}

/// A data-subject request, run as the caller from their address.
async fn answer<T: Send + 'static>(
    api: Api,
    ws: WsPath,
    request: impl FnOnce(&Ctx, &Actor, &Id<Workspace>) -> crate::services::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    let ws = ws.into_inner();
    api.write(move |ctx, who| request(ctx, who, &ws)).await
}

pub(super) async fn export(
    api: Api,
    ws: WsPath,
    body: Body<EmailBody>,
    q: super::Query<FormatQuery>,
) -> Answer {
    let now = api.state.ctx.clock.now();
    let v = by_email(api, ws, body, privacy::export).await?;
    download::whole(v, &q, "plaudit-export", now).await
}

pub(super) async fn erase(api: Api, ws: WsPath, body: Body<EmailBody>) -> Answer {
    let v = by_email(api, ws, body, privacy::erase).await?;
    Ok(HttpResponse::Ok().json(v))
}

pub(super) async fn restrict(api: Api, ws: WsPath, body: Body<EmailBody>) -> Answer {
    let v = by_email(api, ws, body, privacy::restrict).await?;
    Ok(HttpResponse::Ok().json(v))
}

pub(super) async fn rectify(api: Api, ws: WsPath, body: Body<RectifyBody>) -> Answer {
    let b = body.into_inner();
    let fix = privacy::Correction {
        name: b.name,
        new_email: b.new_email,
    };
    let v = answer(api, ws, move |ctx, who, ws| {
        privacy::rectify(ctx, who, ws, &b.email, &fix)
    })
    .await?;
    Ok(HttpResponse::Ok().json(v))
}

pub(super) async fn object(api: Api, ws: WsPath, body: Body<EmailBody>) -> Answer {
    let v = by_email(api, ws, body, privacy::object).await?;
    Ok(HttpResponse::Ok().json(v))
}
