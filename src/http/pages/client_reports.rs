//! The Client reports pages: the workspace's scheduled reports with a form for a new one, one
//! report's settings with "Send a test to me" and its PDF preview, and the branding form.

use super::form_post::{field, form_pairs};
use super::workspaces::{WsNav, enter};
use super::{Answer, Visit, html, redirect, run, show};
use crate::domain::{
    Access, Branding, Cadence, Email, Id, Location, RecipientTo, ReportPlan, User,
};
use crate::http::paths::{WsChildPath, WsPath};
use crate::http::{Layout, PageError};
use crate::services::report_plans::{self, PlanInput};
use crate::services::{locations, report_delivery, workspaces};
use crate::store::PageRequest;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use futures_util::StreamExt;

/// A plan as the form shows it.
struct PlanRow {
    plan: ReportPlan,
    schedule: String,
    to: Vec<(String, bool)>,
}

struct MemberOption {
    id: Id<User>,
    label: String,
}

#[derive(Template)]
#[template(path = "pages/reports.html")]
struct ListPage {
    layout: Layout,
    ws: WsNav,
    plans: Vec<PlanRow>,
    branding: Branding,
    instance: Branding,
    members: Vec<MemberOption>,
    locations: Vec<Location>,
}

#[derive(Template)]
#[template(path = "pages/report_plan.html")]
struct PlanPage {
    layout: Layout,
    ws: WsNav,
    row: PlanRow,
    emails: String,
    members: Vec<MemberOption>,
    locations: Vec<Location>,
}

impl PlanPage {
    fn member_checked(&self, id: &Id<User>) -> bool {
        self.row
            .plan
            .recipients
            .iter()
            .any(|r| r.to == RecipientTo::Member(*id))
    }
    fn location_checked(&self, id: &Id<Location>) -> bool {
        self.row.plan.locations.contains(id)
    }
    fn every(&self) -> &'static str {
        match self.row.plan.cadence {
            Cadence::Monthly { .. } => "month",
            Cadence::Weekly { .. } => "week",
        }
    }
    fn day(&self) -> u8 {
        match self.row.plan.cadence {
            Cadence::Monthly { day } => day,
            Cadence::Weekly { weekday } => weekday,
        }
    }
}

fn row(plan: ReportPlan, members: &[MemberOption]) -> PlanRow {
    let to = plan
        .recipients
        .iter()
        .map(|r| {
            let label = match &r.to {
                RecipientTo::Email(e) => e.to_string(),
                RecipientTo::Member(u) => members
                    .iter()
                    .find(|m| m.id == *u)
                    .map_or_else(|| "a former member".to_string(), |m| m.label.clone()),
            };
            (label, r.unsubscribed_at.is_some())
        })
        .collect();
    let schedule = format!(
        "{}, {:02}:00 {}",
        plan.cadence.describe(),
        plan.hour,
        plan.zone
    );
    PlanRow { plan, schedule, to }
}

type Lists = (Vec<MemberOption>, Vec<Location>);

fn lists(
    ctx: &crate::services::Ctx,
    who: &crate::services::auth::Principal,
    ws: &Id<crate::domain::Workspace>,
) -> crate::services::Result<Lists> {
    let members = workspaces::members(ctx, who, ws, &PageRequest::first(200))?
        .items
        .into_iter()
        .map(|m| MemberOption {
            id: m.user.id,
            label: format!("{} <{}>", m.user.name, m.user.email),
        })
        .collect();
    let locs = locations::list(ctx, who, ws, &PageRequest::first(500))?
        .items
        .into_iter()
        .filter(|l| !l.archived)
        .collect();
    Ok((members, locs))
}

pub(super) async fn list(Visit { req, state, user }: Visit, ws: WsPath) -> Answer {
    let nav = enter(&state, &user, &ws, Access::Read, "reports").await?;
    let (who, wid) = (user.principal.clone(), nav.id);
    let (plans, branding, instance, (members, locations)) =
        show(&state, &user.layout, move |ctx| {
            let plans = report_plans::list(ctx, &who, &wid)?;
            let branding = report_plans::branding(ctx, &who, &wid)?;
            Ok((
                plans,
                branding,
                report_plans::instance_branding(ctx),
                lists(ctx, &who, &wid)?,
            ))
        })
        .await?;
    let plans = plans.into_iter().map(|p| row(p, &members)).collect();
    html(
        &req,
        &ListPage {
            layout: user.layout.clone(),
            ws: nav,
            plans,
            branding,
            instance,
            members,
            locations,
        },
        &user.layout,
    )
}

