//! Telling people about new items: per-member email alerts (instant or a daily digest, with
//! filters) and per-workspace webhooks.

use super::{Id, Item, Location, Origin, User, Workspace};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum AlertMode {
    #[default]
    Off,
    /// One email per sync that brought matching items.
    Instant,
    /// One email a day listing the day's matching items.
    Daily,
}

/// One member's email alerts in one workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertPrefs {
    pub workspace: Id<Workspace>,
    pub user: Id<User>,
    pub mode: AlertMode,
    /// Only items rated at most this many stars (items without a rating always match).
    pub max_rating: Option<u8>,
    /// Only these sources; empty means all.
    pub sources: Vec<Origin>,
    /// Only these locations; empty means all.
    pub locations: Vec<Id<Location>>,
    #[serde(default, with = "crate::domain::when::rfc3339::option")]
    pub last_digest_at: Option<OffsetDateTime>,
}

impl AlertPrefs {
    pub fn off(workspace: Id<Workspace>, user: Id<User>) -> Self {
        Self {
            workspace,
            user,
            mode: AlertMode::Off,
            max_rating: None,
            sources: Vec::new(),
            locations: Vec::new(),
            last_digest_at: None,
        }
    }

    pub fn wants(&self, item: &Item) -> bool {
        self.mode != AlertMode::Off
            && (self.sources.is_empty() || self.sources.contains(&item.origin))
            && (self.locations.is_empty() || self.locations.contains(&item.location))
            && self
                .max_rating
                .is_none_or(|max| item.rating.is_none_or(|r| r.stars() <= max))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    /// `{"event", "workspace_id", "item": {...}}`
    Json,
    /// `{"text": "..."}`, what Slack (and Mattermost, Discord's /slack) accept.
    Slack,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Webhook {
    pub id: Id<Webhook>,
    pub workspace: Id<Workspace>,
    pub url: String,
    pub format: WebhookFormat,
    /// The HMAC-SHA256 key of the signature header (shown once, at creation).
    pub secret: String,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// One POST waiting to be made (or retried).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookDelivery {
    pub id: Id<WebhookDelivery>,
    pub workspace: Id<Workspace>,
    pub webhook: Id<Webhook>,
    /// The item the body quotes: the delivery is sealed with its key (`None`: written before).
    #[serde(default)]
    pub item: Option<Id<Item>>,
    pub event: String,
    pub body: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub due_at: OffsetDateTime,
}
