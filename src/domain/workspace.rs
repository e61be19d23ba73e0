//! Workspaces (one per client business), roles within them, and what each role may do.

use super::Id;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workspace {
    pub id: Id<Workspace>,
    pub name: String,
    pub plan: String,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A role in one workspace. Ordered: a higher role can do everything a lower one can.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Read-only: the agency's client.
    Viewer,
    /// Replies, campaigns, locations.
    Manager,
    /// Everything, including members, plan, API keys, audit log and deletion.
    Owner,
}

impl Role {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "viewer" => Ok(Self::Viewer),
            "manager" => Ok(Self::Manager),
            "owner" => Ok(Self::Owner),
            other => Err(format!(
                "`{other}` is not a role: use owner, manager or viewer"
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Manager => "manager",
            Self::Owner => "owner",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an action needs. Roles and API key scopes both map onto these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    Read,
    Write,
    Admin,
}

impl Role {
    pub fn allows(self, access: Access) -> bool {
        match access {
            Access::Read => true,
            Access::Write => self >= Role::Manager,
            Access::Admin => self == Role::Owner,
        }
    }
}

/// An API key scope.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Read,
    Write,
    Admin,
}

impl Scope {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "read" => Ok(Self::Read),
            "write" => Ok(Self::Write),
            "admin" => Ok(Self::Admin),
            other => Err(format!(
                "`{other}` is not a scope: use read, write or admin"
            )),
        }
    }

    pub fn grants(self, access: Access) -> bool {
        match self {
            Self::Read => access == Access::Read,
            Self::Write => access <= Access::Write,
            Self::Admin => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_and_scopes_grant_what_the_policy_says() {
        assert!(Role::Viewer.allows(Access::Read));
        assert!(!Role::Viewer.allows(Access::Write));
        assert!(Role::Manager.allows(Access::Write));
        assert!(!Role::Manager.allows(Access::Admin));
        assert!(Role::Owner.allows(Access::Admin));
        assert!(Scope::Read.grants(Access::Read) && !Scope::Read.grants(Access::Write));
        assert!(Scope::Write.grants(Access::Write) && !Scope::Write.grants(Access::Admin));
        assert!(Scope::Admin.grants(Access::Admin));
        assert!(Role::parse("admin").is_err());
    }
}
