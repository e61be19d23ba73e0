//! The traffic page for instance admins: charts and tables drawn from per-minute rollups, and
//! the current bans with a way to lift them.

use super::form_post::FormPost;
use super::{Answer, CsrfForm, PageUser, Visit, html, redirect};
use crate::edge::Edge;
use crate::edge::bans::Ban;
use crate::http::charts::{Chart, Kind, Series};
use crate::http::{AppState, Layout, PageError};
use crate::services::traffic::{self, require_admin};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use serde::Deserialize;

/// Requests and refusals per minute as a chart with axes, labels and a legend.
fn chart(per_minute: &[u64], blocked: &[u64], first_minute: i64) -> String {
    let labels = (0..per_minute.len())
        .map(|i| {
            let t = time::OffsetDateTime::from_unix_timestamp((first_minute + i as i64) * 60)
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
            format!("{:02}:{:02}", t.hour(), t.minute())
        })
        .collect();
    let peak = per_minute.iter().copied().max().unwrap_or(0);
    let refused: u64 = blocked.iter().sum();
    Chart {
        id: "traffic",
        title: "Requests per minute (UTC)",
        summary: format!(
            "Requests per minute over {} minutes: peak {peak}; {refused} refused (blocked or throttled).",
            per_minute.len()
        ),
        x_labels: labels,
        series: vec![
            Series {
                name: "requests".into(),
                class: "s-requests",
                values: per_minute.iter().map(|v| Some(*v as f64)).collect(),
            },
            Series {
                name: "blocked or throttled".into(),
                class: "s-blocked",
                values: blocked.iter().map(|v| Some(*v as f64)).collect(),
            },
        ],
        kind: Kind::Lines,
        y_range: None,
        y_unit: "per minute",
    }
    .svg()
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
    chart: String,
    statuses: Vec<Bar>,
    paths: Vec<Bar>,
    clients: Vec<Bar>,
    acted: Vec<Bar>,
    bans: Vec<Ban>,
}

#[derive(Deserialize)]
pub(super) struct Window {
    minutes: Option<usize>,
}

pub(super) async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    edge: web::Data<Edge>,
    user: PageUser,
    q: web::Query<Window>,
) -> Answer {
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
        chart: chart(&s.per_minute, &s.blocked_per_minute, s.first_minute),
        statuses: bars(statuses),
        paths: bars(traffic::top(&s.totals.paths, 10)),
        clients: bars(traffic::top(&s.totals.clients, 10)),
        acted: bars(traffic::top(&s.totals.acted, 10)),
        bans: edge.bans.list(state.ctx.clock.now()),
    };
    html(&req, &page, &user.layout)
}

pub(super) async fn lift(
    edge: web::Data<Edge>,
    client: web::Path<String>,
    post: FormPost<CsrfForm>,
) -> Answer {
    let FormPost {
        action: Visit { user, .. },
        ..
    } = post;
    require_admin(&user.principal)
        .map_err(|e| PageError::new(&user.layout, StatusCode::FORBIDDEN, e.to_string()))?;
    let lifted = client
        .parse()
        .is_ok_and(|ip| edge.bans.lift(crate::domain::cidr::client_key(ip)));
    Ok(if lifted {
        redirect("/admin/traffic", Ok("Ban lifted."))
    } else {
        redirect("/admin/traffic", Err("No ban for that client."))
    })
}
