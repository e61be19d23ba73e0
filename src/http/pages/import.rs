//! The import page: upload a CSV file of reviews, check it (dry run) or import it, and see
//! every bad row with its line.

use super::form_post::FormPost;
use super::upload_stash::{Held, ValidForm, check_and_hold, import_held};
use super::workspaces::{WsNav, enter};
use super::{Answer, Visit, html};
use crate::domain::Access;
use crate::http::paths::WsPath;
use crate::http::{AppState, Layout, PageError};
use crate::services::review_csv::{self, Report};
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use futures_util::StreamExt;
use std::time::Instant;

/// The largest upload in words, as the pages say it (`server.max_upload_kb`): "5 MB".
pub fn upload_limit(state: &AppState) -> String {
    let kb = state.ctx.config.server.max_upload_kb;
    if kb.is_multiple_of(1024) {
        format!("{} MB", kb / 1024)
    } else {
        format!("{kb} KB")
    }
}

#[derive(Template)]
#[template(path = "pages/import.html")]
struct ImportPage {
    layout: Layout,
    ws: WsNav,
    /// The upload shown, with its token (for "import the valid rows").
    upload: Option<(String, Held<Report>)>,
    upload_limit: String,
}

impl ImportPage {
    fn count(&self, n: impl super::words::Number, one: &str, many: &str) -> String {
        super::words::count(n.value(), one, many)
    }
}

/// `?upload=` names an upload whose report to show.
#[derive(serde::Deserialize)]
pub(super) struct Shown {
    #[serde(default)]
    upload: String,
}

pub(super) async fn page(
    Visit { req, state, user }: Visit,
    ws: WsPath,
    q: web::Query<Shown>,
) -> Answer {
    let nav = enter(&state, &user, &ws, Access::Write, "import").await?;
    let upload = state
        .review_uploads
        .get(&q.upload, &user.user.id, &nav.id, Instant::now())
        .map(|h| (q.upload.clone(), h));
    html(
        &req,
        &ImportPage {
            layout: user.layout.clone(),
            ws: nav,
            upload,
            upload_limit: upload_limit(&state),
        },
        &user.layout,
    )
}

/// Checks (and unless any row is bad, imports) an uploaded file, then shows its report at
/// its own address: a reload never posts the file again.
pub(super) async fn upload(
    Visit { req, state, user }: Visit,
    ws: WsPath,
    mut form: Multipart,
) -> Answer {
    let Upload {
        csrf,
        file,
        dry_run,
    } = read_upload(&mut form, &state, &user.layout, "reviews").await?;
    user.check_form(&req, &state, &csrf)?;
    let nav = enter(&state, &user, &ws, Access::Write, "import").await?;
    let (actor, wid) = (user.actor(&req), nav.id);
    let page = format!("/w/{wid}/import");
    check_and_hold(
        &state.review_uploads,
        &state,
        &user,
        wid,
        file,
        dry_run,
        &page,
        move |ctx, file, dry_run| {
            let (report, valid) = review_csv::import_file(ctx, &actor, &wid, file, dry_run)?;
            let errors = report.errors.len();
            Ok((report, errors, valid))
        },
    )
    .await
}

/// Imports the rows of a held upload that passed the checks, skipping the bad ones.
pub(super) async fn import_valid(ws: WsPath, post: FormPost<ValidForm>) -> Answer {
    let FormPost {
        action: Visit { req, state, user },
        form: f,
    } = post;
    let wid = enter(&state, &user, &ws, Access::Write, "import").await?.id;
    let actor = user.actor(&req);
    let stash = &state.review_uploads;
    let page = format!("/w/{wid}/import");
    import_held(
        stash,
        &state,
        &user,
        wid,
        &f.upload,
        &page,
        move |ctx, file| {
            let report = review_csv::import_valid(ctx, &actor, &wid, file)?;
            let valid = report.rows;
            Ok((report, valid))
        },
    )
    .await
}

/// A CSV upload form: its CSRF proof, the file, and the "check only" box.
pub struct Upload {
    pub csrf: String,
    pub file: Vec<u8>,
    pub dry_run: bool,
}

pub async fn read_upload(
    form: &mut Multipart,
    state: &AppState,
    layout: &Layout,
    what: &str,
) -> Result<Upload, PageError> {
    let max_file = state.ctx.config.server.max_upload_kb * 1024;
    let bad = |m: &str| PageError::new(layout, StatusCode::BAD_REQUEST, m.to_string());
    let mut up = Upload {
        csrf: String::new(),
        file: Vec::new(),
        dry_run: false,
    };
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|e| bad(&format!("the upload broke off: {e}")))?;
        let name = field.name().unwrap_or_default().to_string();
        let mut value = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| bad(&format!("the upload broke off: {e}")))?;
            if value.len() + chunk.len() > max_file {
                return Err(bad(&format!(
                    "the file is larger than {}: use `plaudit import {what}` on the server",
                    upload_limit(state)
                )));
            }
            value.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "csrf" => up.csrf = String::from_utf8_lossy(&value).into_owned(),
            "file" => up.file = value,
            "dry_run" => up.dry_run = true,
            _ => {}
        }
    }
    Ok(up)
}
