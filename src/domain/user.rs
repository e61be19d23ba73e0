//! A person who can sign in.

use super::{Email, Id};
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
}
