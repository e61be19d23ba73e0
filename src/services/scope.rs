//! The one way into a workspace: `ctx.enter(principal, ws, access)?` (`enter_as(actor, …)` for a
//! change) checks the grant once and yields a scope that knows who acts, from where, in which
//! workspace with which role, under which plan, and writes audit entries in their name.

use super::auth::{Actor, Principal, authorize};
use super::{Ctx, Result};
use crate::domain::{Access, AuditEntry, Id, Role, Workspace};

/// A caller inside one workspace, with the access it was granted.
pub struct InWorkspace<'a> {
    pub ctx: &'a Ctx,
    pub principal: &'a Principal,
    /// The client address, for audit entries (`enter_as` sets it).
    pub ip: &'a str,
    pub workspace: Workspace,
    pub role: Role,
}

impl Ctx {
    /// Checks that `principal` may act in `ws` with `access`: a workspace it has nothing to do
    /// with is `NotFound`, a missing role or scope `Forbidden`, a plan without the API
    /// `PlanLimit` (see `auth::authorize`).
    pub fn enter<'a>(
        &'a self,
        principal: &'a Principal,
        ws: &Id<Workspace>,
        access: Access,
    ) -> Result<InWorkspace<'a>> {
        let granted = authorize(&self.store, &self.config.plans, principal, ws, access)?;
        Ok(InWorkspace {
            ctx: self,
            principal,
            ip: "",
            workspace: granted.workspace,
            role: granted.role,
        })
    }
}

impl Ctx {
    /// `enter` for an actor: the scope's audit entries name where it acts from.
    pub fn enter_as<'a>(
        &'a self,
        actor: &'a Actor,
        ws: &Id<Workspace>,
        access: Access,
    ) -> Result<InWorkspace<'a>> {
        Ok(InWorkspace {
            ip: &actor.ip,
            ..self.enter(actor, ws, access)?
        })
    }
}

impl<'a> InWorkspace<'a> {
    /// The audit entry for an action taken here, to store with the action itself.
    pub fn audit(&self, action: &str, target: &str) -> AuditEntry {
        super::audit::entry_at(self.ctx, self.principal, self.ip, action, target)
    }
}
