//! The workspace's privacy requests page (owners): export, erase or restrict everything about
//! a customer's email address, export or erase what a reviewer wrote (by name or provider id),
//! as `plaudit privacy` and the API do.

use super::form_post::{self, FormPost};
use super::workspaces::{WsNav, enter};
use super::{Answer, Visit, html, run};
use crate::domain::Access;
use crate::http::paths::WsPath;
use crate::http::{Layout, PageError};
use crate::services::privacy::reviewers::{self, Reviewer, ReviewerCounts};
use crate::services::privacy::{self, Counts};
use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/privacy.html")]
struct PrivacyPage {
    layout: Layout,
    ws: WsNav,
    done: Option<(String, String, Counts)>,
    /// What was done to a reviewer's items ("Erased" or "Restricted"), with the counts.
    reviewer_done: Option<(&'static str, ReviewerCounts)>,
    error: Option<String>,
}

/// A JSON download of an access request.
/// The export as a download: JSON, or the ZIP of it with a CSV per table.
fn download(v: &serde_json::Value, zip: bool, now: time::OffsetDateTime) -> HttpResponse {
    let stem = "privacy-export";
    let (kind, name, body) = match zip.then(|| crate::export_zip::of_document(v, stem, now)) {
        Some(Ok(bytes)) => (
            crate::export_zip::CONTENT_TYPE,
            format!("{stem}.zip"),
            bytes,
        ),
        Some(Err(e)) => {
            tracing::warn!(error = %format!("{e:#}"), "privacy export archive failed");
            return HttpResponse::InternalServerError().body("The archive could not be made.");
        }
        None => (
            "application/json",
            format!("{stem}.json"),
            serde_json::to_vec_pretty(v).unwrap_or_default(),
        ),
    };
    HttpResponse::Ok()
        .content_type(kind)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(body)
}

pub(super) async fn page(Visit { req, state, user }: Visit, ws: WsPath) -> Answer {
    let nav = enter(&state, &user, &ws, Access::Admin, "privacy").await?;
    let page = PrivacyPage {
        layout: user.layout.clone(),
        ws: nav,
        done: None,
        reviewer_done: None,
        error: None,
    };
    html(&req, &page, &user.layout)
}

#[derive(Deserialize)]
pub(super) struct RequestForm {
    csrf: String,
    email: String,
    action: String,
    #[serde(default)]
    confirm: Option<String>,
    /// For a rectification; empty fields leave what they name as it is.
    #[serde(default)]
    name: String,
    #[serde(default)]
    new_email: String,
}

pub(super) async fn act(ws: WsPath, post: FormPost<RequestForm>) -> Answer {
    let FormPost {
        action: Visit { req, state, user },
        form: f,
    } = post;
    let nav = enter(&state, &user, &ws, Access::Admin, "privacy").await?;
    let (actor, wid) = (user.actor(&req), nav.id);
    let email = f.email.clone();
    let outcome = match f.action.as_str() {
        action @ ("export" | "export_zip") => {
            let zip = action == "export_zip";
            let got = run(&state, &user.layout, move |ctx| {
                privacy::export(ctx, &actor, &wid, &email)
            })
            .await?;
            match got {
                Ok(v) => return Ok(download(&v, zip, state.ctx.clock.now())),
                Err(e) => Err(e),
            }
        }
        "erase" if f.confirm.is_none() => {
            Err("Tick the box to confirm: an erasure cannot be undone.".to_string())
        }
        "erase" => run(&state, &user.layout, move |ctx| {
            privacy::erase(ctx, &actor, &wid, &email)
        })
        .await?
        .map(|c| ("erased".to_string(), c)),
        "restrict" => run(&state, &user.layout, move |ctx| {
            privacy::restrict(ctx, &actor, &wid, &email)
        })
        .await?
        .map(|c| ("restricted".to_string(), c)),
        "rectify" => {
            let fix = privacy::Correction {
                name: Some(f.name.trim().to_string()).filter(|n| !n.is_empty()),
                new_email: Some(f.new_email.trim().to_string()).filter(|e| !e.is_empty()),
            };
            run(&state, &user.layout, move |ctx| {
                privacy::rectify(ctx, &actor, &wid, &email, &fix)
            })
            .await?
            .map(|c| ("corrected".to_string(), c))
        }
        "object" => run(&state, &user.layout, move |ctx| {
            privacy::object(ctx, &actor, &wid, &email)
        })
        .await?
        .map(|c| ("no longer emailed".to_string(), c)),
        _ => {
            return Err(PageError::new(
                &user.layout,
                StatusCode::BAD_REQUEST,
                "Choose export, erase, restrict, rectify or object.",
            ));
        }
    };
    let (done, error) = match outcome {
        Ok((what, counts)) => (Some((what, f.email, counts)), None),
        Err(e) => (None, Some(e)),
    };
    let page = PrivacyPage {
        layout: user.layout.clone(),
        ws: nav,
        done,
        reviewer_done: None,
        error,
    };
    html(&req, &page, &user.layout)
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
}

pub(super) async fn act_reviewer(ws: WsPath, post: FormPost<ReviewerForm>) -> Answer {
    let FormPost {
        action: Visit { req, state, user },
        form: f,
    } = post;
    let nav = enter(&state, &user, &ws, Access::Admin, "privacy").await?;
    let (actor, wid) = (user.actor(&req), nav.id);
    let who = Reviewer::new(Some(f.name), Some(f.provider_id));
    let outcome = match (f.action.as_str(), who) {
        (_, Err(e)) => Err(e.to_string()),
        (action @ ("export" | "export_zip"), Ok(who)) => {
            let zip = action == "export_zip";
            let got = run(&state, &user.layout, move |ctx| {
                reviewers::export(ctx, &actor, &wid, &who)
            })
            .await?;
            match got {
                Ok(v) => return Ok(download(&v, zip, state.ctx.clock.now())),
                Err(e) => Err(e),
            }
        }
        ("erase", Ok(_)) if f.confirm.is_none() => {
            Err("Tick the box to confirm: an erasure cannot be undone.".to_string())
        }
        ("erase", Ok(who)) => run(&state, &user.layout, move |ctx| {
            reviewers::erase(ctx, &actor, &wid, &who)
        })
        .await?
        .map(|c| ("Erased", c)),
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
    let (reviewer_done, error) = match outcome {
        Ok(counts) => (Some(counts), None),
        Err(e) => (None, Some(e)),
    };
    let page = PrivacyPage {
        layout: user.layout.clone(),
        ws: nav,
        done: None,
        reviewer_done,
        error,
    };
    html(&req, &page, &user.layout)
}

form_post::proof!(RequestForm, ReviewerForm);
