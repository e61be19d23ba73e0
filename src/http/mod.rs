//! The web surface: routes composed per area, shared state, errors, embedded assets.

mod assets;
mod csrf;
mod errors;
mod health;
mod layout;
mod pages;
mod setup;

pub use assets::AssetUrls;
pub use errors::{ApiError, PageError};
pub use layout::Layout;

use crate::clock::SharedClock;
use crate::store::Store;
use actix_web::web;
use lettre::message::Mailbox;

/// What every handler may use. Cheap to clone; one per worker thread.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: SharedClock,
    pub layout: Layout,
    /// Base URL for every link we hand out (`server.public_url`, else the listen address).
    pub instance_url: String,
    pub mail_from: Mailbox,
}

/// All routes; middleware order is set once, in `app`.
pub fn configure(cfg: &mut web::ServiceConfig, max_body_bytes: usize) {
    cfg.app_data(web::PayloadConfig::new(max_body_bytes))
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
        .configure(health::configure)
        .configure(assets::configure)
        .configure(pages::configure)
        .configure(setup::configure)
        .default_service(web::to(errors::not_found));
}
