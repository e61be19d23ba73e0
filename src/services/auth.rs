//! Who is calling (a signed-in user or a workspace API key) and what they may do where.

use super::{Error, Result};
use crate::config::PlanConfig;
use crate::domain::{Access, ApiKey, Id, Role, Session, User, Workspace};
use crate::store::Store;
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub enum Principal {
    User {
        user: User,
        session: Id<Session>,
    },
    ApiKey {
        key: ApiKey,
    },
    /// Whoever runs `plaudit` commands on this machine (the CLI, directly or through the admin
    /// socket): they hold the data folder, so they act as an owner in every workspace.
    Operator,
}

impl Principal {
    /// `user:<id>` or `api_key:<id>`, for the audit log.
    pub fn actor(&self) -> String {
        match self {
            Self::User { user, .. } => Self::user_actor(&user.id),
            Self::ApiKey { key } => format!("api_key:{}", key.id),
            Self::Operator => "operator".into(),
        }
    }

    /// How a user is named as actor (in the audit and request logs).
    pub fn user_actor(id: &crate::domain::Id<crate::domain::User>) -> String {
        format!("user:{id}")
    }

    pub fn label(&self) -> String {
        match self {
            Self::User { user, .. } => user.email.to_string(),
            Self::ApiKey { key } => format!("API key “{}”", key.name),
            Self::Operator => "the operator (plaudit CLI)".into(),
        }
    }

    pub fn user(&self) -> Result<&User> {
        match self {
            Self::User { user, .. } => Ok(user),
            Self::ApiKey { .. } => Err(Error::Forbidden(
                "this needs a signed-in person; API keys act only inside their workspace".into(),
            )),
            Self::Operator => Err(Error::Forbidden(
                "this needs a signed-in person, not the operator's CLI".into(),
            )),
        }
    }

    pub fn is_instance_admin(&self) -> bool {
        matches!(self, Self::Operator)
            || matches!(self, Self::User { user, .. } if user.instance_admin)
    }
}

/// Who acts and from where: what every changing service takes, so the two travel together
/// into the audit log. Reads take only the `Principal` (an `&Actor` is one, by `Deref`).
#[derive(Debug, Clone)]
pub struct Actor {
    pub principal: Principal,
    /// The client's address as the edge saw it.
    pub ip: String,
}

impl Actor {
    /// The operator at this machine's console (no network address).
    pub fn operator() -> Self {
        Self::new(Principal::Operator, "")
    }

    pub fn new(principal: Principal, ip: impl Into<String>) -> Self {
        Self {
            principal,
            ip: ip.into(),
        }
    }
}

impl std::ops::Deref for Actor {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.principal
    }
}

/// A workspace the caller may act in, with the role it acts as.
#[derive(Debug, Clone)]
pub struct Granted {
    pub workspace: Workspace,
    pub role: Role,
}

/// The policy, in one place. A workspace the caller has nothing to do with is `NotFound` (its
/// existence is not revealed); a known caller lacking the role or scope gets `Forbidden`.
/// Instance admins act as owners everywhere. API keys act only in their own workspace, within
/// their scopes, and only while the plan allows API access.
pub fn authorize(
    store: &Store,
    plans: &BTreeMap<String, PlanConfig>,
    principal: &Principal,
    ws: &Id<Workspace>,
    access: Access,
) -> Result<Granted> {
    let workspace = store.workspaces().get(ws)?.ok_or(Error::NotFound)?;
    let role = match principal {
        Principal::User { user, .. } => {
            match (store.workspaces().role(ws, &user.id)?, user.instance_admin) {
                (_, true) => Role::Owner,
                (Some(role), false) => role,
                (None, false) => return Err(Error::NotFound),
            }
        }
        Principal::Operator => Role::Owner,
        Principal::ApiKey { key } => {
            if key.workspace != *ws {
                return Err(Error::NotFound);
            }
            if !plans.get(&workspace.plan).is_some_and(|p| p.api) {
                return Err(Error::PlanLimit(format!(
                    "API access is not part of the `{}` plan",
                    workspace.plan
                )));
            }
            if !key.scopes.iter().any(|s| s.grants(access)) {
                return Err(Error::Forbidden(format!(
                    "this API key lacks the scope for this action ({})",
                    access_name(access)
                )));
            }
            // Never more than its creator may do today: a demoted manager's admin key acts as
            // a manager; a removed one's key does nothing (refused at authentication too).
            creator_role(store, key)?.ok_or_else(|| {
                Error::Unauthorized(
                    "this API key's creator no longer has access to its workspace".into(),
                )
            })?
        }
    };
    if !role.allows(access) {
        return Err(Error::Forbidden(format!(
            "your role here ({role}) does not allow this; it needs {}",
            match access {
                Access::Read => "viewer",
                Access::Write => "manager",
                Access::Admin => "owner",
            }
        )));
    }
    Ok(Granted { workspace, role })
}

/// The role a key's creator holds in the key's workspace now (see `api_keys::creator_role`).
pub(super) fn creator_role(store: &Store, key: &ApiKey) -> Result<Option<Role>> {
    let Some(creator) = store.users().get(&key.created_by)? else {
        return Ok(None);
    };
    if creator.disabled {
        return Ok(None);
    }
    if creator.instance_admin {
        return Ok(Some(Role::Owner));
    }
    Ok(store.workspaces().role(&key.workspace, &creator.id)?)
}

fn access_name(access: Access) -> &'static str {
    match access {
        Access::Read => "read",
        Access::Write => "write",
        Access::Admin => "admin",
    }
}
