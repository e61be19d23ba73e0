//! A queued email and where it is in its delivery.

use super::{CampaignMail, Id};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// An email as queued: everything needed to send it again, identically, after a crash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub id: Id<OutboxMessage>,
    /// RFC 5322 Message-ID, fixed at enqueue so a repeated send is recognisably the same mail.
    pub message_id: String,
    pub to: String,
    /// The sender's display name, when not the instance's (a workspace's campaigns).
    #[serde(default)]
    pub from_name: Option<String>,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    /// Extra headers (e.g. List-Unsubscribe), already validated by whoever queued the mail.
    pub headers: Vec<(String, String)>,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub created_at: OffsetDateTime,
    pub attempts: u32,
    /// When the message is next due (also its key in the due index while it is pending).
    #[serde(with = "crate::domain::when::rfc3339")]
    pub due_at: OffsetDateTime,
    pub state: DeliveryState,
    pub last_error: Option<String>,
    /// Set on campaign mail: the worker checks suppression and pause just before sending.
    #[serde(default)]
    pub campaign: Option<CampaignMail>,
    /// The customer a message to someone else is about (a low-score alert to managers): it
    /// is sealed with their key and goes when they are erased.
    #[serde(default)]
    pub about: Option<About>,
    /// Files sent with the message (a client report's PDF).
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// Where replies go, when not to the sender (a workspace's branding).
    #[serde(default)]
    pub reply_to: Option<String>,
}

/// A file sent with a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    /// The bytes, base64.
    pub data: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct About {
    pub workspace: Id<super::Workspace>,
    pub contact: Id<super::Contact>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DeliveryState {
    Queued,
    /// Claimed by a sender until `until`; a crash leaves it to be claimed again.
    Leased {
        #[serde(with = "crate::domain::when::rfc3339")]
        until: OffsetDateTime,
    },
    Sent {
        #[serde(with = "crate::domain::when::rfc3339")]
        at: OffsetDateTime,
    },
    Failed {
        #[serde(with = "crate::domain::when::rfc3339")]
        at: OffsetDateTime,
        reason: String,
    },
    /// Not sent on purpose: the address was suppressed or the contact restricted meanwhile.
    Cancelled {
        #[serde(with = "crate::domain::when::rfc3339")]
        at: OffsetDateTime,
        reason: String,
    },
}

impl DeliveryState {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Leased { .. } => "sending",
            Self::Sent { .. } => "sent",
            Self::Failed { .. } => "failed",
            Self::Cancelled { .. } => "cancelled",
        }
    }
}
