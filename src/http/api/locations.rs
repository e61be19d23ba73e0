//! /workspaces/{ws}/locations: create, list, read, edit, archive.

use super::{Answer, Api, Body, WsChildPath, WsPath, views};
use crate::domain::Location;
use crate::services::locations::{self, Input};
use actix_web::HttpResponse;
use serde::Deserialize;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateBody {
    #[schemars(regex(pattern = super::schema::NAME), length(max = 200))]
    name: String,
    #[serde(default)]
    #[schemars(regex(pattern = super::schema::TEXT), length(max = 500))]
    address: String,
    #[schemars(with = "super::schema::TimeZoneName")]
    timezone: String,
    #[schemars(regex(pattern = super::schema::GOOGLE_URL))]
    google_review_url: Option<String>,
    #[schemars(regex(pattern = super::schema::FACEBOOK_URL))]
    facebook_page_url: Option<String>,
}

pub(super) async fn create(api: Api, ws: WsPath, body: Body<CreateBody>) -> Answer {
    let ws = ws.into_inner();
    let b = body.into_inner();
    let loc = api
        .write(move |ctx, who| {
            let input = Input {
                name: &b.name,
                address: &b.address,
                timezone: &b.timezone,
                google_review_url: b.google_review_url.as_deref(),
                facebook_page_url: b.facebook_page_url.as_deref(),
            };
            locations::create(ctx, who, &ws, &input)
        })
        .await?;
    Ok(HttpResponse::Created().json(views::location(&loc)))
}

/// Absent fields keep their value; `null` clears a link.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct UpdateBody {
    #[schemars(regex(pattern = super::schema::NAME), length(max = 200))]
    name: Option<String>,
    #[schemars(regex(pattern = super::schema::TEXT), length(max = 500))]
    address: Option<String>,
    #[schemars(with = "Option<super::schema::TimeZoneName>")]
    timezone: Option<String>,
    #[serde(default, deserialize_with = "double_option::deserialize")]
    #[schemars(with = "Option<String>", regex(pattern = super::schema::GOOGLE_URL))]
    google_review_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option::deserialize")]
    #[schemars(with = "Option<String>", regex(pattern = super::schema::FACEBOOK_URL))]
    facebook_page_url: Option<Option<String>>,
    archived: Option<bool>,
}

mod double_option {
    use serde::{Deserialize, Deserializer};
    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(d).map(Some)
    }
}

pub(super) async fn update(
    api: Api,
    path: WsChildPath<Location>,
    body: Body<UpdateBody>,
) -> Answer {
    let (ws, loc_id) = path.into_inner();
    let b = body.into_inner();
    let loc = api
        .write(move |ctx, who| {
            let current = locations::get(ctx, who, &ws, &loc_id)?;
            let pick = |new: &Option<Option<String>>, old: &Option<String>| match new {
                Some(v) => v.clone(),
                None => old.clone(),
            };
            let google = pick(&b.google_review_url, &current.google_review_url);
            let facebook = pick(&b.facebook_page_url, &current.facebook_page_url);
            let input = Input {
                name: b.name.as_deref().unwrap_or(&current.name),
                address: b.address.as_deref().unwrap_or(&current.address),
                timezone: b.timezone.as_deref().unwrap_or(&current.timezone),
                google_review_url: google.as_deref(),
                facebook_page_url: facebook.as_deref(),
            };
            locations::update(ctx, who, &ws, &loc_id, &input, b.archived)
        })
        .await?;
    Ok(HttpResponse::Ok().json(views::location(&loc)))
}
