//! The traffic page for instance admins: charts and tables drawn from per-minute rollups, and
//! the current bans with a way to lift them.

use super::{CsrfForm, PageUser, html, redirect};
use crate::edge::Edge;
use crate::edge::bans::Ban;
use crate::http::{AppState, Layout, PageError};
use crate::services::traffic::{self, require_admin};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/traffic", web::get().to(page))
        .route("/admin/bans/{client}/lift", web::post().to(lift));
}

/// A line chart as SVG coordinates (width 600 × height 120).
pub struct Chart {
    pub points: String,
    pub blocked_points: String,
    pub max: u64,
}

fn chart(series: &[u64], blocked: &[u64]) -> Chart {
    let max = series.iter().copied().max().unwrap_or(0).max(1);
    let step = if series.len() > 1 {
        600.0 / (series.len() - 1) as f64
    } else {
        600.0
    };
    let to_points = |values: &[u64]| {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                format!(
                    "{:.1},{:.1}",
                    i as f64 * step,
                    120.0 - (*v as f64 / max as f64) * 115.0
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    Chart {
        points: to_points(series),
        blocked_points: to_points(blocked),
        max,
    }
}

/// A horizontal bar: label, count, width in percent of the largest.
pub struct Bar {
    pub label: String,
    pub count: u64,
    pub width: u64,
}

fn bars(entries: Vec<(String, u64)>) -> Vec<Bar> {
    let max = entries.iter().map(|e| e.1).max().unwrap_or(1).max(1);
    entries
        .into_iter()
        .map(|(label, count)| Bar {
            label,
            count,
            width: count * 100 / max,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "pages/traffic.html")]
struct TrafficPage {
    layout: Layout,
    minutes: usize,
    requests: u64,
    chart: Chart,
    statuses: Vec<Bar>,
    paths: Vec<Bar>,
    clients: Vec<Bar>,
    acted: Vec<Bar>,
    bans: Vec<Ban>,
}

#[derive(Deserialize)]
struct Window {
    minutes: Option<usize>,
}

async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    edge: web::Data<Edge>,
    user: PageUser,
    q: web::Query<Window>,
) -> Result<HttpResponse, PageError> {
    require_admin(&user.principal)
        .map_err(|e| PageError::new(&user.layout, StatusCode::FORBIDDEN, e.to_string()))?;
    let minutes = q.minutes.unwrap_or(60);
    let (store, now) = (state.ctx.store.clone(), state.ctx.clock.now());
    let s = web::block(move || traffic::summary(&store, now, minutes))
        .await
        .map_err(|e| PageError::internal(&user.layout, e.into()))?
        .map_err(|e| PageError::from_service(&user.layout, e))?;
    let statuses = s
        .totals
        .statuses
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect();
    let page = TrafficPage {
        layout: user.layout.clone(),
        minutes: s.minutes,
        requests: s.totals.requests,
        chart: chart(&s.per_minute, &s.blocked_per_minute),
        statuses: bars(statuses),
        paths: bars(traffic::top(&s.totals.paths, 10)),
        clients: bars(traffic::top(&s.totals.clients, 10)),
        acted: bars(traffic::top(&s.totals.acted, 10)),
        bans: edge.bans.list(state.ctx.clock.now()),
    };
    html(&req, &page, &user.layout)
}

async fn lift(
    req: HttpRequest,
    state: web::Data<AppState>,
    edge: web::Data<Edge>,
    user: PageUser,
    client: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    user.check_form(&req, &state, &form.csrf)?;
    require_admin(&user.principal)
        .map_err(|e| PageError::new(&user.layout, StatusCode::FORBIDDEN, e.to_string()))?;
    let lifted = client
        .parse()
        .is_ok_and(|ip| edge.bans.lift(crate::edge::cidr::client_key(ip)));
    Ok(if lifted {
        redirect("/admin/traffic", Ok("Ban lifted."))
    } else {
        redirect("/admin/traffic", Err("No ban for that client."))
    })
}
