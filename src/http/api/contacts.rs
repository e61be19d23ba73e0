//! /workspaces/{ws}/contacts: customers to ask for feedback, added by a till or a CSV file.

use super::imports::ImportQuery;
use super::{Answer, Api, Body, ListBody, WsChildPath, WsPath};
use crate::domain::Contact;
use crate::services::contacts::{self, ContactInput, Listed};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

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

pub(super) fn view(l: Listed) -> ContactView {
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

pub(super) async fn add(api: Api, ws: WsPath, body: ListBody<ContactInput>) -> Answer {
    let ws = ws.into_inner();
    let inputs = body.0;
    let report = api
        .write(move |ctx, who| contacts::add(ctx, who, &ws, &inputs))
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct SuppressBody {
    suppressed: bool,
}

pub(super) async fn suppress(
    api: Api,
    path: WsChildPath<Contact>,
    body: Body<SuppressBody>,
) -> Answer {
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

pub(super) async fn import(
    req: HttpRequest,
    api: Api,
    ws: WsPath,
    q: super::Query<ImportQuery>,
    body: web::Bytes,
) -> Answer {
    let ws = ws.into_inner();
    let dry_run = super::imports::dry_run(&q)?;
    super::imports::require_csv(&req)?;
    let report = api
        .write(move |ctx, who| {
            crate::services::contacts_csv::import_csv(ctx, who, &ws, &body, dry_run)
        })
        .await?;
    if !report.errors.is_empty() {
        return Ok(super::imports::invalid_rows(report.errors));
    }
    Ok(HttpResponse::Ok().json(CsvReportView {
        rows: report.rows,
        created: report.created,
        updated: report.updated,
        duplicates: report.duplicates,
        dry_run,
    }))
}
