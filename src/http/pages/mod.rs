//! Browser pages: the routes of every page area; who is on a page (`user`), how pages answer
//! (`respond`) and the one extractor for form posts (`form_post`).

mod account;
mod alerts;
mod auth;
mod campaign_links;
mod campaigns;
mod connect_flow;
mod connections;
mod contacts;
mod dashboard;
mod email_links;
mod feedback;
pub mod form_post;
mod home;
pub mod import;
mod inbox;
mod inbox_forms;
mod keys;
mod locations;
mod mail_settings;
mod members;
mod oauth;
mod privacy;
mod privacy_notice;
mod report;
mod respond;
mod templates;
pub mod traffic;
mod user;
mod workspaces;

pub use respond::{PAGE_ROWS, PageCursor, html, id, redirect, run, run_hashing, show};
pub use user::{CsrfForm, FLASH, MaybeUser, PageUser};

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    home::configure(cfg);
    auth::configure(cfg);
    account::configure(cfg);
    workspaces::configure(cfg);
    members::configure(cfg);
    keys::configure(cfg);
    email_links::configure(cfg);
    locations::configure(cfg);
    connections::configure(cfg);
    connect_flow::configure(cfg);
    alerts::configure(cfg);
    inbox::configure(cfg);
    dashboard::configure(cfg);
    import::configure(cfg);
    oauth::configure(cfg);
    traffic::configure(cfg);
    templates::configure(cfg);
    campaign_links::configure(cfg);
    contacts::configure(cfg);
    campaigns::configure(cfg);
    feedback::configure(cfg);
    mail_settings::configure(cfg);
    privacy::configure(cfg);
    privacy_notice::configure(cfg);
}
