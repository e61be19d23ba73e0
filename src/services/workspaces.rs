//! Workspaces, members and roles, with the plan's limits enforced here.

use super::auth::{Actor, Principal};
use super::{Ctx, Error, Result};
use crate::config::PlanConfig;
use crate::domain::{Access, Id, Invitation, Role, User, Workspace};
use crate::store::{Page, PageRequest};

fn clean_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 120 || name.chars().any(char::is_control) {
        return Err(Error::Invalid(
            "the workspace name needs 1 to 120 characters".into(),
        ));
    }
    Ok(name.to_string())
}

pub fn plan<'a>(ctx: &'a Ctx, ws: &Workspace) -> Result<&'a PlanConfig> {
    ctx.config.plans.get(&ws.plan).ok_or_else(|| {
        Error::Internal(anyhow::anyhow!(
            "workspace {} has unknown plan {}",
            ws.id,
            ws.plan
        ))
    })
}

/// Any signed-in person may create a workspace; they become its owner.
pub fn create(ctx: &Ctx, principal: &Principal, name: &str) -> Result<Workspace> {
    let user = principal.user()?;
    let now = ctx.clock.now();
    let ws = Workspace {
        id: Id::generate(now),
        name: clean_name(name)?,
        plan: ctx.config.accounts.default_plan.clone(),
        created_at: now,
    };
    ctx.store.workspaces().create(&ws, &user.id)?;
    Ok(ws)
}

/// A workspace as the caller may see it with `access`, and the caller's role there.
pub fn get(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id<Workspace>,
    access: Access,
) -> Result<(Workspace, Role)> {
    let here = ctx.enter(principal, ws, access)?;
    Ok((here.workspace, here.role))
}

/// One page of the audit log, newest first (owners only).
pub fn audit_page(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id<Workspace>,
    before: Option<&[u8]>,
    limit: usize,
) -> Result<(Vec<crate::domain::AuditEntry>, Option<Vec<u8>>)> {
    ctx.enter(principal, ws, Access::Admin)?;
    Ok(ctx.store.audit().page(ws, before, limit)?)
}

/// One page of the workspaces the caller can see, with its role in each, by workspace id.
pub fn list(
    ctx: &Ctx,
    principal: &Principal,
    req: &PageRequest,
) -> Result<Page<(Workspace, Role)>> {
    match principal {
        Principal::ApiKey { key } => {
            let ws = ctx.store.workspaces().get(&key.workspace)?;
            Ok(Page {
                items: ws.into_iter().map(|w| (w, Role::Owner)).collect(),
                next: None,
            })
        }
        Principal::Operator => Ok(ctx
            .store
            .workspaces()
            .page_all(req)?
            .map(|w| (w, Role::Owner))),
        Principal::User { user, .. } if user.instance_admin => {
            let page = ctx.store.workspaces().page_all(req)?;
            let mut items = Vec::with_capacity(page.items.len());
            for ws in page.items {
                let role = ctx.store.workspaces().role(&ws.id, &user.id)?;
                items.push((ws, role.unwrap_or(Role::Owner)));
            }
            Ok(Page {
                items,
                next: page.next,
            })
        }
        Principal::User { user, .. } => {
            let page = ctx.store.workspaces().of_user(&user.id, req)?;
            let mut items = Vec::with_capacity(page.items.len());
            for (id, role) in page.items {
                // A workspace being purged has no record any more: skip it.
                if let Some(ws) = ctx.store.workspaces().get(&id)? {
                    items.push((ws, role));
                }
            }
            Ok(Page {
                items,
                next: page.next,
            })
        }
    }
}

