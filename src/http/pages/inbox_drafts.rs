//! Reply drafts from the inbox: "Draft a reply" on one item or on a selection asks the
//! instance's model and shows each draft in an editable reply form; nothing is posted here.

use super::form_post::{self, FormPost};
use super::inbox_forms::{back_at, back_to};
use super::{Answer, Visit, html, show};
use crate::domain::{Id, Item};
use crate::http::paths::{WsChildPath, WsPath};
use crate::services::items;
use actix_web::web;
use askama::Template;
use serde::Deserialize;

/// One item's draft as the draft page shows it.
struct Drafted {
    item: String,
    author: String,
    rating: String,
    review: String,
    draft: String,
    problem: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/reply_draft.html")]
struct DraftPage {
    layout: crate::http::Layout,
    ws: super::workspaces::WsNav,
    drafts: Vec<Drafted>,
    back: String,
}

#[derive(Deserialize)]
pub(super) struct DraftForm {
    csrf: String,
    #[serde(default)]
    back: String,
}
form_post::proof!(DraftForm);

/// At most this many drafts from one bulk selection (each is a call to the model).
const BULK_DRAFTS: usize = 5;

/// Asks the instance's model for one item's draft; the problem in words when there is none.
async fn draft_one(
    state: &crate::http::AppState,
    user: &super::PageUser,
    actor: crate::services::auth::Actor,
    wid: Id<crate::domain::Workspace>,
    id: Id<Item>,
) -> Result<Drafted, crate::http::PageError> {
    let principal = user.principal.clone();
    // The item is read once: by `prepare` when drafts may be asked for, else here to show it.
    let (item, prepared) =
        show(
            state,
            &user.layout,
            move |ctx| match crate::services::drafts::prepare(ctx, &actor, &wid, &id) {
                Ok(p) => Ok((p.item.clone(), Ok(p))),
                Err(e) => Ok((items::get(ctx, &principal, &wid, &id)?, Err(e))),
            },
        )
        .await?;
    let (draft, problem) = match (prepared, state.model.clone()) {
        (Ok(p), Some(model)) => match model.complete(&p.messages).await {
            Ok(said) => {
                let done = super::run(state, &user.layout, move |ctx| {
                    crate::services::drafts::finish(ctx, &p, &said)
                })
                .await?;
                match done {
                    Ok(text) => (text, None),
                    Err(m) => (String::new(), Some(m)),
                }
            }
            Err(e) => (String::new(), Some(format!("No draft: {e}."))),
        },
        (Err(e), _) => (String::new(), Some(e.to_string())),
        (Ok(_), None) => (
            String::new(),
            Some("Reply drafts are off on this instance.".into()),
        ),
    };
    let rating = match item.rating {
        Some(crate::domain::Rating::Stars(s)) => format!("{s} of 5 stars"),
        Some(crate::domain::Rating::Recommends(true)) => "recommends".into(),
        Some(crate::domain::Rating::Recommends(false)) => "does not recommend".into(),
        None => String::new(),
    };
    Ok(Drafted {
        item: id.to_string(),
        author: item.author.name,
        rating,
        review: item.text,
        draft,
        problem,
    })
}

async fn draft_page(
    Visit { req, state, user }: Visit,
    wid: Id<crate::domain::Workspace>,
    ids: Vec<Id<Item>>,
    back: String,
) -> Answer {
    let nav = super::workspaces::enter(&state, &user, &wid, crate::domain::Access::Write, "inbox")
        .await?;
    let mut drafts = Vec::new();
    for id in ids.into_iter().take(BULK_DRAFTS) {
        drafts.push(draft_one(&state, &user, user.actor(&req), wid, id).await?);
    }
    let back = back.split('#').next().unwrap_or_default().to_string();
    let page = DraftPage {
        layout: user.layout.clone(),
        ws: nav,
        drafts,
        back,
    };
    html(&req, &page, &user.layout)
}

/// "Draft a reply": asks the instance's model and shows the draft in a reply form to edit;
/// nothing is posted until the person sends it.
pub(super) async fn draft(path: WsChildPath<Item>, post: FormPost<DraftForm>) -> Answer {
    let FormPost { action, form: f } = post;
    let (wid, id) = path.into_inner();
    let back = back_at(&wid.to_string(), &f.back, &id);
    draft_page(action, wid, vec![id], back).await
}

/// "Draft replies" for the items selected in the inbox (the first five).
pub(super) async fn bulk_draft(
    Visit { req, state, user }: Visit,
    path: WsPath,
    body: web::Bytes,
) -> Answer {
    let wid = path.into_inner();
    let (mut csrf, mut back, mut ids) = (String::new(), String::new(), Vec::new());
    for (k, v) in url::form_urlencoded::parse(&body) {
        match k.as_ref() {
            "csrf" => csrf = v.into_owned(),
            "back" => back = v.into_owned(),
            "items" => ids.extend(v.parse::<Id<Item>>().ok()),
            _ => {}
        }
    }
    let back = back_to(&wid.to_string(), &back);
    let visit = Visit::checked(req, state, user, &csrf)?;
    if ids.is_empty() {
        return Ok(super::redirect(
            &back,
            Err("Select the items to draft replies for."),
        ));
    }
    draft_page(visit, wid, ids, back).await
}
