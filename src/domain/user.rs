//! A person who can sign in.

use super::{Email, Id, Identity};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: Id<User>,
    pub email: Email,
    pub name: String,
    /// PHC string (argon2id).
    pub password_hash: String,
    pub instance_admin: bool,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Fields below arrived after schema 2 was first written; `default` reads older records.
    #[serde(default)]
    pub email_verified: bool,
    #[serde(default)]
    pub disabled: bool,
    /// Bumped on a password change: sessions carrying an older epoch are refused. A counter,
    /// not a time, so a session made in the same instant as the change is still told apart.
    #[serde(default)]
    pub session_epoch: u32,
    #[serde(default)]
    pub identities: Vec<Identity>,
}