pub fn update(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    name: Option<&str>,
    plan_name: Option<&str>,
) -> Result<Workspace> {
    let here = ctx.enter_as(actor, ws, Access::Admin)?;
    let name = name.map(clean_name).transpose()?;
    let new_plan = match plan_name {
        Some(p) => Some((
            p.to_string(),
            ctx.config.plans.get(p).ok_or_else(|| {
                Error::Invalid(format!(
                    "no plan `{p}`; plans: {}",
                    ctx.config
                        .plans
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?,
        )),
        None => None,
    };
    let over = std::cell::Cell::new(None);
    let updated = ctx.store.workspaces().update(ws, |w, counts| {
        if let Some(name) = &name {
            w.name = name.clone();
        }
        let Some((p, plan)) = &new_plan else {
            return Ok(None);
        };
        let members = counts.members + counts.invitations;
        if counts.active_locations > u64::from(plan.max_locations)
            || members > u64::from(plan.max_members)
        {
            over.set(Some(format!(
                "the `{p}` plan allows {} locations and {} members; this workspace has {} and {members}",
                plan.max_locations, plan.max_members, counts.active_locations
            )));
            return Err(crate::store::Refused::OverLimit { limit: 0 });
        }
        let changed = w.plan != *p;
        w.plan = p.clone();
        Ok(changed.then(|| here.audit("workspace.plan_changed", p)))
    })?;
    match updated {
        Ok(w) => Ok(w),
        Err(crate::store::Refused::OverLimit { .. }) => Err(Error::PlanLimit(
            over.take()
                .unwrap_or_else(|| "the plan does not allow this".into()),
        )),
        Err(r) => Err(r.into()),
    }
}

/// When a workspace deleted now is purged: until then the operator can bring it back.
pub fn purge_time(ctx: &Ctx) -> time::OffsetDateTime {
    let days = ctx.config.retention.deleted_workspaces_days;
    ctx.clock.now() + time::Duration::days(i64::try_from(days).unwrap_or(36_500))
}

/// Deletes at once (every route answers 404 from now on); housekeeping purges the records
/// once `retention.deleted_workspaces_days` have passed.
pub fn delete(ctx: &Ctx, principal: &Principal, ws: &Id<Workspace>) -> Result<()> {
    ctx.enter(principal, ws, Access::Admin)?;
    principal.user()?; // API keys cannot delete their own workspace
    if !ctx.store.purge().delete_workspace(ws, purge_time(ctx))? {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// A member as shown to the workspace.
pub struct Member {
    pub user: User,
    pub role: Role,
}

/// One page of the members, by user id.
pub fn members(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id<Workspace>,
    req: &PageRequest,
) -> Result<Page<Member>> {
    ctx.enter(principal, ws, Access::Read)?;
    let page = ctx.store.workspaces().members(ws, req)?;
    let mut items = Vec::with_capacity(page.items.len());
    for (id, role) in page.items {
        if let Some(user) = ctx.store.users().get(&id)? {
            items.push(Member { user, role });
        }
    }
    Ok(Page {
        items,
        next: page.next,
    })
}

/// One page of the pending invitations, oldest first.
pub fn invitations(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id<Workspace>,
    req: &PageRequest,
) -> Result<Page<Invitation>> {
    ctx.enter(principal, ws, Access::Read)?;
    Ok(ctx.store.invitations().page(ws, req)?)
}

fn email_of(ctx: &Ctx, user: &Id<User>) -> Result<String> {
    Ok(ctx
        .store
        .users()
        .get(user)?
        .map(|u| u.email.to_string())
        .unwrap_or_default())
}

/// Changes a role; the last owner cannot be demoted (checked in the same transaction).
pub fn set_role(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    user: &Id<User>,
    role: Role,
) -> Result<Role> {
    let here = ctx.enter_as(actor, ws, Access::Admin)?;
    let who = email_of(ctx, user)?;
    ctx.store
        .workspaces()
        .set_role(ws, user, role, |current| {
            let target = format!("{who}: {current} → {role}");
            here.audit("member.role_changed", &target)
        })??;
    Ok(role)
}

pub fn remove_member(ctx: &Ctx, actor: &Actor, ws: &Id<Workspace>, user: &Id<User>) -> Result<()> {
    let here = ctx.enter_as(actor, ws, Access::Admin)?;
    let who = email_of(ctx, user)?;
    let entry = here.audit(
        "member.removed",
        &format!("{who} (API keys they created stop working)"),
    );
    ctx.store
        .workspaces()
        .remove_member(ws, user, Some(&entry))??;
    Ok(())
}

/// Deleted workspaces and when each is purged (`plaudit admin deleted-workspaces`).
pub fn deleted(store: &crate::store::Store) -> Result<serde_json::Value> {
    let list: Vec<_> = store
        .purge()
        .deleted()?
        .into_iter()
        .map(|d| {
            serde_json::json!({
                "id": d.id.to_string(),
                "name": d.workspace.map(|w| w.name),
                "purge_at": d.purge_at.and_then(|t| {
                    t.format(&time::format_description::well_known::Rfc3339).ok()
                }),
            })
        })
        .collect();
    Ok(serde_json::Value::Array(list))
}

/// Brings a deleted workspace back before its purge time (`plaudit admin undelete-workspace`).
pub fn undelete(
    store: &crate::store::Store,
    raw: &str,
    now: time::OffsetDateTime,
) -> Result<serde_json::Value> {
    let id: Id<Workspace> = raw
        .parse()
        .map_err(|_| Error::Invalid(format!("`{raw}` is not a workspace id")))?;
    match store.purge().undelete(&id, now)? {
        // Flushed by the control command before it answers.
        crate::store::Undeleted::Restored => Ok(serde_json::json!({ "restored": id.to_string() })),
        crate::store::Undeleted::NotDeleted => Err(Error::Invalid(format!(
            "`{raw}` is not a deleted workspace (see `plaudit admin deleted-workspaces`)"
        ))),
        crate::store::Undeleted::PurgeStarted => Err(Error::Conflict(format!(
            "the purge of `{raw}` has begun: it cannot be brought back (restore a backup)"
        ))),
    }
}
