//! Plaudit: a self-hosted review and feedback appliance, as a library the binary and the tests share.

pub mod app;
pub mod archive;
pub mod cli;
pub mod clock;
pub mod config;
pub mod control;
pub mod demo;
pub mod domain;
pub mod edge;
pub mod fakes;
pub mod http;
pub mod jobs;
pub mod logging;
pub mod mail;
pub mod ops;
pub mod poller;
pub mod services;
pub mod sources;
pub mod store;

pub use app::App;
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::Config;
