//! /workspaces/{ws}/report-plans (scheduled client reports: recipients, schedule, locations,
//! period; a test to the caller; the PDF as it would go out), /workspaces/{ws}/report.pdf (any
//! period's report) and /workspaces/{ws}/branding.

use super::reports::parse_date;
use super::{Answer, Api, Body, WsChildPath, WsPath};
use crate::domain::{Branding, Email, ReportPlan};
use crate::http::ApiError;
use crate::services::report_plans::PlanInput;
use crate::services::{report_delivery, report_plans};
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Serialize, JsonSchema)]
pub struct RecipientView {
    pub id: String,
    /// `email` (a client contact) or `member`.
    pub kind: &'static str,
    /// The address, or the member's user id.
    pub to: String,
    pub unsubscribed_at: Option<String>,
}

#[derive(Serialize, JsonSchema)]
pub struct PlanView {
    pub id: String,
    pub name: String,
    pub recipients: Vec<RecipientView>,
    /// `month` or `week`.
    pub every: &'static str,
    pub day: u8,
    pub hour: u8,
    pub zone: String,
    /// Empty: every location.
    pub locations: Vec<String>,
    pub period: &'static str,
    pub enabled: bool,
    pub next_at: String,
    pub last_sent_at: Option<String>,
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

pub fn view(p: &ReportPlan) -> PlanView {
    use crate::domain::{Cadence, RecipientTo};
    let (every, day) = match p.cadence {
        Cadence::Monthly { day } => ("month", day),
        Cadence::Weekly { weekday } => ("week", weekday),
    };
    PlanView {
        id: p.id.to_string(),
        name: p.name.clone(),
        recipients: p
            .recipients
            .iter()
            .map(|r| {
                let (kind, to) = match &r.to {
                    RecipientTo::Email(e) => ("email", e.to_string()),
                    RecipientTo::Member(u) => ("member", u.to_string()),
                };
                RecipientView {
                    id: r.id.to_string(),
                    kind,
                    to,
                    unsubscribed_at: r.unsubscribed_at.map(rfc3339),
                }
            })
            .collect(),
        every,
        day,
        hour: p.hour,
        zone: p.zone.clone(),
        locations: p.locations.iter().map(ToString::to_string).collect(),
        period: p.period.as_str(),
        enabled: p.enabled,
        next_at: rfc3339(p.next_at),
        last_sent_at: p.last_sent_at.map(rfc3339),
    }
}

pub(super) async fn list(api: Api, ws: WsPath) -> Answer {
    let ws = ws.into_inner();
    let plans = api
        .read(move |ctx, who| report_plans::list(ctx, who, &ws))
        .await?;
    Ok(HttpResponse::Ok().json(super::views::List {
        items: plans.iter().map(view).collect(),
        next_cursor: None,
    }))
}

pub(super) async fn create(api: Api, ws: WsPath, body: Body<PlanInput>) -> Answer {
    let ws = ws.into_inner();
    let input = body.into_inner();
    let plan = api
        .write(move |ctx, who| report_plans::save(ctx, who, &ws, None, &input))
        .await?;
    Ok(HttpResponse::Created().json(view(&plan)))
}

pub(super) async fn one(api: Api, path: WsChildPath<ReportPlan>) -> Answer {
    let (ws, id) = path.into_inner();
    let plan = api
        .read(move |ctx, who| report_plans::get(ctx, who, &ws, &id))
        .await?;
    Ok(HttpResponse::Ok().json(view(&plan)))
}

pub(super) async fn replace(
    api: Api,
    path: WsChildPath<ReportPlan>,
    body: Body<PlanInput>,
) -> Answer {
    let (ws, id) = path.into_inner();
    let input = body.into_inner();
    let plan = api
        .write(move |ctx, who| report_plans::save(ctx, who, &ws, Some(&id), &input))
        .await?;
    Ok(HttpResponse::Ok().json(view(&plan)))
}

pub(super) async fn delete(api: Api, path: WsChildPath<ReportPlan>) -> Answer {
    let (ws, id) = path.into_inner();
    api.write(move |ctx, who| report_plans::delete(ctx, who, &ws, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, JsonSchema)]
pub struct TestSentView {
    /// Where the test went (the caller's address).
    pub sent_to: String,
}

pub(super) async fn test(api: Api, path: WsChildPath<ReportPlan>) -> Answer {
    let (ws, id) = path.into_inner();
    let to: Email = api
        .write(move |ctx, who| report_delivery::send_test(ctx, who, &ws, &id))
        .await?;
    Ok(HttpResponse::Accepted().json(TestSentView {
        sent_to: to.to_string(),
    }))
}

fn pdf_answer((name, bytes): (String, Vec<u8>), inline: bool) -> HttpResponse {
    let how = if inline { "inline" } else { "attachment" };
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(("Content-Disposition", format!("{how}; filename=\"{name}\"")))
        .body(bytes)
}

pub(super) async fn preview(api: Api, path: WsChildPath<ReportPlan>) -> Answer {
    let (ws, id) = path.into_inner();
    let file = api
        .read(move |ctx, who| report_delivery::preview(ctx, who, &ws, &id))
        .await?;
    Ok(pdf_answer(file, true))
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct PdfQuery {
    /// A location id; every location when absent.
    #[schemars(regex(pattern = r"^[0-9a-f]{32}$"))]
    pub location: Option<String>,
    /// First day (YYYY-MM-DD); default 29 days before `to`. With neither `from` nor `to`:
    /// the last whole month.
    #[schemars(extend("format" = "date"))]
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD), included; default yesterday.
    #[schemars(extend("format" = "date"))]
    pub to: Option<String>,
}

/// Well-formed but impossible: an address that is not one, a logo that is not base64.
fn invalid(message: String) -> ApiError {
    crate::services::Error::Invalid(message).into()
}

fn bad(message: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid", message)
}

pub(super) async fn pdf(api: Api, ws: WsPath, q: super::Query<PdfQuery>) -> Answer {
    let ws = ws.into_inner();
    // Each end is optional on its own (see report_delivery::pdf for the defaults).
    let period = (
        q.from
            .as_deref()
            .map(|d| parse_date("from", d))
            .transpose()
            .map_err(bad)?,
        q.to.as_deref()
            .map(|d| parse_date("to", d))
            .transpose()
            .map_err(bad)?,
    );
    let location = match q.location.as_deref().filter(|s| !s.is_empty()) {
        Some(l) => Some(
            l.parse()
                .map_err(|_| bad(format!("location: `{l}` is not a location id")))?,
        ),
        None => None,
    };
    let file = api
        .read(move |ctx, who| report_delivery::pdf(ctx, who, &ws, location, period))
        .await?;
    Ok(pdf_answer(file, false))
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BrandingBody {
    /// Empty: the instance's ([branding] in the configuration).
    #[serde(default)]
    #[schemars(length(max = 100))]
    pub agency_name: String,
    /// `#rrggbb`, or empty.
    #[serde(default)]
    #[schemars(regex(pattern = r"^(#[0-9a-fA-F]{6})?$"))]
    pub primary: String,
    #[serde(default)]
    #[schemars(regex(pattern = r"^(#[0-9a-fA-F]{6})?$"))]
    pub accent: String,
    #[serde(default)]
    #[schemars(length(max = 100))]
    pub sender_name: String,
    #[serde(default)]
    pub reply_to: Option<String>,
    /// Absent or null keeps, true shows, false hides "Powered by Plaudit".
    #[serde(default)]
    pub powered_by: Option<bool>,
    /// A PNG or JPEG file, base64 (at most 200 KB); "" removes the logo; absent keeps it.
    #[serde(default)]
    pub logo_base64: Option<String>,
}

#[derive(Serialize, JsonSchema)]
pub struct BrandingView {
    pub agency_name: String,
    pub primary: String,
    pub accent: String,
    pub sender_name: String,
    pub reply_to: Option<String>,
    pub powered_by: Option<bool>,
    pub has_logo: bool,
}

fn branding_view(b: &Branding) -> BrandingView {
    BrandingView {
        agency_name: b.agency_name.clone(),
        primary: b.primary.clone(),
        accent: b.accent.clone(),
        sender_name: b.sender_name.clone(),
        reply_to: b.reply_to.as_ref().map(ToString::to_string),
        powered_by: b.powered_by,
        has_logo: b.logo.is_some(),
    }
}

pub(super) async fn get_branding(api: Api, ws: WsPath) -> Answer {
    let ws = ws.into_inner();
    let b = api
        .read(move |ctx, who| report_plans::branding(ctx, who, &ws))
        .await?;
    Ok(HttpResponse::Ok().json(branding_view(&b)))
}

pub(super) async fn put_branding(api: Api, ws: WsPath, body: Body<BrandingBody>) -> Answer {
    use base64::Engine;
    let ws = ws.into_inner();
    let b = body.into_inner();
    let reply_to = match b
        .reply_to
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(r) => Some(Email::parse(r).map_err(|e| invalid(format!("reply_to: {e}")))?),
        None => None,
    };
    let logo = match b.logo_base64.as_deref() {
        None => None,
        Some(s) => Some(
            base64::engine::general_purpose::STANDARD
                .decode(s.trim())
                .map_err(|_| invalid("logo_base64: not base64".into()))?,
        ),
    };
    let branding = Branding {
        agency_name: b.agency_name,
        primary: b.primary,
        accent: b.accent,
        sender_name: b.sender_name,
        reply_to,
        logo: None,
        powered_by: b.powered_by,
    };
    let saved = api
        .write(move |ctx, who| report_plans::set_branding(ctx, who, &ws, branding, logo))
        .await?;
    Ok(HttpResponse::Ok().json(branding_view(&saved)))
}
