//! The rules: plain Rust over the store, knowing nothing of HTTP.

pub mod accounts;
pub mod alerts;
pub mod annotations;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod campaign_run;
pub mod campaigns;
pub mod connections;
pub mod contacts;
mod context;
mod error;
pub mod exports;
pub mod facets;
pub mod feedback;
pub mod import;
pub mod invitations;
pub mod items;
pub mod limits;
pub mod links;
pub mod locations;
pub mod mailing;
pub mod passwords;
pub mod portability;
pub mod privacy;
mod scope;
pub mod sessions;
pub mod setup;
pub mod social;
pub mod stats;
pub mod traffic;
pub mod workspaces;

pub use context::Ctx;
pub use error::{Error, Result};
pub use scope::InWorkspace;
