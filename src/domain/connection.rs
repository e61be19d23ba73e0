//! A connection: one Google or Facebook account linked to a workspace by OAuth, and the
//! remote locations or pages it feeds into the workspace's locations.

use super::{Id, Location, User, Workspace};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionStatus {
    /// Created; the browser is at the provider's consent screen.
    Pending,
    Active,
    /// The provider refused the refresh token (revoked, expired): polling stops until the
    /// user connects again.
    NeedsReconnect,
    /// The provider refused access for another reason (permission, quota 0).
    Broken,
}

impl ConnectionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::NeedsReconnect => "needs_reconnect",
            Self::Broken => "broken",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Connection {
    pub id: Id<Connection>,
    pub workspace: Id<Workspace>,
    pub provider: super::Provider,
    pub status: ConnectionStatus,
    /// The provider account's display name (e.g. the Google account's email).
    pub account: Option<String>,
    /// Refresh / access / page tokens, sealed (see `sources::seal`). Never plain text.
    pub sealed: Option<Vec<u8>>,
    pub created_by: Option<Id<User>>,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub created_at: OffsetDateTime,
    pub feeds: Vec<Feed>,
    pub sync: SyncState,
}

/// A remote location (Google) or page (Facebook) that feeds one Plaudit location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feed {
    pub external_id: String,
    pub name: String,
    pub location: Id<Location>,
    /// Newest provider time fully ingested, per stream (`reviews`, `ratings`, `feed`, ...).
    /// Only moves when a whole pass completes, so a crash mid-pass re-reads, never skips.
    #[serde(default)]
    pub high_water: BTreeMap<String, OffsetDateTime>,
    #[serde(default, with = "crate::domain::when::rfc3339::option")]
    pub last_full_at: Option<OffsetDateTime>,
    /// Facebook answered error 12 for ratings: they are off for this page.
    #[serde(default)]
    pub ratings_off: bool,
    /// The last problem with this feed alone (a 404 location), in plain words.
    #[serde(default)]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncState {
    #[serde(default, with = "crate::domain::when::rfc3339::option")]
    pub last_success_at: Option<OffsetDateTime>,
    #[serde(default, with = "crate::domain::when::rfc3339::option")]
    pub last_attempt_at: Option<OffsetDateTime>,
    pub last_error: Option<String>,
    #[serde(default, with = "crate::domain::when::rfc3339::option")]
    pub next_run_at: Option<OffsetDateTime>,
    pub items_fetched: u64,
    /// Failed runs in a row (for backoff).
    pub failures: u32,
    /// Someone asked for a sync now.
    pub requested: bool,
    /// Syncs completed so far (successful or not).
    #[serde(default)]
    pub runs: u64,
    /// Requests for a sync so far (each "sync now", each new mapping).
    #[serde(default)]
    pub tickets: u64,
    /// The highest ticket a completed sync started after: when it reaches a request's
    /// ticket, that request has been served.
    #[serde(default)]
    pub served: u64,
}

impl SyncState {
    /// Asks for a sync as soon as possible; returns the request's ticket.
    pub fn request(&mut self) -> u64 {
        self.requested = true;
        self.tickets += 1;
        self.tickets
    }
}

impl Connection {
    pub fn feed_for(&self, external_id: &str) -> Option<&Feed> {
        self.feeds.iter().find(|f| f.external_id == external_id)
    }

    pub fn due(&self, now: OffsetDateTime) -> bool {
        self.status == ConnectionStatus::Active
            && (self.sync.requested || self.sync.next_run_at.is_none_or(|t| t <= now))
    }
}
