//! What the inbox's forms post: a reply (or its deletion), tags, an assignee, a note, a bulk reply. Each goes
//! back to the inbox as it was filtered (`back`, checked to stay on this workspace's inbox).

use super::form_post::{self, FormPost};
use super::{Answer, Visit, id};
use crate::domain::Item;
use crate::http::paths::{WsChildPath, WsPath};
use crate::services::{annotations, items};
use actix_web::web;
use serde::Deserialize;

/// The inbox address to return to: the one the form came from, if it is this inbox.
fn back_to(ws: &str, back: &str) -> String {
    let home = format!("/w/{ws}/inbox");
    if back == home
        || (back.starts_with(&format!("{home}?"))
            && !back.contains(['\r', '\n', '\\'])
            && !back.contains("//"))
    {
        back.to_string()
    } else {
        home
    }
}

#[derive(Deserialize)]
pub(super) struct ReplyForm {
    csrf: String,
    text: String,
    #[serde(default)]
    back: String,
}

pub(super) async fn reply(path: WsChildPath<Item>, post: FormPost<ReplyForm>) -> Answer {
    let FormPost { action, form: f } = post;
    let (wid, item) = path.into_inner();
    let back = back_to(&wid.to_string(), &f.back);
    action
        .then(
            &back,
            "Reply saved; it is on its way to the provider.",
            move |ctx, who| items::reply(ctx, who, &wid, &item, &f.text),
        )
        .await
}

#[derive(Deserialize)]
pub(super) struct BackForm {
    csrf: String,
    #[serde(default)]
    back: String,
}

pub(super) async fn delete_reply(path: WsChildPath<Item>, post: FormPost<BackForm>) -> Answer {
    let FormPost { action, form: f } = post;
    let (wid, item) = path.into_inner();
    let back = back_to(&wid.to_string(), &f.back);
    action
        .then(
            &back,
            "The reply will be deleted once the provider confirms.",
            move |ctx, who| items::delete_reply(ctx, who, &wid, &item),
        )
        .await
}

#[derive(Deserialize)]
pub(super) struct TagsForm {
    csrf: String,
    /// Comma-separated.
    #[serde(default)]
    tags: String,
    #[serde(default)]
    back: String,
}

pub(super) async fn tags(path: WsChildPath<Item>, post: FormPost<TagsForm>) -> Answer {
    let FormPost { action, form: f } = post;
    let (wid, item) = path.into_inner();
    let back = back_to(&wid.to_string(), &f.back);
    let list: Vec<String> = f
        .tags
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    action
        .then(&back, "Tags saved.", move |ctx, who| {
            annotations::set_tags(ctx, who, &wid, &item, &list)
        })
        .await
}

#[derive(Deserialize)]
pub(super) struct AssignForm {
    csrf: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    back: String,
}

pub(super) async fn assign(path: WsChildPath<Item>, post: FormPost<AssignForm>) -> Answer {
    let FormPost { action, form: f } = post;
    let (wid, item) = path.into_inner();
    let back = back_to(&wid.to_string(), &f.back);
    let to = if f.user.is_empty() {
        None
    } else {
        Some(id(&action.user.layout, &f.user)?)
    };
    action
        .then(&back, "Assignment saved.", move |ctx, who| {
            annotations::assign(ctx, who, &wid, &item, to)
        })
        .await
}

#[derive(Deserialize)]
pub(super) struct NoteForm {
    csrf: String,
    text: String,
    #[serde(default)]
    back: String,
}

pub(super) async fn note(path: WsChildPath<Item>, post: FormPost<NoteForm>) -> Answer {
    let FormPost { action, form: f } = post;
    let (wid, item) = path.into_inner();
    let back = back_to(&wid.to_string(), &f.back);
    action
        .then(&back, "Note added.", move |ctx, who| {
            annotations::add_note(ctx, who, &wid, &item, &f.text)
        })
        .await
}

pub(super) async fn bulk(
    Visit { req, state, user }: Visit,
    path: WsPath,
    body: web::Bytes,
) -> Answer {
    let wid = path.into_inner();
    // Repeated `items` fields: parsed by hand (serde's form parser keeps only one).
    let (mut csrf, mut template, mut back, mut ids) =
        (String::new(), String::new(), String::new(), Vec::new());
    for (k, v) in url::form_urlencoded::parse(&body) {
        match k.as_ref() {
            "csrf" => csrf = v.into_owned(),
            "template" => template = v.into_owned(),
            "back" => back = v.into_owned(),
            "items" => ids.push(v.into_owned()),
            _ => {}
        }
    }
    let back = back_to(&wid.to_string(), &back);
    let ids: Vec<_> = ids.iter().filter_map(|i| i.parse().ok()).collect();
    let template = template.parse().ok();
    user.check_form(&req, &state, &csrf)?;
    let actor = user.actor(&req);
    let outcome = super::run(&state, &user.layout, move |ctx| {
        let Some(t) = template else {
            return Err(crate::services::Error::Invalid(
                "choose a reply template first".into(),
            ));
        };
        items::bulk_reply(ctx, &actor, &wid, &ids, &t)
    })
    .await?;
    Ok(match outcome {
        Ok(results) => {
            let sent = results.iter().filter(|(_, r)| r.is_ok()).count();
            let refused: Vec<String> = results.into_iter().filter_map(|(_, r)| r.err()).collect();
            if refused.is_empty() {
                super::redirect(&back, Ok(&format!("{sent} replies on their way.")))
            } else {
                super::redirect(
                    &back,
                    Err(&format!(
                        "{sent} replies on their way; {} refused: {}",
                        refused.len(),
                        refused.join("; ")
                    )),
                )
            }
        }
        Err(m) => super::redirect(&back, Err(&m)),
    })
}

form_post::proof!(AssignForm, BackForm, NoteForm, ReplyForm, TagsForm);
