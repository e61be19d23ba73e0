//! Locations within a workspace: create, edit, archive, with the plan's location limit.

use super::auth::{Actor, Principal};
use super::workspaces::plan;
use super::{Ctx, Error, Result};
use crate::domain::{Access, AuditEntry, Id, Location, LocationFields, Workspace};
use crate::store::{Page, PageRequest, Refused};

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

fn max_active(ctx: &Ctx, ws: &crate::domain::Workspace) -> Result<u64> {
    Ok(u64::from(plan(ctx, ws)?.max_locations))
}

fn limit_message(ws: &crate::domain::Workspace, max: u64) -> Error {
    Error::PlanLimit(format!(
        "the `{}` plan allows {max} active locations; archive one or change the plan",
        ws.plan
    ))
}

/// Stores with the limit checked in the same transaction as the write.
fn save(
    ctx: &Ctx,
    ws: &crate::domain::Workspace,
    loc: &Location,
    entry: &AuditEntry,
) -> Result<()> {
    let max = max_active(ctx, ws)?;
    match ctx.store.locations().save(loc, max, Some(entry))? {
        Ok(()) => Ok(()),
        Err(Refused::OverLimit { .. }) => Err(limit_message(ws, max)),
        Err(other) => Err(other.into()),
    }
}

pub fn create(ctx: &Ctx, actor: &Actor, ws: &Id<Workspace>, input: &Input) -> Result<Location> {
    let here = ctx.enter_as(actor, ws, Access::Write)?;
    let fields = parse(input)?;
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
    let entry = here.audit("location.created", &loc.name);
    save(ctx, &here.workspace, &loc, &entry)?;
    Ok(loc)
}

/// One page of the locations, oldest first.
pub fn list(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id<Workspace>,
    req: &PageRequest,
) -> Result<Page<Location>> {
    ctx.enter(principal, ws, Access::Read)?;
    Ok(ctx.store.locations().page(ws, req)?)
}

pub fn get(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id<Workspace>,
    id: &Id<Location>,
) -> Result<Location> {
    ctx.enter(principal, ws, Access::Read)?;
    ctx.store.locations().get(ws, id)?.ok_or(Error::NotFound)
}

pub fn update(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    id: &Id<Location>,
    input: &Input,
    archived: Option<bool>,
) -> Result<Location> {
    let here = ctx.enter_as(actor, ws, Access::Write)?;
    let mut loc = ctx.store.locations().get(ws, id)?.ok_or(Error::NotFound)?;
    let fields = parse(input)?;
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
    let entry = here.audit(action, &loc.name);
    save(ctx, &here.workspace, &loc, &entry)?;
    Ok(loc)
}
