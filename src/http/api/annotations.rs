//! Tags, assignment and notes on items; bulk replies from a template.

use super::{Answer, Api, Body, WsChildPath, WsPath};
use crate::domain::Item;
use crate::domain::ItemNotes;
use crate::http::ApiError;
use crate::services::{annotations, items};
use actix_web::HttpResponse;
use serde::{Deserialize, Serialize};

#[derive(Serialize, schemars::JsonSchema)]
pub struct NoteView {
    author_name: String,
    text: String,
    at: String,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct NotesView {
    tags: Vec<String>,
    assignee: Option<String>,
    notes: Vec<NoteView>,
}

pub(super) fn notes_view(n: &ItemNotes) -> NotesView {
    NotesView {
        tags: n.tags.clone(),
        assignee: n.assignee.map(|a| a.to_string()),
        notes: n
            .notes
            .iter()
            .map(|x| NoteView {
                author_name: x.author_name.clone(),
                text: x.text.clone(),
                at: x
                    .at
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
            })
            .collect(),
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct TagsBody {
    #[schemars(length(max = 20))]
    tags: Vec<Tag>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct AssigneeBody {
    /// A member's user id, or null.
    #[schemars(regex(pattern = r"^[0-9a-f]{32}$"))]
    user: Option<String>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NoteBody {
    #[schemars(length(min = 1, max = 4000), regex(pattern = super::schema::TEXT_NOT_BLANK))]
    text: String,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct BulkBody {
    /// Item ids, 1 to 100.
    #[schemars(length(min = 1, max = 100))]
    items: Vec<Hex32>,
    /// A reply template id.
    #[schemars(regex(pattern = r"^[0-9a-f]{32}$"))]
    template: String,
}

/// A tag: letters, digits, spaces, `-` and `_`, 1 to 40 of them (case does not matter).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(transparent)]
struct Tag(#[schemars(length(min = 1, max = 40), regex(pattern = super::schema::TAG))] String);

/// An id: 32 lower-case hex digits.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(transparent)]
struct Hex32(#[schemars(regex(pattern = r"^[0-9a-f]{32}$"))] String);

#[derive(Serialize, schemars::JsonSchema)]
pub struct BulkResult {
    id: String,
    /// `sending`, or `refused` with the reason.
    state: String,
    reason: Option<String>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct BulkView {
    items: Vec<BulkResult>,
}

pub(super) async fn put_tags(api: Api, path: WsChildPath<Item>, body: Body<TagsBody>) -> Answer {
    let (ws, item) = path.into_inner();
    let tags: Vec<String> = body.into_inner().tags.into_iter().map(|t| t.0).collect();
    let n = api
        .write(move |ctx, who| annotations::set_tags(ctx, who, &ws, &item, &tags))
        .await?;
    Ok(HttpResponse::Ok().json(notes_view(&n)))
}

pub(super) async fn put_assignee(
    api: Api,
    path: WsChildPath<Item>,
    body: Body<AssigneeBody>,
) -> Answer {
    let (ws, item) = path.into_inner();
    let to = match body.into_inner().user {
        Some(u) => Some(u.parse().map_err(|_| {
            ApiError::new(
                actix_web::http::StatusCode::BAD_REQUEST,
                "invalid",
                format!("user: `{u}` is not a user id"),
            )
        })?),
        None => None,
    };
    let n = api
        .write(move |ctx, who| annotations::assign(ctx, who, &ws, &item, to))
        .await?;
    Ok(HttpResponse::Ok().json(notes_view(&n)))
}

pub(super) async fn post_note(api: Api, path: WsChildPath<Item>, body: Body<NoteBody>) -> Answer {
    let (ws, item) = path.into_inner();
    let text = body.into_inner().text;
    let n = api
        .write(move |ctx, who| annotations::add_note(ctx, who, &ws, &item, &text))
        .await?;
    Ok(HttpResponse::Created().json(notes_view(&n)))
}

pub(super) async fn bulk_reply(api: Api, ws: WsPath, body: Body<BulkBody>) -> Answer {
    let ws = ws.into_inner();
    let b = body.into_inner();
    let bad = |m: String| ApiError::new(actix_web::http::StatusCode::BAD_REQUEST, "invalid", m);
    let template = b
        .template
        .parse()
        .map_err(|_| bad(format!("template: `{}` is not a template id", b.template)))?;
    let ids = b
        .items
        .iter()
        .map(|Hex32(i)| {
            i.parse()
                .map_err(|_| bad(format!("items: `{i}` is not an item id")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let out = api
        .write(move |ctx, who| items::bulk_reply(ctx, who, &ws, &ids, &template))
        .await?;
    Ok(HttpResponse::Accepted().json(BulkView {
        items: out
            .into_iter()
            .map(|(id, r)| BulkResult {
                id: id.to_string(),
                state: if r.is_ok() { "sending" } else { "refused" }.into(),
                reason: r.err(),
            })
            .collect(),
    }))
}
