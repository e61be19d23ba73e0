//! Plaudit: a self-hosted review and feedback appliance, as a library the binary and the tests share.

pub mod admin_socket;
pub mod ai;
pub mod app;
pub mod cli;
pub mod clock;
pub mod cluster;
pub mod config;
pub mod demo;
pub mod domain;
pub mod edge;
pub mod export_zip;
pub mod fakes;
pub mod gateway;
pub mod http;
pub mod jobs;
pub mod logging;
pub mod mail;
pub mod malloc;
pub mod notify;
pub mod pdf;
pub mod poller;
pub mod replies;
pub mod reports;
pub mod services;
pub mod sources;
pub mod store;
pub mod workers;

pub use app::App;
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::Config;
