//! /workspaces/{ws}/reply-drafts (the workspace's opt-in, voice and use) and
//! /workspaces/{ws}/items/{id}/reply-draft (a draft to edit; nothing is posted).

use super::{Answer, Api, Body, WsChildPath, WsPath};
use crate::domain::Item;
use crate::http::ApiError;
use crate::services::drafts;
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Serialize, JsonSchema)]
pub struct DraftsView {
    /// Drafts are offered for this workspace.
    pub enabled: bool,
    pub voice: String,
    /// The instance has a model server configured.
    pub available: bool,
    pub daily_cap: u32,
    pub drafts_today: u32,
    pub drafts_30_days: u32,
    pub tokens_30_days: u64,
    /// In the operator's currency, from `ai.cost_per_million_tokens`.
    pub estimated_cost_30_days: f64,
}

fn view(o: drafts::Overview) -> DraftsView {
    DraftsView {
        enabled: o.settings.enabled,
        voice: o.settings.voice,
        available: o.available,
        daily_cap: o.daily_cap,
        drafts_today: o.today.drafts,
        drafts_30_days: o.month.drafts,
        tokens_30_days: o.month.tokens(),
        estimated_cost_30_days: o.month_cost,
    }
}

pub(super) async fn get(api: Api, ws: WsPath) -> Answer {
    let ws = ws.into_inner();
    let o = api
        .read(move |ctx, who| drafts::overview(ctx, who, &ws))
        .await?;
    Ok(HttpResponse::Ok().json(view(o)))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct SettingsBody {
    enabled: bool,
    /// A few sentences on how the business speaks.
    #[serde(default)]
    #[schemars(length(max = 1000))]
    voice: String,
}

pub(super) async fn put(api: Api, ws: WsPath, body: Body<SettingsBody>) -> Answer {
    let ws = ws.into_inner();
    let b = body.into_inner();
    let o = api
        .write(move |ctx, who| {
            drafts::set(ctx, who, &ws, b.enabled, &b.voice)?;
            drafts::overview(ctx, who, &ws)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view(o)))
}

#[derive(Serialize, JsonSchema)]
pub struct DraftView {
    /// Text to edit and send as the reply; nothing has been posted.
    pub text: String,
}

pub(super) async fn draft(api: Api, path: WsChildPath<Item>) -> Answer {
    let (ws, id) = path.into_inner();
    let prepared = api
        .write(move |ctx, who| drafts::prepare(ctx, who, &ws, &id))
        .await?;
    let Some(model) = api.state.model.clone() else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            "reply drafts are off on this instance (no model server in [ai])",
        ));
    };
    let said = model
        .complete(&prepared.messages)
        .await
        .map_err(|e| ApiError::new(StatusCode::BAD_GATEWAY, "model_error", e.to_string()))?;
    let text = api
        .write(move |ctx, _| drafts::finish(ctx, &prepared, &said))
        .await?;
    Ok(HttpResponse::Ok().json(DraftView { text }))
}
