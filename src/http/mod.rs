//! The web surface: routes composed per area, shared state, errors, embedded assets.

pub mod api;
mod assets;
pub mod charts;
mod csrf;
mod errors;
pub mod hash_queue;
mod health;
mod layout;
mod metrics;
pub mod next;
mod pages;
pub mod paths;
pub mod qr;
pub mod server;
pub mod session;
mod setup;
pub mod tls;

pub use assets::AssetUrls;
pub use errors::{ApiError, PageError};
pub use layout::Layout;

use crate::services::Ctx;
use crate::services::limits::AuthLimits;
use crate::services::sessions::SessionKeys;
use actix_web::{middleware, web};
use session::SessionCookie;
use std::sync::Arc;

/// What every handler may use. Cheap to clone; one per worker thread.
#[derive(Clone)]
pub struct AppState {
    pub ctx: Ctx,
    pub sessions: SessionKeys,
    pub limits: AuthLimits,
    /// Password hashing (each takes 19 MiB and a core), bounded and fair per client.
    pub hashing: Arc<hash_queue::HashQueue>,
    pub cookie: SessionCookie,
    pub layout: Layout,
    /// Outbound HTTP (OAuth token exchanges), with timeouts.
    pub http: reqwest::Client,
    /// Connections' provider calls (exchange, remote locations, revoke) and the sync queue.
    pub gateway: std::sync::Arc<crate::gateway::Gateway>,
    /// The API's request schemas, compiled once each (`api::conform`).
    pub contracts: api::Contracts,
    /// Review CSV uploads and their reports, between the upload and "import the valid rows".
    pub review_uploads: Arc<pages::upload_stash::UploadStash<crate::services::review_csv::Report>>,
    /// The same for contacts CSV uploads.
    pub contact_uploads:
        Arc<pages::upload_stash::UploadStash<crate::services::contacts_csv::CsvReport>>,
    /// The model that drafts replies (`[ai]`), when one is configured.
    pub model: Option<Arc<crate::ai::ModelClient>>,
}

/// All routes; middleware order is set once, in `app`.
pub fn configure(
    cfg: &mut web::ServiceConfig,
    max_body_bytes: usize,
    max_raw_bytes: usize,
    cors_origins: &[String],
) {
    let mut cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers(["authorization", "content-type", "x-csrf-token"])
        .max_age(600);
    for origin in cors_origins {
        cors = cors.allowed_origin(origin);
    }
    cfg.app_data(web::PayloadConfig::new(max_raw_bytes))
        .app_data(
            web::FormConfig::default()
                .limit(max_body_bytes)
                .error_handler(errors::form_error),
        )
        .app_data(
            web::JsonConfig::default()
                .limit(max_body_bytes)
                .error_handler(errors::json_error),
        )
        .app_data(web::QueryConfig::default().error_handler(errors::query_error))
        .app_data(web::PathConfig::default().error_handler(errors::path_error))
        .service(
            web::scope("/api/v1")
                .wrap(cors)
                .wrap(middleware::DefaultHeaders::new().add(("Cache-Control", "no-store")))
                .configure(api::configure)
                .default_service(web::to(errors::not_found)),
        )
        .configure(health::configure)
        .configure(metrics::configure)
        .configure(assets::configure)
        .configure(pages::configure)
        .configure(setup::configure)
        .default_service(web::to(errors::not_found));
}
