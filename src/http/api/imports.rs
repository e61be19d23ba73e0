//! /workspaces/{ws}/imports/reviews: a CSV file of reviews (columns in the README), checked
//! whole before anything is written.

use super::{Answer, Api, WsPath};
use crate::http::ApiError;
use crate::services::review_csv::{self, Report, RowError};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

#[derive(Deserialize, schemars::JsonSchema)]
pub struct ImportQuery {
    /// `true`: check and report, write nothing.
    #[schemars(regex(pattern = r"^(true|false)$"))]
    pub dry_run: Option<String>,
}

#[derive(serde::Serialize)]
pub struct RowErrorView {
    pub line: u64,
    pub message: String,
}

#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct ReportView {
    pub rows: usize,
    pub new: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub dry_run: bool,
}

pub fn view(r: Report, dry_run: bool) -> ReportView {
    ReportView {
        rows: r.rows,
        new: r.new,
        updated: r.updated,
        unchanged: r.unchanged,
        dry_run,
    }
}

pub(super) async fn import_reviews(
    req: HttpRequest,
    api: Api,
    ws: WsPath,
    q: super::Query<ImportQuery>,
    body: web::Bytes,
) -> Answer {
    let ws = ws.into_inner();
    let dry_run = dry_run(&q)?;
    require_csv(&req)?;
    let report = api
        .write(move |ctx, who| {
            let (mut report, _) = review_csv::import_file(ctx, who, &ws, &body, dry_run)?;
            if !report.errors.is_empty() {
                (report.new, report.updated, report.unchanged) = (0, 0, 0);
            }
            Ok(report)
        })
        .await?;
    if !report.errors.is_empty() {
        return Ok(invalid_rows(report.errors));
    }
    Ok(HttpResponse::Ok().json(view(report, dry_run)))
}

/// 422 `invalid_rows`: every problem with its line; nothing was imported.
pub fn invalid_rows(errors: Vec<RowError>) -> HttpResponse {
    let rows: Vec<RowErrorView> = errors
        .into_iter()
        .map(|e| RowErrorView {
            line: e.line,
            message: e.message,
        })
        .collect();
    HttpResponse::UnprocessableEntity().json(serde_json::json!({"error": {
        "code": "invalid_rows",
        "message": format!("{} rows have problems; nothing was imported. Fix them and send the file again.", rows.len()),
        "rows": rows,
    }}))
}

pub fn dry_run(q: &ImportQuery) -> Result<bool, ApiError> {
    match q.dry_run.as_deref() {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            "dry_run: true or false",
        )),
    }
}

pub fn require_csv(req: &HttpRequest) -> Result<(), ApiError> {
    let ctype = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ctype.starts_with("text/csv") || ctype.starts_with("text/plain") {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the CSV file as the body with Content-Type: text/csv",
        ))
    }
}
