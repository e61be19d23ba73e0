//! Workspaces, members and roles, with the plan's limits enforced here.

use super::auth::{Granted, Principal, authorize};
use super::{Ctx, Error, Result, audit};
use crate::config::PlanConfig;
use crate::domain::{Access, Id, Invitation, Role, User, Workspace};

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

/// The workspaces the caller can see, with its role in each.
pub fn list(ctx: &Ctx, principal: &Principal) -> Result<Vec<(Workspace, Role)>> {
    let mut out = Vec::new();
    match principal {
        Principal::ApiKey { key } => {
            if let Some(ws) = ctx.store.workspaces().get(&key.workspace)? {
                out.push((ws, Role::Owner));
            }
        }
        Principal::User { user, .. } if user.instance_admin => {
            for ws in ctx.store.workspaces().all()? {
                let role = ctx
                    .store
                    .workspaces()
                    .role(&ws.id, &user.id)?
                    .unwrap_or(Role::Owner);
                out.push((ws, role));
            }
        }
        Principal::User { user, .. } => {
            for (id, role) in ctx.store.workspaces().of_user(&user.id)? {
                if let Some(ws) = ctx.store.workspaces().get(&id)? {
                    out.push((ws, role));
                }
            }
        }
    }
    out.sort_by_key(|(ws, _)| ws.name.to_lowercase());
    Ok(out)
}

pub fn update(
    ctx: &Ctx,
    principal: &Principal,
    ip: &str,
    ws: &Id,
    name: Option<&str>,
    plan_name: Option<&str>,
) -> Result<Workspace> {
    let Granted { mut workspace, .. } =
        authorize(&ctx.store, &ctx.config.plans, principal, ws, Access::Admin)?;
    if let Some(name) = name {
        workspace.name = clean_name(name)?;
    }
    if let Some(p) = plan_name {
        let new_plan = ctx.config.plans.get(p).ok_or_else(|| {
            Error::Invalid(format!(
                "no plan `{p}`; plans: {}",
                ctx.config
                    .plans
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        let locations = ctx.store.locations().count_active(ws)?;
        let members = ctx.store.workspaces().members(ws)?.len()
            + ctx.store.workspaces().invitations(ws)?.len();
        if locations > new_plan.max_locations as usize || members > new_plan.max_members as usize {
            return Err(Error::PlanLimit(format!(
                "the `{p}` plan allows {} locations and {} members; this workspace has {locations} and {members}",
                new_plan.max_locations, new_plan.max_members
            )));
        }
        if workspace.plan != p {
            audit::record(ctx, ws, principal, ip, "workspace.plan_changed", p);
        }
        workspace.plan = p.to_string();
    }
    ctx.store.workspaces().put(&workspace)?;
    Ok(workspace)
}

pub fn delete(ctx: &Ctx, principal: &Principal, ws: &Id) -> Result<()> {
    authorize(&ctx.store, &ctx.config.plans, principal, ws, Access::Admin)?;
    principal.user()?; // API keys cannot delete their own workspace
    ctx.store.workspaces().delete(ws)?;
    Ok(())
}

/// A member as shown to the workspace.
pub struct Member {
    pub user: User,
    pub role: Role,
}

pub fn members(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id,
) -> Result<(Vec<Member>, Vec<Invitation>)> {
    authorize(&ctx.store, &ctx.config.plans, principal, ws, Access::Read)?;
    let mut out = Vec::new();
    for (id, role) in ctx.store.workspaces().members(ws)? {
        if let Some(user) = ctx.store.users().get(&id)? {
            out.push(Member { user, role });
        }
    }
    Ok((out, ctx.store.workspaces().invitations(ws)?))
}

fn owners(ctx: &Ctx, ws: &Id) -> Result<usize> {
    Ok(ctx
        .store
        .workspaces()
        .members(ws)?
        .iter()
        .filter(|(_, r)| *r == Role::Owner)
        .count())
}

pub fn set_role(
    ctx: &Ctx,
    principal: &Principal,
    ip: &str,
    ws: &Id,
    user: &Id,
    role: &str,
) -> Result<Role> {
    authorize(&ctx.store, &ctx.config.plans, principal, ws, Access::Admin)?;
    let role = Role::parse(role).map_err(Error::Invalid)?;
    let current = ctx
        .store
        .workspaces()
        .role(ws, user)?
        .ok_or(Error::NotFound)?;
    if current == Role::Owner && role != Role::Owner && owners(ctx, ws)? == 1 {
        return Err(Error::Conflict(
            "a workspace keeps at least one owner".into(),
        ));
    }
    ctx.store.workspaces().set_role(ws, user, role)?;
    let who = ctx
        .store
        .users()
        .get(user)?
        .map(|u| u.email.to_string())
        .unwrap_or_default();
    audit::record(
        ctx,
        ws,
        principal,
        ip,
        "member.role_changed",
        &format!("{who}: {current} → {role}"),
    );
    Ok(role)
}

pub fn remove_member(ctx: &Ctx, principal: &Principal, ip: &str, ws: &Id, user: &Id) -> Result<()> {
    authorize(&ctx.store, &ctx.config.plans, principal, ws, Access::Admin)?;
    let current = ctx
        .store
        .workspaces()
        .role(ws, user)?
        .ok_or(Error::NotFound)?;
    if current == Role::Owner && owners(ctx, ws)? == 1 {
        return Err(Error::Conflict(
            "a workspace keeps at least one owner".into(),
        ));
    }
    ctx.store.workspaces().remove_member(ws, user)?;
    let who = ctx
        .store
        .users()
        .get(user)?
        .map(|u| u.email.to_string())
        .unwrap_or_default();
    audit::record(ctx, ws, principal, ip, "member.removed", &who);
    Ok(())
}
