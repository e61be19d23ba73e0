//! Workspace API keys: `plk_<id>_<secret>`, shown once, stored as a hash, revocable.

use super::auth::{Actor, Principal};
use super::link_secrets::{constant_time_eq, hash, new_token};
use super::workspaces::plan;
use super::{Ctx, Error, Result};
use crate::domain::{Access, ApiKey, Id, Scope, Workspace};
use crate::store::{Page, PageRequest};
use time::Duration;

const PREFIX: &str = "plk_";

pub fn create(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    name: &str,
    scopes: &[Scope],
) -> Result<(ApiKey, String)> {
    let here = ctx.enter_as(actor, ws, Access::Admin)?;
    let user = actor.user()?; // keys are made by people, not by other keys
    if !plan(ctx, &here.workspace)?.api {
        return Err(Error::PlanLimit(format!(
            "API access is not part of the `{}` plan",
            here.workspace.plan
        )));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(Error::Invalid(
            "the key name needs 1 to 100 characters".into(),
        ));
    }
    let mut parsed: Vec<Scope> = scopes.to_vec();
    parsed.sort();
    parsed.dedup();
    if parsed.is_empty() {
        return Err(Error::Invalid(
            "give the key at least one scope: read, write or admin".into(),
        ));
    }
    let now = ctx.clock.now();
    let secret = new_token();
    let key = ApiKey {
        id: Id::generate(now),
        workspace: *ws,
        name: name.to_string(),
        scopes: parsed,
        secret_hash: hash(&secret),
        created_by: user.id,
        created_at: now,
        last_used_at: None,
    };
    let entry = here.audit("api_key.created", &key.name);
    ctx.store.access().put_api_key(&key, Some(&entry))?;
    Ok((key.clone(), format!("{PREFIX}{}_{secret}", key.id)))
}

/// One page of the workspace's keys, oldest first.
pub fn list(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id<Workspace>,
    req: &PageRequest,
) -> Result<Page<ApiKey>> {
    ctx.enter(principal, ws, Access::Admin)?;
    Ok(ctx.store.access().api_keys(ws, req)?)
}

pub fn revoke(ctx: &Ctx, actor: &Actor, ws: &Id<Workspace>, id: &Id<ApiKey>) -> Result<()> {
    let here = ctx.enter_as(actor, ws, Access::Admin)?;
    let key = ctx
        .store
        .access()
        .api_key(id)?
        .filter(|k| k.workspace == *ws)
        .ok_or(Error::NotFound)?;
    let entry = here.audit("api_key.revoked", &key.name);
    ctx.store.access().delete_api_key(&key, &entry)?;
    Ok(())
}

/// Authenticates a presented key. Notes the use at most once a minute (to spare the disk).
pub fn authenticate(ctx: &Ctx, presented: &str) -> Result<Principal> {
    let refused = || Error::Unauthorized("the API key is invalid or was revoked".into());
    let rest = presented.strip_prefix(PREFIX).ok_or_else(refused)?;
    let (id, secret) = rest.split_once('_').ok_or_else(refused)?;
    let id: Id<ApiKey> = id.parse().map_err(|_| refused())?;
    let mut key = ctx.store.access().api_key(&id)?.ok_or_else(refused)?;
    if !constant_time_eq(key.secret_hash.as_bytes(), hash(secret).as_bytes()) {
        return Err(refused());
    }
    // A key acts for the person who made it: it dies with their access to the workspace.
    if super::auth::creator_role(&ctx.store, &key)?.is_none() {
        return Err(Error::Unauthorized(
            "this API key's creator no longer has access to its workspace; ask an owner for a new key"
                .into(),
        ));
    }
    let now = ctx.clock.now();
    if key
        .last_used_at
        .is_none_or(|t| now - t > Duration::minutes(1))
    {
        key.last_used_at = Some(now);
        ctx.store.access().put_api_key(&key, None)?;
    }
    Ok(Principal::ApiKey { key })
}
