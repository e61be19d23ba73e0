//! Locations within a workspace: create, edit, archive, with the plan's location limit.

use super::auth::{Principal, authorize};
use super::workspaces::plan;
use super::{Ctx, Error, Result, audit};
use crate::domain::{Access, Id, Location, LocationFields};

pub struct Input<'a> {
    pub name: &'a str,
    pub address: &'a str,
    pub timezone: &'a str,
    pub google_review_url: Option<&'a str>,
    pub facebook_page_url: Option<&'a str>,
}

fn parse(input: &Input) -> Result<LocationFields> {
    LocationFields::parse(
        input.name,
        input.address,
        input.timezone,
        input.google_review_url,
        input.facebook_page_url,
    )
    .map_err(Error::Invalid)
}

fn check_limit(ctx: &Ctx, ws: &crate::domain::Workspace) -> Result<()> {
    let plan = plan(ctx, ws)?;
    if ctx.store.locations().count_active(&ws.id)? >= plan.max_locations as usize {
        return Err(Error::PlanLimit(format!(
            "the `{}` plan allows {} active locations; archive one or change the plan",
            ws.plan, plan.max_locations
        )));
    }
    Ok(())
}

pub fn create(
    ctx: &Ctx,
    principal: &Principal,
    ip: &str,
    ws: &Id,
    input: &Input,
) -> Result<Location> {
    let granted = authorize(&ctx.store, &ctx.config.plans, principal, ws, Access::Write)?;
    let fields = parse(input)?;
    check_limit(ctx, &granted.workspace)?;
    let now = ctx.clock.now();
    let loc = Location {
        id: Id::generate(now),
        workspace: *ws,
        name: fields.name,
        address: fields.address,
        timezone: fields.timezone,
        google_review_url: fields.google_review_url,
        facebook_page_url: fields.facebook_page_url,
        archived: false,
        created_at: now,
    };
    ctx.store.locations().put(&loc)?;
    audit::record(ctx, ws, principal, ip, "location.created", &loc.name);
    Ok(loc)
}

pub fn list(ctx: &Ctx, principal: &Principal, ws: &Id) -> Result<Vec<Location>> {
    authorize(&ctx.store, &ctx.config.plans, principal, ws, Access::Read)?;
    Ok(ctx.store.locations().of_workspace(ws)?)
}

pub fn get(ctx: &Ctx, principal: &Principal, ws: &Id, id: &Id) -> Result<Location> {
    authorize(&ctx.store, &ctx.config.plans, principal, ws, Access::Read)?;
    ctx.store.locations().get(ws, id)?.ok_or(Error::NotFound)
}

pub fn update(
    ctx: &Ctx,
    principal: &Principal,
    ip: &str,
    ws: &Id,
    id: &Id,
    input: &Input,
    archived: Option<bool>,
) -> Result<Location> {
    let granted = authorize(&ctx.store, &ctx.config.plans, principal, ws, Access::Write)?;
    let mut loc = ctx.store.locations().get(ws, id)?.ok_or(Error::NotFound)?;
    let fields = parse(input)?;
    if archived == Some(false) && loc.archived {
        check_limit(ctx, &granted.workspace)?;
    }
    let action = match archived {
        Some(true) if !loc.archived => "location.archived",
        Some(false) if loc.archived => "location.restored",
        _ => "location.updated",
    };
    loc.name = fields.name;
    loc.address = fields.address;
    loc.timezone = fields.timezone;
    loc.google_review_url = fields.google_review_url;
    loc.facebook_page_url = fields.facebook_page_url;
    loc.archived = archived.unwrap_or(loc.archived);
    ctx.store.locations().put(&loc)?;
    audit::record(ctx, ws, principal, ip, action, &loc.name);
    Ok(loc)
}
