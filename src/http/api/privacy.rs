//! /workspaces/{ws}/privacy/{export,erase,restrict,rectify,object}: data-subject requests, and
//! /workspaces/{ws}/export: the whole workspace as one JSON document (owners).

use super::download::{self, FormatQuery};
use super::{Api, Body, Registrar, WsPath};
use crate::domain::{Id, Workspace};
use crate::http::ApiError;
use crate::services::Ctx;
use crate::services::auth::Actor;
use crate::services::privacy::reviewers::{self, Reviewer, ReviewerCounts};
use crate::services::privacy::{self, Counts};
use actix_web::HttpResponse;
use actix_web::http::Method;
use serde::Deserialize;

pub fn routes(r: &mut Registrar) {
    r.add(Method::POST, "/workspaces/{ws}/privacy/export", export)
        .doc(
            "privacy",
            "Every record the workspace holds about an email address, with where it came from, why it is held, how long and who it is shared with; `format=zip` gives a ZIP of that JSON with a CSV per table (owner)",
        )
        .body::<EmailBody>()
        .download();
    r.add(Method::POST, "/workspaces/{ws}/privacy/erase", erase)
        .doc(
            "privacy",
            "Erase everything about an email address in the workspace; only a keyed hash stays on the suppression list so it is never mailed again (owner)",
        )
        .body::<EmailBody>()
        .returns::<Counts>();
    r.add(Method::POST, "/workspaces/{ws}/privacy/restrict", restrict)
        .doc(
            "privacy",
            "Keep the records about an email address but stop processing them: no mail, no alerts (owner)",
        )
        .body::<EmailBody>()
        .returns::<Counts>();
    r.add(Method::POST, "/workspaces/{ws}/privacy/rectify", rectify)
        .doc(
            "privacy",
            "Correct a customer's name, or move them to the address they really have (their contact and feedback follow; mail for the old address is removed; an unsubscribe carries over) (owner)",
        )
        .body::<RectifyBody>()
        .returns::<Counts>();
    r.add(Method::POST, "/workspaces/{ws}/privacy/object", object)
        .doc(
            "privacy",
            "The customer objects to email: the address goes on the suppression list (as a keyed hash); the records stay (owner)",
        )
        .body::<EmailBody>()
        .returns::<Counts>();
    r.add(
        Method::POST,
        "/workspaces/{ws}/privacy/reviewers/export",
        reviewer_export,
    )
    .doc(
        "privacy",
        "Every item a reviewer wrote (found by the name shown or a provider id), with where it came from, why it is held and how long; `format=zip` gives a ZIP of that JSON with a CSV per table (owner)",
    )
    .body::<ReviewerBody>()
    .download();
    r.add(
        Method::POST,
        "/workspaces/{ws}/privacy/reviewers/erase",
        reviewer_erase,
    )
    .doc(
        "privacy",
        "Erase Plaudit's copy of everything a reviewer wrote; a tombstone keeps syncs from bringing it back (the provider keeps its own) (owner)",
    )
    .body::<ReviewerBody>()
    .returns::<ReviewerCounts>();
    r.add(
        Method::POST,
        "/workspaces/{ws}/privacy/reviewers/restrict",
        reviewer_restrict,
    )
    .doc(
        "privacy",
        "Keep what a reviewer wrote but stop processing it: their items raise no alerts or webhooks from now on, and queued alert mail about them is withdrawn (owner)",
    )
    .body::<ReviewerBody>()
    .returns::<ReviewerCounts>();
    r.add(Method::GET, "/workspaces/{ws}/export", export_workspace)
        .doc(
            "privacy",
            "The whole workspace as one JSON document, streamed: workspace, locations, members, reply templates, contacts, campaigns, feedback, items with notes; `format=zip` gives a ZIP of that document with a CSV per table (owner)",
        )
        .download();
}

/// Streams the export: a blocking thread writes chunks into a small channel the response
/// reads, so memory stays flat whatever the workspace holds.
async fn export_workspace(
    api: Api,
    ws: WsPath,
    q: super::Query<FormatQuery>,
) -> Result<HttpResponse, ApiError> {
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
struct EmailBody {
    #[schemars(email, length(max = 254))]
    email: String,
}

/// A correction: the address the customer is known by now, and what is to change.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RectifyBody {
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
struct ReviewerBody {
    #[serde(default)]
    #[schemars(length(min = 1, max = 200), regex(pattern = r"\S"))]
    name: String,
    #[serde(default)]
    #[schemars(length(min = 1, max = 300), regex(pattern = r"\S"))]
    provider_id: String,
}

async fn reviewer_export(
    api: Api,
    ws: WsPath,
    body: Body<ReviewerBody>,
    q: super::Query<FormatQuery>,
) -> Result<HttpResponse, ApiError> {
    let now = api.state.ctx.clock.now();
    let v = by_reviewer(api, ws, body, reviewers::export).await?;
    download::whole(v, &q, "plaudit-reviewer-export", now).await
}

async fn reviewer_erase(
    api: Api,
    ws: WsPath,
    body: Body<ReviewerBody>,
) -> Result<HttpResponse, ApiError> {
    let v = by_reviewer(api, ws, body, reviewers::erase).await?;
    Ok(HttpResponse::Ok().json(v))
}

async fn reviewer_restrict(
    api: Api,
    ws: WsPath,
    body: Body<ReviewerBody>,
) -> Result<HttpResponse, ApiError> {
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

async fn export(
    api: Api,
    ws: WsPath,
    body: Body<EmailBody>,
    q: super::Query<FormatQuery>,
) -> Result<HttpResponse, ApiError> {
    let now = api.state.ctx.clock.now();
    let v = by_email(api, ws, body, privacy::export).await?;
    download::whole(v, &q, "plaudit-export", now).await
}

async fn erase(api: Api, ws: WsPath, body: Body<EmailBody>) -> Result<HttpResponse, ApiError> {
    let v = by_email(api, ws, body, privacy::erase).await?;
    Ok(HttpResponse::Ok().json(v))
}

async fn restrict(api: Api, ws: WsPath, body: Body<EmailBody>) -> Result<HttpResponse, ApiError> {
    let v = by_email(api, ws, body, privacy::restrict).await?;
    Ok(HttpResponse::Ok().json(v))
}

async fn rectify(api: Api, ws: WsPath, body: Body<RectifyBody>) -> Result<HttpResponse, ApiError> {
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

async fn object(api: Api, ws: WsPath, body: Body<EmailBody>) -> Result<HttpResponse, ApiError> {
    let v = by_email(api, ws, body, privacy::object).await?;
    Ok(HttpResponse::Ok().json(v))
}
