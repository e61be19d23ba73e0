//! Plaudit's integration tests: the real binary, real sled, a real SMTP server process.
#![allow(clippy::disallowed_methods)] // tests may read the wall clock to seed data
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

mod abuse;
mod accounts;
mod alerts;
mod authz;
mod backups;
mod browser;
mod browser_connect;
mod browser_inbox;
mod browser_pages;
mod caller;
mod campaign_pages;
mod campaign_safety;
mod campaigns;
mod campaigns_crash;
mod compact;
mod config;
mod conformance;
mod connectors;
mod connectors_crash;
mod contract;
mod crash;
mod disk;
mod edge;
mod exports;
mod feedback;
mod floor;
mod housekeeping;
mod import_pages;
mod imports;
mod inbox;
mod inproc;
mod lifecycle;
mod migration;
mod oauth;
mod outbox;
mod pages;
mod plans;
mod privacy;
mod privacy_disk;
mod providers;
mod reply_deletion;
mod reply_deletion_crash;
mod support;
mod webdriver;
