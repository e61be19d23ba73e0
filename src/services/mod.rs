//! The rules: plain Rust over the store, knowing nothing of HTTP.

pub mod accounts;
pub mod alerts;
pub mod annotations;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod auto_replies;
pub mod bounces;
pub mod campaign_check;
pub mod campaign_run;
pub mod campaigns;
pub mod connections;
pub mod contacts;
pub mod contacts_csv;
mod context;
mod csv_table;
pub mod drafts;
mod error;
pub mod exports;
pub mod facets;
pub mod feedback;
pub mod feedback_settings;
pub mod invitations;
pub mod items;
pub mod limits;
pub mod link_feedback;
pub mod link_secrets;
pub mod location_links;
pub mod locations;
pub mod mail_state;
pub mod mailing;
pub mod overview;
pub mod passwords;
pub mod portability;
pub mod privacy;
pub mod provider_sign_in;
pub mod report_delivery;
pub mod report_plans;
pub mod review_csv;
mod scope;
pub mod sessions;
pub mod setup;
pub mod showcase_entries;
pub mod showcase_public;
mod showcase_settings;
pub mod showcases;
pub mod stats;
pub mod traffic;
pub mod workspaces;

pub use context::Ctx;
pub use error::{Error, Result};
pub use scope::InWorkspace;

/// A service that removes one thing of a workspace by its id, as an actor (the shape the API's
/// `DELETE` routes and the pages' delete buttons are made from).
pub type RemoveOf<C> = fn(
    &Ctx,
    &auth::Actor,
    &crate::domain::Id<crate::domain::Workspace>,
    &crate::domain::Id<C>,
) -> Result<()>;
