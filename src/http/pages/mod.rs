//! Browser pages: every page area, their addresses (`routes`); who is on a page (`user`), how pages answer
//! (`respond`) and the one extractor for form posts (`form_post`).

mod account;
mod alerts;
mod audit_words;
mod auth;
mod auto_rules;
mod campaign_form;
mod campaign_links;
mod campaign_list;
mod campaign_send;
mod campaigns;
mod client_reports;
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
mod inbox_drafts;
mod inbox_filters;
mod inbox_forms;
mod keys;
mod link_feedback;
mod locations;
mod mail_settings;
mod members;
mod oauth;
mod privacy;
mod privacy_notice;
mod privacy_reviewers;
mod relay_banner;
mod report;
mod report_unsubscribe;
mod respond;
mod routes;
mod showcase;
mod showcase_json;
mod showcase_public;
mod templates;
pub mod traffic;
pub mod upload_stash;
mod user;
mod words;
mod workspaces;

pub use respond::{
    Answer, PAGE_ROWS, PageCursor, html, id, redirect, refused, run, run_hashing, show,
};
pub use routes::configure;
pub use user::{CsrfForm, FLASH, MaybeUser, PageUser, Visit, layout_for};
