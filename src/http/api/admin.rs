//! /admin: instance-wide traffic and bans, for instance administrators.

use super::{Api, Registrar, views};
use crate::edge::Edge;
use crate::http::ApiError;
use crate::http::session::Caller;
use crate::services::traffic::{self, require_admin};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

pub fn routes(r: &mut Registrar) {
    r.add(Method::GET, "/admin/traffic", traffic_summary)
        .doc(
            "admin",
            "Requests per minute, statuses, top paths and clients, blocks (instance admin)",
        )
        .query::<MinutesQuery>();
    r.add(Method::GET, "/admin/bans", bans)
        .doc("admin", "Clients banned right now (instance admin)")
        .returns::<views::List<views::BanView>>();
    r.add(Method::POST, "/admin/test-email", test_email)
        .doc(
            "admin",
            "Send a test email straight through the relay; reports each stage (dns, connect, tls, authentication, sender, recipient, data) and the likely fix of a failed one (instance admin)",
        )
        .body::<TestEmailBody>()
        .returns::<crate::mail::probe::Report>();
    r.add(Method::DELETE, "/admin/bans/{client}", lift)
        .doc("admin", "Lift a ban (instance admin)")
        .status(204);
}

#[derive(Deserialize, schemars::JsonSchema)]
struct MinutesQuery {
    /// How far back the summary looks (default 60).
    #[schemars(range(min = 1, max = 10080))]
    minutes: Option<usize>,
}

async fn traffic_summary(
    api: Api,
    q: super::Query<MinutesQuery>,
) -> Result<HttpResponse, ApiError> {
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

async fn bans(edge: web::Data<Edge>, api: Api) -> Result<HttpResponse, ApiError> {
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

async fn lift(
    edge: web::Data<Edge>,
    caller: Caller,
    client: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
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
struct TestEmailBody {
    #[schemars(email, length(max = 254))]
    to: String,
}

async fn test_email(api: Api, body: super::Body<TestEmailBody>) -> Result<HttpResponse, ApiError> {
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
