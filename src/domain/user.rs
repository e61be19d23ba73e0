//! A person who can sign in.

use super::{Email, Id, Identity};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: Id,
    pub email: Email,
    pub name: String,
    /// PHC string (argon2id).
    pub password_hash: String,
    pub instance_admin: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Fields below arrived after schema 2 was first written; `default` reads older records.
    #[serde(default)]
    pub email_verified: bool,
    #[serde(default)]
    pub disabled: bool,
    /// Sessions issued before this instant are refused (password change, sign out everywhere).
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub sessions_valid_after: Option<OffsetDateTime>,
    #[serde(default)]
    pub identities: Vec<Identity>,
}
