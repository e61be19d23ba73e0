//! Requests about reviewers on the Privacy page: export, restrict, or erase what someone wrote
//! at Google or Facebook, found by the name shown or a provider id — an erasure listed first
//! and confirmed with the number of items it removes.

use super::form_post::{self, FormPost};
use super::privacy::{ReviewerPreview, download, privacy_page};
use super::workspaces::enter;
use super::{Answer, Visit, run};
use crate::domain::Access;
use crate::http::PageError;
use crate::http::paths::WsPath;
use crate::services::privacy::reviewers::{self, Reviewer};
use actix_web::http::StatusCode;
use serde::Deserialize;

/// Items a preview lists at most.
const PREVIEW_ROWS: usize = 50;

/// The first words of a text, for a preview row.
fn first_words(text: &str) -> String {
    let mut out: String = text
        .split_whitespace()
        .take(12)
        .collect::<Vec<_>>()
        .join(" ");
    if out.chars().count() > 90 {
        out = out.chars().take(90).collect();
    }
    if out.len() < text.trim().len() {
        out.push('…');
    }
    out
}

#[derive(Deserialize)]
pub(super) struct ReviewerForm {
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    provider_id: String,
    action: String,
    #[serde(default)]
    confirm: Option<String>,
    /// How many items the erasure's preview listed.
    #[serde(default)]
    expected: Option<usize>,
}

pub(super) async fn act_reviewer(ws: WsPath, post: FormPost<ReviewerForm>) -> Answer {
    let FormPost {
        action: Visit { req, state, user },
        form: f,
    } = post;
    let nav = enter(&state, &user, &ws, Access::Admin, "privacy").await?;
    let (actor, wid) = (user.actor(&req), nav.id);
    let label = if f.name.trim().is_empty() {
        f.provider_id.trim().to_string()
    } else {
        f.name.trim().to_string()
    };
    let who = Reviewer::new(Some(f.name.clone()), Some(f.provider_id.clone()));
    let outcome = match (f.action.as_str(), who) {
        (_, Err(e)) => Err(e.to_string()),
        (action @ ("export" | "export_zip"), Ok(who)) => {
            let zip = action == "export_zip";
            let got = run(&state, &user.layout, move |ctx| {
                reviewers::export_if_any(ctx, &actor, &wid, &who)
            })
            .await?;
            match got {
                Ok(Some(v)) => return Ok(download(&v, zip, &label, state.ctx.clock.now())),
                Ok(None) => Err(format!(
                    "No review or comment here is by {label}: there is nothing to export."
                )),
                Err(e) => Err(e),
            }
        }
        ("erase", Ok(who)) => {
            // Listed first; erased once confirmed with the number the person saw (checked
            // against what is found at that moment, in the same look-up).
            let confirmed = f.confirm.is_some().then_some(f.expected).flatten();
            let found = run(&state, &user.layout, move |ctx| {
                let outcome = match confirmed {
                    Some(n) => reviewers::erase_confirmed(ctx, &actor, &wid, &who, n)?,
                    None => Err(reviewers::preview(ctx, &actor, &wid, &who)?),
                };
                let names: std::collections::HashMap<_, _> = match &outcome {
                    Ok(_) => Default::default(),
                    Err(_) => ctx
                        .store
                        .locations()
                        .all(&wid)?
                        .into_iter()
                        .map(|l| (l.id, l.name))
                        .collect(),
                };
                Ok((outcome, names))
            })
            .await?;
            match found {
                Ok((Ok(counts), _)) => Ok(("Erased", counts)),
                Ok((Err(items), _)) if items.is_empty() => Err(format!(
                    "No review or comment here is by {label}: nothing was erased."
                )),
                Ok((Err(items), names)) => {
                    let preview = ReviewerPreview {
                        name: f.name.trim().to_string(),
                        provider_id: f.provider_id.trim().to_string(),
                        total: items.len(),
                        rows: items
                            .iter()
                            .take(PREVIEW_ROWS)
                            .map(|i| {
                                (
                                    i.author.name.clone(),
                                    names.get(&i.location).cloned().unwrap_or_default(),
                                    i.created_at.date().to_string(),
                                    first_words(&i.text),
                                )
                            })
                            .collect(),
                        changed: f.expected.is_some_and(|n| n != items.len()),
                    };
                    let e = (f.expected.is_some() && f.confirm.is_none()).then(|| {
                        "Tick the box to confirm: an erasure cannot be undone.".to_string()
                    });
                    return privacy_page(&req, &user.layout, nav, |p| {
                        p.reviewer_preview = Some(preview);
                        p.error = e;
                    });
                }
                Err(e) => Err(e),
            }
        }
        ("restrict", Ok(who)) => run(&state, &user.layout, move |ctx| {
            reviewers::restrict(ctx, &actor, &wid, &who)
        })
        .await?
        .map(|c| ("Restricted", c)),
        _ => {
            return Err(PageError::new(
                &user.layout,
                StatusCode::BAD_REQUEST,
                "Choose export, restrict or erase.",
            ));
        }
    };
    privacy_page(&req, &user.layout, nav, |p| match outcome {
        Ok(counts) => p.reviewer_done = Some(counts),
        Err(e) => p.error = Some(e),
    })
}

form_post::proof!(ReviewerForm);
