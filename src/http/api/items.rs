//! /workspaces/{ws}/items: every review, comment and mention, newest first, with filters;
//! replies.

use super::item_views as iv;
use super::{Answer, Api, Body, WsChildPath, WsPath, list};
use crate::domain::Item;
use crate::domain::{Kind, Origin, RatingFilter};
use crate::http::ApiError;
use crate::services::items;
use crate::store::{ItemFilter, PageRequest};
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde::Deserialize;
use time::OffsetDateTime;

/// Filters of the item list, all optional; text so a bad value gets a clear message.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct ItemsQuery {
    #[schemars(with = "Option<u8>", range(min = 1, max = 200))]
    pub limit: Option<String>,
    pub cursor: Option<String>,
    /// A location id.
    #[schemars(regex(pattern = r"^[0-9a-f]{32}$"))]
    pub location: Option<String>,
    /// `google`, `facebook` or `import`.
    #[schemars(regex(pattern = r"^(google|facebook|import)$"))]
    pub source: Option<String>,
    /// `review`, `comment`, `post`, `mention` or `question`.
    #[schemars(regex(pattern = r"^(review|comment|post|mention|question)$"))]
    pub kind: Option<String>,
    /// Stars `1`–`5`, or a Facebook recommendation: `recommends` or `not_recommended`
    /// (recommendations are never counted as 1 or 5 stars here).
    #[schemars(regex(pattern = r"^([1-5]|recommends|not_recommended)$"))]
    pub rating: Option<String>,
    /// `true` or `false`.
    #[schemars(with = "Option<bool>")]
    pub replied: Option<String>,
    /// Words that must all appear in the text, the author's name or the reply (case and
    /// accents do not matter; Chinese, Japanese and Korean are matched by characters).
    #[schemars(length(max = 200))]
    pub q: Option<String>,
    /// `true`: only items waiting for someone (unanswered with three stars or fewer or no
    /// rating, or a failed reply).
    #[schemars(with = "Option<bool>")]
    pub attention: Option<String>,
    /// Only items with this tag.
    #[schemars(length(max = 40))]
    pub tag: Option<String>,
    /// Only items in this language (guessed from the text): en, fr, de, es, it, pt, nl, ja,
    /// ko, zh, ru, el, ar, he or th.
    #[schemars(regex(pattern = r"^(en|fr|de|es|it|pt|nl|ja|ko|zh|ru|el|ar|he|th)$"))]
    pub language: Option<String>,
    /// Only items assigned to this member (a user id).
    #[schemars(regex(pattern = r"^[0-9a-f]{32}$"))]
    pub assignee: Option<String>,
    /// Created at or after (RFC 3339 or YYYY-MM-DD).
    #[serde(default)]
    #[schemars(schema_with = "date_or_time")]
    pub since: Option<String>,
    /// Created before (RFC 3339 or YYYY-MM-DD).
    #[serde(default)]
    #[schemars(schema_with = "date_or_time")]
    pub until: Option<String>,
}

fn date_or_time(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "anyOf": [
            {"type": "string", "format": "date"},
            {"type": "string", "format": "date-time"}
        ]
    })
}

fn bad(message: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_filter", message)
}

