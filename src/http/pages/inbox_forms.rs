//! What the inbox's forms post: a reply (or its deletion), tags, an assignee, a note, a bulk reply. Each goes
//! back to the inbox as it was filtered (`back`, checked to stay on this workspace's inbox).

use super::form_post::{self, FormPost};
use super::{Answer, Visit, html, id, show};
use crate::domain::{Id, Item};
use crate::http::paths::{WsChildPath, WsPath};
use crate::services::{annotations, items};
use actix_web::web;
use askama::Template;
use serde::Deserialize;

/// The inbox address to return to: the one the form came from, if it is this inbox.
pub(super) fn back_to(ws: &str, back: &str) -> String {
    let home = format!("/w/{ws}/inbox");
    if back == home
        || (back.starts_with(&format!("{home}?"))
            && !back.contains(['\r', '\n', '\\', '#'])
            && !back.contains("//"))
    {
        back.to_string()
    } else {
        home
    }
}

/// The same, at the item the form was about: the page opens where the person was working.
pub(super) fn back_at(ws: &str, back: &str, item: &Id<Item>) -> String {
    format!("{}#item-{item}", back_to(ws, back))
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
    let back = back_at(&wid.to_string(), &f.back, &item);
    action
        .then(
            &back,
            "Reply saved; it is on its way to the provider.",
            move |ctx, who| items::reply(ctx, who, &wid, &item, &f.text),
        )
        .await
}

#[derive(Deserialize)]
pub(super) struct DeleteForm {
    csrf: String,
    #[serde(default)]
    back: String,
    /// `yes` once the person confirmed on the page this form shows first.
    #[serde(default)]
    confirm: String,
}

/// The confirmation a deletion asks first: what goes, and where.
#[derive(Template)]
#[template(path = "pages/confirm.html")]
struct ConfirmPage {
    layout: crate::http::Layout,
    title: String,
    message: String,
    action: String,
    fields: Vec<(&'static str, String)>,
    button: &'static str,
    cancel: String,
}

pub(super) async fn delete_reply(path: WsChildPath<Item>, post: FormPost<DeleteForm>) -> Answer {
    let FormPost { action, form: f } = post;
    let (wid, item) = path.into_inner();
    let back = back_at(&wid.to_string(), &f.back, &item);
    if f.confirm != "yes" {
        // A form step, not a script's prompt: it works without JavaScript.
        let Visit { req, state, user } = &action;
        let principal = user.principal.clone();
        let i = show(state, &user.layout, move |ctx| {
            items::get(ctx, &principal, &wid, &item)
        })
        .await?;
        let provider = match i.origin {
            crate::domain::Origin::Google => "Google",
            crate::domain::Origin::Facebook => "Facebook",
            crate::domain::Origin::Import => "the provider",
        };
        let who = if i.author.name.trim().is_empty() {
            "this reviewer".to_string()
        } else {
            i.author.name.clone()
        };
        return html(
            req,
            &ConfirmPage {
                layout: user.layout.clone(),
                title: "Delete the reply?".into(),
                message: format!(
                    "Your reply to {who} will be deleted on {provider} too, where customers read it. This cannot be undone."
                ),
                action: format!("/w/{wid}/items/{item}/reply/delete"),
                fields: vec![
                    ("back", back_to(&wid.to_string(), &f.back)),
                    ("confirm", "yes".into()),
                ],
                button: "Delete the reply",
                cancel: back,
            },
            &user.layout,
        );
    }
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
    let back = back_at(&wid.to_string(), &f.back, &item);
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
    let back = back_at(&wid.to_string(), &f.back, &item);
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
    let back = back_at(&wid.to_string(), &f.back, &item);
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

form_post::proof!(AssignForm, DeleteForm, NoteForm, ReplyForm, TagsForm);