pub(super) async fn detail(
    Visit { req, state, user }: Visit,
    path: WsChildPath<ReportPlan>,
) -> Answer {
    let (ws, id) = path.into_inner();
    let nav = enter(&state, &user, &web::Path::from(ws), Access::Read, "reports").await?;
    let who = user.principal.clone();
    let (plan, (members, locations)) = show(&state, &user.layout, move |ctx| {
        Ok((
            report_plans::get(ctx, &who, &ws, &id)?,
            lists(ctx, &who, &ws)?,
        ))
    })
    .await?;
    let emails = plan
        .recipients
        .iter()
        .filter_map(|r| match &r.to {
            RecipientTo::Email(e) => Some(e.to_string()),
            RecipientTo::Member(_) => None,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let row = row(plan, &members);
    html(
        &req,
        &PlanPage {
            layout: user.layout.clone(),
            ws: nav,
            row,
            emails,
            members,
            locations,
        },
        &user.layout,
    )
}

/// The plan form's fields (repeated `member` and `location`); an id that does not parse is
/// refused with the field's name.
fn plan_input(pairs: &[(String, String)]) -> Result<PlanInput, String> {
    let all = |k: &str| -> Vec<String> {
        pairs
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let num = |k: &str, what: &str| -> Result<u8, String> {
        field(pairs, k)
            .trim()
            .parse()
            .map_err(|_| format!("{what}: a whole number"))
    };
    Ok(PlanInput {
        name: field(pairs, "name"),
        emails: field(pairs, "emails")
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        members: all("member")
            .iter()
            .map(|s| {
                s.parse()
                    .map_err(|_| format!("members: `{s}` is not a member"))
            })
            .collect::<Result<_, _>>()?,
        every: field(pairs, "every"),
        day: num("day", "day")?,
        hour: num("hour", "hour")?,
        zone: field(pairs, "zone"),
        locations: all("location")
            .iter()
            .map(|s| {
                s.parse()
                    .map_err(|_| format!("locations: `{s}` is not a location"))
            })
            .collect::<Result<_, _>>()?,
        period: Some(field(pairs, "period")),
        enabled: field(pairs, "enabled") == "on",
    })
}

pub(super) async fn create(
    Visit { req, state, user }: Visit,
    ws: WsPath,
    body: web::Bytes,
) -> Answer {
    let pairs = form_pairs(&body);
    let wid = ws.into_inner();
    let visit = Visit::checked(req, state, user, &field(&pairs, "csrf"))?;
    let back = format!("/w/{wid}/reports");
    let input = match plan_input(&pairs) {
        Ok(i) => i,
        Err(m) => return Ok(redirect(&back, Err(&m))),
    };
    let actor = visit.actor();
    match run(&visit.state, &visit.user.layout, move |ctx| {
        report_plans::save(ctx, &actor, &wid, None, &input)
    })
    .await?
    {
        Ok(plan) => Ok(redirect(
            &format!("/w/{wid}/reports/{}", plan.id),
            Ok("Report scheduled. Send a test to yourself to see what recipients get."),
        )),
        Err(m) => Ok(redirect(&back, Err(&m))),
    }
}

pub(super) async fn save(
    Visit { req, state, user }: Visit,
    path: WsChildPath<ReportPlan>,
    body: web::Bytes,
) -> Answer {
    let pairs = form_pairs(&body);
    let (wid, id) = path.into_inner();
    let visit = Visit::checked(req, state, user, &field(&pairs, "csrf"))?;
    let back = format!("/w/{wid}/reports/{id}");
    let input = match plan_input(&pairs) {
        Ok(i) => i,
        Err(m) => return Ok(redirect(&back, Err(&m))),
    };
    visit
        .then(&back, "Report saved.", move |ctx, who| {
            report_plans::save(ctx, who, &wid, Some(&id), &input)
        })
        .await
}

pub(super) async fn test(
    path: WsChildPath<ReportPlan>,
    post: super::form_post::FormPost<super::CsrfForm>,
) -> Answer {
    let (wid, id) = path.into_inner();
    let visit = post.action;
    let back = format!("/w/{wid}/reports/{id}");
    let actor = visit.actor();
    Ok(
        match run(&visit.state, &visit.user.layout, move |ctx| {
            report_delivery::send_test(ctx, &actor, &wid, &id)
        })
        .await?
        {
            Ok(to) => redirect(&back, Ok(&format!("A test is on its way to {to}."))),
            Err(m) => redirect(&back, Err(&m)),
        },
    )
}

fn pdf(file: (String, Vec<u8>), inline: bool) -> HttpResponse {
    let (name, bytes) = file;
    let how = if inline { "inline" } else { "attachment" };
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(("Content-Disposition", format!("{how}; filename=\"{name}\"")))
        .body(bytes)
}

pub(super) async fn preview(
    Visit { state, user, .. }: Visit,
    path: WsChildPath<ReportPlan>,
) -> Answer {
    let (ws, id) = path.into_inner();
    let who = user.principal.clone();
    let file = show(&state, &user.layout, move |ctx| {
        report_delivery::preview(ctx, &who, &ws, &id)
    })
    .await?;
    Ok(pdf(file, true))
}

#[derive(serde::Deserialize)]
pub(super) struct MonthQuery {
    location: String,
    /// YYYY-MM
    month: String,
}

/// "Download PDF" on the monthly report page.
pub(super) async fn month_pdf(
    Visit { state, user, .. }: Visit,
    ws: WsPath,
    q: web::Query<MonthQuery>,
) -> Answer {
    let wid = ws.into_inner();
    let loc = super::id(&user.layout, &q.location)?;
    let bad = || {
        PageError::new(
            &user.layout,
            StatusCode::BAD_REQUEST,
            "month: pick a month such as 2026-11",
        )
    };
    let first = crate::http::api::reports::parse_date("month", &format!("{}-01", q.month))
        .map_err(|_| bad())?;
    let last = first
        .replace_day(first.month().length(first.year()))
        .map_err(|_| bad())?;
    let who = user.principal.clone();
    let file = show(&state, &user.layout, move |ctx| {
        report_delivery::pdf(ctx, &who, &wid, Some(loc), (Some(first), Some(last)))
    })
    .await?;
    Ok(pdf(file, false))
}

/// The branding form (multipart: it may carry a logo).
pub(super) async fn branding(
    Visit { req, state, user }: Visit,
    ws: WsPath,
    mut form: Multipart,
) -> Answer {
    let wid = ws.into_inner();
    let back = format!("/w/{wid}/reports");
    let bad = |m: String| PageError::new(&user.layout, StatusCode::BAD_REQUEST, m);
    let mut fields: Vec<(String, Vec<u8>)> = Vec::new();
    let mut total = 0usize;
    while let Some(part) = form.next().await {
        let mut part = part.map_err(|e| bad(format!("the upload broke off: {e}")))?;
        let name = part.name().unwrap_or_default().to_string();
        let mut value = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|e| bad(format!("the upload broke off: {e}")))?;
            total += chunk.len();
            if total > crate::domain::MAX_LOGO + 16 * 1024 {
                return Ok(redirect(&back, Err("logo: at most 200 KB")));
            }
            value.extend_from_slice(&chunk);
        }
        fields.push((name, value));
    }
    let text = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| String::from_utf8_lossy(v).trim().to_string())
            .unwrap_or_default()
    };
    user.check_form(&req, &state, &text("csrf"))?;
    let reply_to = match text("reply_to") {
        s if s.is_empty() => None,
        s => match Email::parse(&s) {
            Ok(e) => Some(e),
            Err(m) => return Ok(redirect(&back, Err(&format!("reply_to: {m}")))),
        },
    };
    let logo_file = fields
        .iter()
        .find(|(n, _)| n == "logo")
        .map(|(_, v)| v.clone())
        .filter(|v| !v.is_empty());
    let logo = if text("remove_logo") == "on" {
        Some(Vec::new())
    } else {
        logo_file
    };
    let b = Branding {
        agency_name: text("agency_name"),
        primary: text("primary"),
        accent: text("accent"),
        sender_name: text("sender_name"),
        reply_to,
        logo: None,
        powered_by: match text("powered_by").as_str() {
            "show" => Some(true),
            "hide" => Some(false),
            _ => None,
        },
    };
    let visit = Visit { req, state, user };
    visit
        .then(&back, "Branding saved.", move |ctx, who| {
            report_plans::set_branding(ctx, who, &wid, b, logo)
        })
        .await
}
