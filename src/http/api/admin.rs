//! /admin: instance-wide traffic and bans, for instance administrators.

use super::{Answer, Api, views};
use crate::edge::Edge;
use crate::http::ApiError;
use crate::http::session::Caller;
use crate::services::traffic::{self, require_admin};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize, schemars::JsonSchema)]
pub(super) struct MinutesQuery {
    /// How far back the summary looks (default 60).
    #[schemars(range(min = 1, max = 10080))]
    minutes: Option<usize>,
}

pub(super) async fn traffic_summary(api: Api, q: super::Query<MinutesQuery>) -> Answer {
    require_admin(&api.caller.principal)?;
    let minutes = q.minutes.unwrap_or(60);
    if !(1..=10_080).contains(&minutes) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            "minutes must be between 1 and 10080 (a week)",
        ));
    }
    let (store, now) = (api.state.ctx.store.clone(), api.state.ctx.clock.now());
    let s = web::block(move || traffic::summary(&store, now, minutes)).await??;
    Ok(HttpResponse::Ok().json(json!({
        "minutes": s.minutes,
        "first_minute": s.first_minute * 60,
        "requests_per_minute": s.per_minute,
        "blocked_per_minute": s.blocked_per_minute,
        "requests": s.totals.requests,
        "statuses": s.totals.statuses,
        "top_paths": traffic::top(&s.totals.paths, 10),
        "top_clients": traffic::top(&s.totals.clients, 10),
        "acted": traffic::top(&s.totals.acted, 20),
    })))
}

pub(super) async fn bans(edge: web::Data<Edge>, api: Api) -> Answer {
    require_admin(&api.caller.principal)?;
    let items: Vec<_> = edge
        .bans
        .list(api.state.ctx.clock.now())
        .iter()
        .map(|b| views::BanView {
            client: b.client.to_string(),
            until: b.until.into(),
            reason: b.reason.clone(),
        })
        .collect();
    Ok(super::list(crate::store::Page { items, next: None }, |v| v))
}

pub(super) async fn lift(
    edge: web::Data<Edge>,
    caller: Caller,
    client: web::Path<String>,
) -> Answer {
    require_admin(&caller.principal)?;
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, "not_found", "no ban for this client");
    let ip: std::net::IpAddr = client.parse().map_err(|_| not_found())?;
    if edge.bans.lift(crate::domain::cidr::client_key(ip)) {
        tracing::info!(client = %ip, "ban lifted");
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(not_found())
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct TestEmailBody {
    #[schemars(email, length(max = 254))]
    to: String,
}

pub(super) async fn test_email(api: Api, body: super::Body<TestEmailBody>) -> Answer {
    require_admin(&api.caller.principal)?;
    if api.state.ctx.config.smtp.host.is_none() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "no_relay",
            "smtp.host is not set: mail is written as files to <data_dir>/mail instead of being sent",
        ));
    }
    let to = body.into_inner().to;
    let report = crate::services::mailing::test_relay(
        &api.state.ctx.config.smtp,
        &api.state.ctx.instance_url,
        &to,
        "the API (POST /admin/test-email)",
        api.state.ctx.clock.now(),
    )
    .await
    .map_err(|m| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m))?;
    Ok(HttpResponse::Ok().json(report))
}
