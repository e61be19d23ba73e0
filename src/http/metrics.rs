//! GET /metrics in Prometheus text format: from loopback, or with the bearer token from config.

use super::AppState;
use crate::edge::{ClientAddr, Edge};
use crate::services::link_secrets::constant_time_eq;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(metrics));
}

async fn metrics(
    req: HttpRequest,
    state: web::Data<AppState>,
    edge: web::Data<Edge>,
) -> HttpResponse {
    // The client as the edge settled it: behind a trusted proxy, the real client, not the proxy.
    let client = req.extensions().get::<ClientAddr>().map(|c| c.0);
    let loopback = client.is_some_and(|ip| ip.is_loopback());
    let presented = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let token_ok = match (&state.ctx.config.security.metrics_token, presented) {
        (Some(expected), Some(given)) => {
            constant_time_eq(expected.expose().as_bytes(), given.as_bytes())
        }
        _ => false,
    };
    if !loopback && !token_ok {
        return HttpResponse::Unauthorized()
            .insert_header(("WWW-Authenticate", "Bearer"))
            .json(serde_json::json!({"error": {"code": "unauthorized", "message": "metrics need loopback or the metrics token"}}));
    }
    let m = &edge.metrics;
    let store = &state.ctx.store;
    m.outbox_depth
        .set(i64::try_from(store.outbox().pending()).unwrap_or(i64::MAX));
    m.store_bytes
        .set(i64::try_from(store.size_on_disk()).unwrap_or(i64::MAX));
    m.store_round_trips
        .set(i64::try_from(store.round_trips()).unwrap_or(i64::MAX));
    m.limiter_keys
        .set(i64::try_from(edge.limits.keys()).unwrap_or(i64::MAX));
    m.bans_active
        .set(i64::try_from(edge.bans.list(state.ctx.clock.now()).len()).unwrap_or(i64::MAX));
    m.log_dropped.set(
        i64::try_from(edge.log.dropped.load(std::sync::atomic::Ordering::Relaxed))
            .unwrap_or(i64::MAX),
    );
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(m.render())
}
