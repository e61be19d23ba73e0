//! /workspaces/{ws}/alerts (the caller's own email alerts) and /workspaces/{ws}/webhooks.

use super::views::{IdView, Timestamp};
use super::{Answer, Api, Body, WsPath};
use crate::domain::{AlertMode, AlertPrefs, Origin, Webhook, WebhookFormat};
use crate::http::ApiError;
use crate::services::alerts::{self, PrefsInput};
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Serialize, JsonSchema)]
pub struct PrefsView {
    pub mode: AlertMode,
    pub max_rating: Option<u8>,
    pub sources: Vec<Origin>,
    pub location_ids: Vec<IdView>,
}

pub(super) fn prefs(p: &AlertPrefs) -> PrefsView {
    PrefsView {
        mode: p.mode,
        max_rating: p.max_rating,
        sources: p.sources.clone(),
        location_ids: p.locations.iter().map(|l| (*l).into()).collect(),
    }
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct PrefsBody {
    mode: AlertMode,
    /// Only items rated at most this (1–5); null for all.
    #[serde(default, deserialize_with = "whole_number")]
    #[schemars(range(min = 1, max = 5))]
    max_rating: Option<u8>,
    /// Only these sources; empty or absent for all.
    #[serde(default)]
    #[schemars(length(max = 3))]
    sources: Vec<Origin>,
    /// Only these locations; empty or absent for all.
    #[serde(default)]
    #[schemars(with = "Vec<IdText>", length(max = 200))]
    location_ids: Vec<String>,
}

/// JSON Schema's integers include `1.0`: accept any whole number that fits.
fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u8>, D::Error> {
    let n: Option<serde_json::Number> = Option::deserialize(d)?;
    match n {
        None => Ok(None),
        Some(n) => n
            .as_u64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                    .map(|f| f as u64)
            })
            .and_then(|v| u8::try_from(v).ok())
            .map(Some)
            .ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "max_rating: {n} is not a whole number from 1 to 5"
                ))
            }),
    }
}

/// A 32-hex-digit id, as text (for schemas only).
#[derive(JsonSchema)]
#[schemars(transparent)]
#[allow(dead_code)]
struct IdText(#[schemars(regex(pattern = r"^[0-9a-f]{32}$"))] String);

pub(super) async fn put_prefs(api: Api, ws: WsPath, body: Body<PrefsBody>) -> Answer {
    let ws = ws.into_inner();
    let b = body.into_inner();
    let mut locations = Vec::new();
    for l in &b.location_ids {
        locations.push(l.parse().map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid",
                format!("location_ids: `{l}` is not an id"),
            )
        })?);
    }
    let input = PrefsInput {
        mode: b.mode,
        max_rating: b.max_rating,
        sources: b.sources,
        locations,
    };
    let p = api
        .write(move |ctx, who| alerts::set_my_prefs(ctx, who, &ws, input))
        .await?;
    Ok(HttpResponse::Ok().json(prefs(&p)))
}

#[derive(Serialize, JsonSchema)]
pub struct WebhookView {
    pub id: IdView,
    pub url: String,
    pub format: WebhookFormat,
    pub created_at: Timestamp,
}

fn hook(h: &Webhook) -> WebhookView {
    WebhookView {
        id: h.id.into(),
        url: h.url.clone(),
        format: h.format,
        created_at: h.created_at.into(),
    }
}

#[derive(Serialize, JsonSchema)]
pub struct CreatedWebhookView {
    #[serde(flatten)]
    pub webhook: WebhookView,
    /// Verify `X-Plaudit-Signature: sha256=HMAC-SHA256(secret, "{X-Plaudit-Timestamp}.{body}")`.
    /// Shown only now.
    pub secret: String,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct WebhookBody {
    /// https (plain http and private addresses only where `poller.webhooks_to_private_addresses`
    /// allows them).
    #[schemars(length(min = 1, max = 2000), regex(pattern = super::schema::WEB_URL))]
    url: String,
    /// `json` (default) or `slack`.
    #[serde(default)]
    format: Option<WebhookFormat>,
}

pub(super) async fn create_hook(api: Api, ws: WsPath, body: Body<WebhookBody>) -> Answer {
    let ws = ws.into_inner();
    let b = body.into_inner();
    let h = api
        .write(move |ctx, who| {
            alerts::create_webhook(
                ctx,
                who,
                &ws,
                &b.url,
                b.format.unwrap_or(WebhookFormat::Json),
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(CreatedWebhookView {
        webhook: hook(&h),
        secret: h.secret.clone(),
    }))
}

/// Every webhook of the workspace, as a list of one page.
pub(super) fn all(hooks: Vec<Webhook>) -> super::views::List<WebhookView> {
    super::views::List {
        items: hooks.iter().map(hook).collect(),
        next_cursor: None,
    }
}
