//! How the mail relay answered lately: what the Mail page, the Campaigns list and each campaign
//! show while the outbox cannot deliver.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayHealth {
    #[serde(with = "crate::domain::when::rfc3339::option", default)]
    pub last_attempt_at: Option<OffsetDateTime>,
    #[serde(with = "crate::domain::when::rfc3339::option", default)]
    pub last_delivered_at: Option<OffsetDateTime>,
    /// Set while the latest attempts fail: since when.
    #[serde(with = "crate::domain::when::rfc3339::option", default)]
    pub failing_since: Option<OffsetDateTime>,
    /// The relay's last answer while failing.
    pub last_error: Option<String>,
    /// When the failed message is tried again (none: the outbox gave up on it).
    #[serde(with = "crate::domain::when::rfc3339::option", default)]
    pub next_retry_at: Option<OffsetDateTime>,
    /// The stage the relay check found failing (dns, connect, tls, authentication, sender; or
    /// "message" when the relay takes the connection and sender but not the message).
    pub stage: Option<String>,
    /// What usually fixes that stage.
    pub hint: Option<String>,
    #[serde(with = "crate::domain::when::rfc3339::option", default)]
    pub checked_at: Option<OffsetDateTime>,
}

impl RelayHealth {
    pub fn is_failing(&self) -> bool {
        self.failing_since.is_some()
    }

    pub fn delivered(&mut self, now: OffsetDateTime) {
        *self = Self {
            last_attempt_at: Some(now),
            last_delivered_at: Some(now),
            ..Self::default()
        };
    }

    pub fn failed(&mut self, now: OffsetDateTime, error: &str, retry: Option<OffsetDateTime>) {
        self.last_attempt_at = Some(now);
        self.failing_since.get_or_insert(now);
        self.last_error = Some(crate::domain::without_addresses(error));
        self.next_retry_at = retry;
    }

    /// A relay check is due: none since the failures began, or the last is 10 minutes old.
    pub fn wants_check(&self, now: OffsetDateTime) -> bool {
        match (self.failing_since, self.checked_at) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(since), Some(at)) => at < since || now - at >= time::Duration::minutes(10),
        }
    }
}
