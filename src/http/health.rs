//! Liveness and readiness probes for orchestrators and load balancers.

use super::AppState;
use actix_web::{HttpResponse, web};
use serde_json::json;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
}

/// Answers without touching the store: the process is up.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// 200 only when the store answers a read within a second; 503 otherwise, at once.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let store = state.ctx.store.clone();
    let probe = tokio::task::spawn_blocking(move || store.ping());
    match tokio::time::timeout(std::time::Duration::from_secs(1), probe).await {
        Ok(Ok(true)) => HttpResponse::Ok().json(json!({"status": "ready"})),
        _ => HttpResponse::ServiceUnavailable().json(json!({"status": "unavailable"})),
    }
}
