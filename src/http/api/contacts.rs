//! /workspaces/{ws}/contacts: customers to ask for feedback, added by a till or a CSV file.

use super::imports::{ImportQuery, RowErrorView};
use super::{Api, Body, ListBody, PageQuery, Registrar, WsChildPath, WsPath, list};
use crate::domain::Contact;
use crate::http::ApiError;
use crate::services::contacts::{self, AddReport, ContactInput, Listed};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

pub fn routes(r: &mut Registrar) {
    r.add(Method::POST, "/workspaces/{ws}/contacts", add)
        .doc(
            "campaigns",
            "Add or update up to 1,000 contacts (manager). Matched by address (case-insensitive); bad entries are listed by index and the rest stored",
        )
        .body::<Vec<ContactInput>>()
        .returns::<AddReport>();
    r.add(Method::GET, "/workspaces/{ws}/contacts", list_contacts)
        .doc("campaigns", "The workspace's contacts, newest first")
        .paged::<ContactView>();
    r.add(Method::DELETE, "/workspaces/{ws}/contacts/{id}", delete)
        .doc(
            "campaigns",
            "Delete a contact (manager); an unsubscribed address stays suppressed",
        )
        .status(204);
    r.add(
        Method::PUT,
        "/workspaces/{ws}/contacts/{id}/suppressed",
        suppress,
    )
    .doc(
        "campaigns",
        "Stop mailing a contact, or lift a manual suppression (manager)",
    )
    .body::<SuppressBody>()
    .status(204);
    r.add(Method::POST, "/workspaces/{ws}/contacts/import", import)
        .doc(
            "campaigns",
            "Import contacts from a CSV body (Content-Type: text/csv; columns email, name, location, consent, source). With any bad row nothing is written and every problem is listed with its line",
        )
        .query::<ImportQuery>()
        .csv_body()
        .returns::<CsvReportView>();
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct ContactView {
    id: String,
    email: String,
    name: String,
    location: Option<String>,
    source: String,
    consent: crate::domain::Consent,
    created_at: String,
    last_asked_at: Option<String>,
    /// `unsubscribed`, `bounced` or `manual` when the address is never mailed.
    suppressed: Option<String>,
    restricted: bool,
}

use super::views::time as rfc3339;

fn view(l: Listed) -> ContactView {
    let c = l.contact;
    ContactView {
        id: c.id.to_string(),
        email: c.email.to_string(),
        name: c.name,
        location: c.location.map(|l| l.to_string()),
        source: c.source,
        consent: c.consent,
        created_at: rfc3339(c.created_at),
        last_asked_at: c.last_asked_at.map(rfc3339),
        suppressed: l.suppressed.map(|s| s.reason.name().to_string()),
        restricted: c.restricted,
    }
}

async fn add(api: Api, ws: WsPath, body: ListBody<ContactInput>) -> Result<HttpResponse, ApiError> {
    let ws = ws.into_inner();
    let inputs = body.0;
    let report = api
        .write(move |ctx, who| contacts::add(ctx, who, &ws, &inputs))
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

async fn list_contacts(
    api: Api,
    ws: WsPath,
    q: super::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let ws = ws.into_inner();
    let req = q.request()?;
    let page = api
        .read(move |ctx, who| contacts::list(ctx, who, &ws, &req))
        .await?;
    Ok(list(page, view))
}

async fn delete(api: Api, path: WsChildPath<Contact>) -> Result<HttpResponse, ApiError> {
    let (ws, cid) = path.into_inner();
    api.write(move |ctx, who| contacts::delete(ctx, who, &ws, &cid))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct SuppressBody {
    suppressed: bool,
}

async fn suppress(
    api: Api,
    path: WsChildPath<Contact>,
    body: Body<SuppressBody>,
) -> Result<HttpResponse, ApiError> {
    let (ws, cid) = path.into_inner();
    let on = body.into_inner().suppressed;
    api.write(move |ctx, who| contacts::set_suppressed(ctx, who, &ws, &cid, on))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct CsvReportView {
    rows: usize,
    created: usize,
    updated: usize,
    duplicates: usize,
    dry_run: bool,
}

async fn import(
    req: HttpRequest,
    api: Api,
    ws: WsPath,
    q: super::Query<ImportQuery>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let ws = ws.into_inner();
    let dry_run = super::imports::dry_run(&q)?;
    super::imports::require_csv(&req)?;
    let report = api
        .write(move |ctx, who| {
            crate::services::contacts_csv::import_csv(ctx, who, &ws, &body, dry_run)
        })
        .await?;
    if !report.errors.is_empty() {
        let rows: Vec<RowErrorView> = report
            .errors
            .into_iter()
            .map(|e| RowErrorView {
                line: e.line,
                message: e.message,
            })
            .collect();
        return Ok(HttpResponse::build(StatusCode::UNPROCESSABLE_ENTITY).json(serde_json::json!({"error": {
            "code": "invalid_rows",
            "message": format!("{} rows have problems; nothing was imported. Fix them and send the file again.", rows.len()),
            "rows": rows,
        }})));
    }
    Ok(HttpResponse::Ok().json(CsvReportView {
        rows: report.rows,
        created: report.created,
        updated: report.updated,
        duplicates: report.duplicates,
        dry_run,
    }))
}
