//! Alert settings of the signed-in member, and the workspace's webhooks.

use super::auth::{Actor, Principal};
use super::link_secrets::new_token;
use super::{Ctx, Error, Result};
use crate::domain::{
    Access, AlertMode, AlertPrefs, Id, Location, Origin, User, Webhook, WebhookFormat, Workspace,
};

fn person(principal: &Principal) -> Result<Id<User>> {
    match principal {
        Principal::User { user, .. } => Ok(user.id),
        Principal::ApiKey { .. } | Principal::Operator => Err(Error::Forbidden(
            "alert settings belong to a person; sign in instead of using an API key".into(),
        )),
    }
}

pub fn my_prefs(ctx: &Ctx, principal: &Principal, ws: &Id<Workspace>) -> Result<AlertPrefs> {
    ctx.enter(principal, ws, Access::Read)?;
    Ok(ctx.store.alerts().prefs(ws, &person(principal)?)?)
}

pub struct PrefsInput {
    pub mode: AlertMode,
    pub max_rating: Option<u8>,
    pub sources: Vec<Origin>,
    pub locations: Vec<Id<Location>>,
}

pub fn set_my_prefs(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id<Workspace>,
    input: PrefsInput,
) -> Result<AlertPrefs> {
    ctx.enter(principal, ws, Access::Read)?;
    let user = person(principal)?;
    if input.max_rating.is_some_and(|r| !(1..=5).contains(&r)) {
        return Err(Error::Invalid(
            "max_rating: 1 to 5, or null for every rating".into(),
        ));
    }
    for loc in &input.locations {
        if ctx.store.locations().get(ws, loc)?.is_none() {
            return Err(Error::Invalid(format!(
                "locations: {loc} is not a location here"
            )));
        }
    }
    let mut p = ctx.store.alerts().prefs(ws, &user)?;
    p.mode = input.mode;
    p.max_rating = input.max_rating;
    p.sources = input.sources;
    p.locations = input.locations;
    ctx.store.alerts().set_prefs(&p)?;
    Ok(p)
}

/// A webhook target: http(s) only, no credentials in the URL; plain http only where
/// private addresses are allowed (a test or an internal relay).
fn check_url(ctx: &Ctx, raw: &str) -> Result<String> {
    let bad = |m: &str| Error::Invalid(format!("url: {m}"));
    if raw.len() > 2000 {
        return Err(bad("at most 2000 characters"));
    }
    let url = url::Url::parse(raw.trim()).map_err(|_| bad("not a URL"))?;
    let private_ok = ctx.config.poller.webhooks_to_private_addresses;
    match url.scheme() {
        "https" => {}
        "http" if private_ok => {}
        _ => return Err(bad("use an https:// address")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "no user name or password in the URL; the signature proves the sender",
        ));
    }
    let literal = match url.host() {
        None => return Err(bad("no host")),
        Some(url::Host::Domain("")) => return Err(bad("no host")),
        Some(url::Host::Domain(_)) => None,
        Some(url::Host::Ipv4(ip)) => Some(std::net::IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(std::net::IpAddr::V6(ip)),
    };
    // A name is checked at each delivery (it may point elsewhere by then); an address now.
    if !private_ok && literal.is_some_and(|ip| !crate::domain::cidr::is_public(ip)) {
        return Err(bad(
            "a private or reserved address; webhooks go to public receivers",
        ));
    }
    Ok(url.to_string())
}

pub fn create_webhook(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    url: &str,
    format: WebhookFormat,
) -> Result<Webhook> {
    let here = ctx.enter_as(actor, ws, Access::Write)?;
    let url = check_url(ctx, url)?;
    if ctx.store.alerts().webhooks(ws)?.len() >= 20 {
        return Err(Error::Conflict(
            "a workspace has at most 20 webhooks".into(),
        ));
    }
    let hook = Webhook {
        id: Id::generate(ctx.clock.now()),
        workspace: *ws,
        url,
        format,
        secret: format!("whsec_{}", new_token()),
        created_at: ctx.clock.now(),
    };
    ctx.store.alerts().put_webhook(&hook)?;
    ctx.store
        .audit()
        .append(ws, &here.audit("webhook.created", &hook.url))?;
    Ok(hook)
}

pub fn webhooks(ctx: &Ctx, principal: &Principal, ws: &Id<Workspace>) -> Result<Vec<Webhook>> {
    ctx.enter(principal, ws, Access::Read)?;
    Ok(ctx.store.alerts().webhooks(ws)?)
}

pub fn delete_webhook(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    id: &Id<Webhook>,
) -> Result<()> {
    let here = ctx.enter_as(actor, ws, Access::Write)?;
    let hook = ctx.store.alerts().webhook(ws, id)?.ok_or(Error::NotFound)?;
    ctx.store.alerts().remove_webhook(ws, id)?;
    ctx.store
        .audit()
        .append(ws, &here.audit("webhook.deleted", &hook.url))?;
    Ok(())
}