fn when(field: &str, raw: &str) -> Result<OffsetDateTime, ApiError> {
    // RFC 3339 allows lower-case `t` and `z`.
    if let Some(t) = crate::domain::when::parse_time(&raw.to_ascii_uppercase()) {
        return Ok(t);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(raw, &fmt)
        .map(|d| d.midnight().assume_utc())
        .map_err(|_| {
            bad(format!(
                "{field}: `{raw}` is not a date (2026-01-31) or an RFC 3339 time"
            ))
        })
}

impl ItemsQuery {
    pub fn filter(&self) -> Result<(ItemFilter, PageRequest), ApiError> {
        let empty = |o: &Option<String>| o.as_deref().filter(|s| !s.is_empty()).map(str::to_string);
        let page = super::PageQuery {
            limit: self.limit.clone(),
            cursor: self.cursor.clone(),
        }
        .request()?;
        let mut f = ItemFilter::default();
        if let Some(l) = empty(&self.location) {
            f.location = Some(
                l.parse()
                    .map_err(|_| bad(format!("location: `{l}` is not a location id")))?,
            );
        }
        if let Some(s) = empty(&self.source) {
            f.origin =
                Some(Origin::parse(&s).ok_or_else(|| {
                    bad(format!("source: `{s}`: use google, facebook or import"))
                })?);
        }
        if let Some(k) = empty(&self.kind) {
            f.kind = Some(Kind::parse(&k).ok_or_else(|| {
                bad(format!(
                    "kind: `{k}`: use review, comment, post, mention or question"
                ))
            })?);
        }
        if let Some(r) = empty(&self.rating) {
            f.rating = Some(RatingFilter::parse(&r).ok_or_else(|| {
                bad(format!(
                    "rating: `{r}`: use 1 to 5, recommends or not_recommended"
                ))
            })?);
        }
        if let Some(r) = empty(&self.replied) {
            f.replied = Some(match r.as_str() {
                "true" => true,
                "false" => false,
                _ => return Err(bad(format!("replied: `{r}`: use true or false"))),
            });
        }
        if let Some(q) = empty(&self.q) {
            if q.chars().count() > 200 {
                return Err(bad("q: at most 200 characters".into()));
            }
            f.terms = crate::domain::text::query_terms(&q);
        }
        if let Some(a) = empty(&self.attention) {
            f.attention = match a.as_str() {
                "true" => true,
                "false" => false,
                _ => return Err(bad(format!("attention: `{a}`: use true or false"))),
            };
        }
        if let Some(t) = empty(&self.tag) {
            // A tag no item can carry simply matches nothing.
            f.tag = Some(crate::domain::parse_tag(&t).unwrap_or(t));
        }
        if let Some(l) = empty(&self.language) {
            if !crate::domain::language::LANGUAGES
                .iter()
                .any(|(c, _)| *c == l)
            {
                return Err(bad(format!(
                    "language: `{l}`: use a code such as en, fr, de, es, ja"
                )));
            }
            f.language = Some(l);
        }
        if let Some(a) = empty(&self.assignee) {
            f.assignee = Some(
                a.parse()
                    .map_err(|_| bad(format!("assignee: `{a}` is not a user id")))?,
            );
        }
        if let Some(s) = empty(&self.since) {
            f.since = Some(when("since", &s)?);
        }
        if let Some(u) = empty(&self.until) {
            f.until = Some(when("until", &u)?);
        }
        Ok((f, page))
    }
}

pub(super) async fn list_items(api: Api, ws: WsPath, q: super::Query<ItemsQuery>) -> Answer {
    let ws = ws.into_inner();
    let (filter, req) = q.filter()?;
    let page = api
        .read(move |ctx, who| items::list(ctx, who, &ws, &filter, &req))
        .await?;
    Ok(list(page, |i| iv::item(&i)))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ReplyBody {
    /// Google takes up to 4096 bytes, Facebook 8000 characters.
    #[schemars(length(min = 1, max = 8000))]
    text: String,
}

pub(super) async fn reply(api: Api, path: WsChildPath<Item>, body: Body<ReplyBody>) -> Answer {
    let (ws, item) = path.into_inner();
    let text = body.into_inner().text;
    let i = api
        .write(move |ctx, who| items::reply(ctx, who, &ws, &item, &text))
        .await?;
    Ok(HttpResponse::Accepted().json(iv::item(&i)))
}

pub(super) async fn delete_reply(api: Api, path: WsChildPath<Item>) -> Answer {
    let (ws, item) = path.into_inner();
    let i = api
        .write(move |ctx, who| items::delete_reply(ctx, who, &ws, &item))
        .await?;
    Ok(HttpResponse::Accepted().json(iv::item(&i)))
}
