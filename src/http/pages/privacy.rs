//! The workspace's privacy requests page (owners): export, erase or restrict everything about
//! a customer's email address, export or erase what a reviewer wrote (by name or provider id),
//! as `plaudit privacy` and the API do.

use super::form_post::{self, FormPost};
use super::workspaces::{WsNav, enter};
use super::{Answer, Visit, html, run};
use crate::domain::Access;
use crate::http::paths::WsPath;
use crate::http::{Layout, PageError};
use crate::services::privacy::reviewers::ReviewerCounts;
use crate::services::privacy::{self, Counts};
use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/privacy.html")]
pub(super) struct PrivacyPage {
    layout: Layout,
    ws: WsNav,
    done: Option<(String, String, Counts)>,
    /// What was done to a reviewer's items ("Erased" or "Restricted"), with the counts.
    pub(super) reviewer_done: Option<(&'static str, ReviewerCounts)>,
    pub(super) error: Option<String>,
    /// An erasure by address waiting for its confirmation: the address and what it removes.
    email_preview: Option<(String, Counts)>,
    /// An erasure of a reviewer's items waiting for its confirmation.
    pub(super) reviewer_preview: Option<ReviewerPreview>,
}

/// What an erasure of a reviewer would remove, listed before anything goes.
pub(super) struct ReviewerPreview {
    pub(super) name: String,
    pub(super) provider_id: String,
    pub(super) total: usize,
    /// Author, location, date, first words: at most `PREVIEW_ROWS` of them.
    pub(super) rows: Vec<(String, String, String, String)>,
    /// The matches changed between the preview and the confirmation.
    pub(super) changed: bool,
}

impl PrivacyPage {
    fn new(layout: &Layout, ws: WsNav) -> Self {
        Self {
            layout: layout.clone(),
            ws,
            done: None,
            reviewer_done: None,
            error: None,
            email_preview: None,
            reviewer_preview: None,
        }
    }

    fn count(&self, n: impl super::words::Number, one: &str, many: &str) -> String {
        super::words::count(n.value(), one, many)
    }
}

/// A file name naming who the export is about and when: `privacy-export-ana-example-net-2026-12-06`.
fn file_stem(who: &str, now: time::OffsetDateTime) -> String {
    let mut slug = String::new();
    for c in who.trim().to_lowercase().chars() {
        if c.is_alphanumeric() && slug.chars().count() < 40 {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    let slug = if slug.is_empty() { "person" } else { slug };
    format!("privacy-export-{slug}-{}", now.date())
}

/// The export as a download: JSON, or the ZIP of it with a CSV per table.
pub(super) fn download(
    v: &serde_json::Value,
    zip: bool,
    who: &str,
    now: time::OffsetDateTime,
) -> HttpResponse {
    // The file is named for who and when; the document inside keeps its usual name.
    let named = file_stem(who, now);
    let stem = "privacy-export";
    let (kind, name, body) = match zip.then(|| crate::export_zip::of_document(v, stem, now)) {
        Some(Ok(bytes)) => (
            crate::export_zip::CONTENT_TYPE,
            format!("{named}.zip"),
            bytes,
        ),
        Some(Err(e)) => {
            tracing::warn!(error = %format!("{e:#}"), "privacy export archive failed");
            return HttpResponse::InternalServerError().body("The archive could not be made.");
        }
        None => (
            "application/json",
            format!("{named}.json"),
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
    html(&req, &PrivacyPage::new(&user.layout, nav), &user.layout)
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
    /// The counts the erasure's preview showed, as `counts_key` writes them.
    #[serde(default)]
    expected: Option<String>,
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
                privacy::export_if_any(ctx, &actor, &wid, &email)
            })
            .await?;
            match got {
                Ok(Some(v)) => {
                    return Ok(download(&v, zip, &f.email, state.ctx.clock.now()));
                }
                // Nothing held: said so, rather than a file of empty lists.
                Ok(None) => Err(format!(
                    "Nothing in this workspace is about {}: there is nothing to export.",
                    f.email.trim()
                )),
                Err(e) => Err(e),
            }
        }
        "erase" => {
            // Previewed first; erased once confirmed with the counts the person saw (checked
            // against what is found at that moment, in the same look-up).
            let confirmed = f.confirm.is_some().then(|| f.expected.clone()).flatten();
            let done = run(&state, &user.layout, move |ctx| match confirmed {
                Some(expected) => privacy::erase_confirmed(ctx, &actor, &wid, &email, &expected),
                None => Ok(Err(privacy::preview(ctx, &actor, &wid, &email)?)),
            })
            .await?;
            match done {
                Ok(Ok(c)) => Ok(("erased".to_string(), c)),
                Ok(Err(counts)) if counts.is_empty() => Err(format!(
                    "Nothing in this workspace is about {}: nothing was erased.",
                    f.email.trim()
                )),
                Ok(Err(counts)) => {
                    let e = (f.expected.is_some() && f.confirm.is_none()).then(|| {
                        "Tick the box to confirm: an erasure cannot be undone.".to_string()
                    });
                    let email = f.email.trim().to_string();
                    return privacy_page(&req, &user.layout, nav, |p| {
                        p.email_preview = Some((email, counts));
                        p.error = e;
                    });
                }
                Err(e) => Err(e),
            }
        }
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
    privacy_page(&req, &user.layout, nav, |p| match outcome {
        Ok((what, counts)) => p.done = Some((what, f.email, counts)),
        Err(e) => p.error = Some(e),
    })
}

/// The page with a result or a preview at its top, where the person is looking.
pub(super) fn privacy_page(
    req: &actix_web::HttpRequest,
    layout: &Layout,
    nav: WsNav,
    fill: impl FnOnce(&mut PrivacyPage),
) -> Answer {
    let mut page = PrivacyPage::new(layout, nav);
    fill(&mut page);
    html(req, &page, layout)
}

form_post::proof!(RequestForm);
