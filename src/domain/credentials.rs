//! Credentials and their records: sessions, API keys, single-use link tokens, invitations.

use super::{Email, Id, Role, Scope, User, Workspace};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A signed-in browser or API client; the JWT names it by `sid` so it can be revoked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub id: Id<Session>,
    pub user: Id<User>,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub expires_at: OffsetDateTime,
    pub revoked: bool,
    pub ip: String,
    /// The user's `session_epoch` when this session began.
    #[serde(default)]
    pub epoch: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: Id<ApiKey>,
    pub workspace: Id<Workspace>,
    pub name: String,
    pub scopes: Vec<Scope>,
    /// SHA-256 of the secret part (the secret has 256 bits of entropy: no slow hash needed).
    pub secret_hash: String,
    pub created_by: Id<User>,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "crate::domain::when::rfc3339::option", default)]
    pub last_used_at: Option<OffsetDateTime>,
}

/// What a single-use emailed link does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LinkPurpose {
    VerifyEmail {
        user: Id<User>,
        email: Email,
    },
    ResetPassword {
        user: Id<User>,
    },
    Invitation {
        workspace: Id<Workspace>,
        invitation: Id<Invitation>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkToken {
    pub purpose: LinkPurpose,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invitation {
    pub id: Id<Invitation>,
    pub workspace: Id<Workspace>,
    pub email: Email,
    pub role: Role,
    /// Who sent it; none when an API key did.
    #[serde(default)]
    pub invited_by: Option<Id<User>>,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The token's hash, so revoking the invitation can burn its link.
    pub token_hash: String,
}

/// A sign-in identity at an OAuth provider: provider + subject, never the email alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    pub provider: String,
    pub subject: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub picture_url: Option<String>,
}

/// One line of a workspace's append-only audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    #[serde(with = "crate::domain::when::rfc3339")]
    pub at: OffsetDateTime,
    /// `user:<id>`, `api_key:<id>` or `system`.
    pub actor: String,
    /// The actor's email or key name when it was written (kept if the actor is deleted later).
    pub actor_label: String,
    pub action: String,
    pub target: String,
    pub ip: String,
}

/// A sign-in in progress at a provider, keyed by the hash of its `state`; used once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OAuthState {
    pub provider: String,
    /// The PKCE verifier; only its challenge went to the provider.
    pub verifier: String,
    /// Set when a signed-in person links the provider to their account.
    pub link_user: Option<Id<User>>,
    pub next: String,
    /// Hash of the nonce in the cookie of the browser that started the flow: the callback
    /// counts only in that browser (a handed-over provider URL signs nobody in).
    #[serde(default)]
    pub browser: String,
    /// Set when the flow connects a provider account to a workspace (not a sign-in).
    #[serde(default)]
    pub connect: Option<(Id<super::Workspace>, Id<super::Connection>)>,
    /// Who started a connect flow (the API key's creator for a key): a flow started through
    /// the API, with no browser nonce, completes only in a browser signed in as this person.
    #[serde(default)]
    pub started_by: Option<Id<User>>,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub expires_at: OffsetDateTime,
}
