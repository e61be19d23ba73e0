//! Connecting a workspace to a Google or Facebook account, mapping its remote locations or
//! pages to Plaudit locations, asking for a sync, disconnecting. Provider calls happen in
//! the HTTP layer and the poller; this is the bookkeeping around them.

use super::auth::{Actor, Principal};
use super::link_secrets::{constant_time_eq, hash, new_token};
use super::{Ctx, Error, Result};
use crate::domain::{
    Access, Connection, ConnectionStatus, Feed, Id, Location, OAuthState, SyncState, Workspace,
};
use crate::sources::oauth::{self, Provider, Purpose};
use crate::store::{Page, PageRequest};
use time::Duration;

const STATE_VALIDITY: Duration = Duration::minutes(30);

pub fn redirect_uri(ctx: &Ctx, p: Provider) -> String {
    ctx.link(&format!("/oauth/{}/callback", p.as_str()))
}

/// Creates a pending connection and the provider URL that completes it. When a browser
/// starts the flow (`browser_nonce`), only that browser may finish it. Started through the
/// API, it completes only in a browser signed in as the person who started it (for an API
/// key, the key's creator): a consent URL handed to anyone else connects nothing.
pub fn start(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    p: Provider,
    browser_nonce: Option<&str>,
) -> Result<(Connection, String)> {
    let here = ctx.enter_as(actor, ws, Access::Write)?;
    let now = ctx.clock.now();
    let conn = Connection {
        id: Id::generate(now),
        workspace: *ws,
        provider: p,
        status: ConnectionStatus::Pending,
        account: None,
        sealed: None,
        created_by: match &actor.principal {
            Principal::User { user, .. } => Some(user.id),
            Principal::ApiKey { .. } | Principal::Operator => None,
        },
        created_at: now,
        feeds: Vec::new(),
        sync: SyncState::default(),
    };
    let (state, verifier) = (new_token(), new_token());
    let url = oauth::purpose_url(
        &ctx.config.providers,
        p,
        Purpose::Connect,
        &redirect_uri(ctx, p),
        &state,
        &verifier,
    )
    .map_err(|e| Error::Invalid(e.to_string()))?;
    ctx.store.connections().put(&conn)?;
    ctx.store.access().put_oauth_state(
        &hash(&state),
        &OAuthState {
            provider: p.as_str().into(),
            verifier,
            link_user: None,
            next: format!("/w/{ws}/connections"),
            browser: browser_nonce.map(hash).unwrap_or_default(),
            connect: Some((*ws, conn.id)),
            started_by: match &actor.principal {
                Principal::User { user, .. } => Some(user.id),
                Principal::ApiKey { key } => Some(key.created_by),
                Principal::Operator => None,
            },
            expires_at: now + STATE_VALIDITY,
        },
    )?;
    let entry = here.audit("connection.started", p.as_str());
    ctx.store.audit().append(ws, &entry)?;
    Ok((conn, url))
}

/// Uses up a connect flow's state. A flow a browser started must end in that browser; one
/// started through the API must end in a browser where its starter is signed in (`signed_in`).
pub fn take_state(
    ctx: &Ctx,
    p: Provider,
    state: &str,
    browser_nonce: Option<&str>,
    signed_in: Option<Id<crate::domain::User>>,
) -> Result<(OAuthState, Id<Workspace>, Id<Connection>)> {
    let invalid = || {
        Error::Invalid(
            "this connection link is not valid any more (used, expired or forged); start again from the workspace"
                .into(),
        )
    };
    let flow = ctx
        .store
        .access()
        .take_oauth_state(&hash(state), ctx.clock.now())?
        .filter(|s| s.provider == p.as_str())
        .ok_or_else(invalid)?;
    let (ws, id) = flow.connect.ok_or_else(invalid)?;
    if !flow.browser.is_empty() {
        let same = browser_nonce
            .is_some_and(|n| constant_time_eq(hash(n).as_bytes(), flow.browser.as_bytes()));
        if !same {
            return Err(Error::Forbidden(
                "this connection was started in another browser; nothing was changed".into(),
            ));
        }
    } else if flow.started_by.is_none() || signed_in != flow.started_by {
        return Err(Error::Forbidden(
            "this connection was started through the API: it completes only in a browser signed \
             in to Plaudit as the person who started it (for an API key, its creator). Nothing \
             was connected; sign in as them and open a new link, or connect from the \
             workspace's Connections page"
                .into(),
        ));
    }
    Ok((flow, ws, id))
}

/// The provider granted access: store the sealed tokens and let the poller at it.
pub fn complete(
    ctx: &Ctx,
    ws: &Id<Workspace>,
    id: &Id<Connection>,
    sealed: Vec<u8>,
    account: Option<String>,
) -> Result<Connection> {
    let now = ctx.clock.now();
    let conn = ctx
        .store
        .connections()
        .update(ws, id, |c| {
            c.sealed = Some(sealed.clone());
            c.account = account.clone();
            c.status = ConnectionStatus::Active;
            c.sync.last_error = None;
            c.sync.failures = 0;
            c.sync.request();
        })?
        .ok_or(Error::NotFound)?;
    let entry = crate::domain::AuditEntry {
        at: now,
        actor: "system".into(),
        actor_label: format!("{} consent", conn.provider),
        ip: String::new(),
        action: "connection.connected".into(),
        target: format!(
            "{} {}",
            conn.provider,
            conn.account.as_deref().unwrap_or("")
        ),
    };
    ctx.store.audit().append(ws, &entry)?;
    Ok(conn)
}

/// The provider refused, or the user declined: a pending connection says why.
pub fn fail(ctx: &Ctx, ws: &Id<Workspace>, id: &Id<Connection>, reason: &str) -> Result<()> {
    ctx.store.connections().update(ws, id, |c| {
        c.sync.last_error = Some(reason.to_string());
    })?;
    Ok(())
}

/// Items in total from each connection's provider at the locations it feeds (all time, from
/// the rollups): what the Connections page shows beside the last sync's count.
pub fn totals(ctx: &Ctx, ws: &Id<Workspace>, conns: &[Connection]) -> Result<Vec<u64>> {
    let today = crate::domain::local_day(&jiff::tz::TimeZone::UTC, ctx.clock.now());
    let mut out = Vec::with_capacity(conns.len());
    for c in conns {
        let origin = match c.provider {
            crate::domain::Provider::Google => crate::domain::Origin::Google,
            crate::domain::Provider::Facebook => crate::domain::Origin::Facebook,
        };
        let mut locations: Vec<_> = c.feeds.iter().map(|f| f.location).collect();
        locations.sort();
        locations.dedup();
        let mut n = 0;
        for l in &locations {
            n += ctx
                .store
                .items()
                .total(ws, Some(l), 0, today + 2)?
                .from(origin);
        }
        out.push(n);
    }
    Ok(out)
}

pub fn list(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id<Workspace>,
    req: &PageRequest,
) -> Result<Page<Connection>> {
    ctx.enter(principal, ws, Access::Read)?;
    Ok(ctx.store.connections().page(ws, req)?)
}

pub fn get(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id<Workspace>,
    id: &Id<Connection>,
    access: Access,
) -> Result<Connection> {
    ctx.enter(principal, ws, access)?;
    ctx.store.connections().get(ws, id)?.ok_or(Error::NotFound)
}

/// A remote location or page of a connection, as a location's source.
pub struct Source<'a> {
    pub connection: Id<Connection>,
    pub external_id: &'a str,
    /// Display name; empty keeps the one known.
    pub name: &'a str,
}

/// Feeds `loc` from the remote location or page of `src`. A remote location feeds one
/// Plaudit location; mapping it again moves it.
pub fn set_source(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    loc: &Id<Location>,
    src: &Source,
) -> Result<Connection> {
    let (conn_id, external_id, name) = (&src.connection, src.external_id, src.name);
    let here = ctx.enter_as(actor, ws, Access::Write)?;
    let location = ctx.store.locations().get(ws, loc)?.ok_or(Error::NotFound)?;
    let conn = ctx
        .store
        .connections()
        .get(ws, conn_id)?
        .ok_or_else(|| Error::Invalid("connection_id: no such connection here".into()))?;
    let valid = match conn.provider {
        Provider::Google => crate::sources::google::valid_feed(external_id),
        Provider::Facebook => {
            !external_id.is_empty()
                && external_id.len() <= 100
                && external_id.chars().all(|c| c.is_ascii_digit())
        }
    };
    if !valid {
        return Err(Error::Invalid(format!(
            "external_id: `{external_id}` is not a {} {}",
            conn.provider,
            if conn.provider == Provider::Google {
                "location (accounts/…/locations/…)"
            } else {
                "page id"
            }
        )));
    }
    if conn.status == ConnectionStatus::Pending {
        return Err(Error::Conflict(
            "this connection is not finished yet: complete the provider's consent first".into(),
        ));
    }
    let name = name.to_string();
    let updated = ctx
        .store
        .connections()
        .update(ws, conn_id, |c| {
            let kept = c
                .feeds
                .iter()
                .find(|f| f.external_id == external_id)
                .cloned();
            c.feeds.retain(|f| f.external_id != external_id);
            let mut feed = kept.unwrap_or(Feed {
                external_id: external_id.to_string(),
                name: name.clone(),
                location: *loc,
                high_water: Default::default(),
                last_full_at: None,
                ratings_off: false,
                error: None,
            });
            if feed.location != *loc {
                // Moved: read it whole again for the new location.
                feed.high_water.clear();
                feed.last_full_at = None;
            }
            feed.location = *loc;
            if !name.is_empty() {
                feed.name = name.clone();
            }
            c.feeds.push(feed);
            c.sync.request();
        })?
        .ok_or(Error::NotFound)?;
    let entry = here.audit(
        "location.source_set",
        &format!("{} ← {} {external_id}", location.name, conn.provider),
    );
    ctx.store.audit().append(ws, &entry)?;
    Ok(updated)
}

/// Asks the poller for a sync as soon as it can. A broken connection is tried again.
pub fn request_sync(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id<Workspace>,
    id: &Id<Connection>,
) -> Result<Connection> {
    ctx.enter(principal, ws, Access::Write)?;
    let conn = ctx
        .store
        .connections()
        .get(ws, id)?
        .ok_or(Error::NotFound)?;
    match conn.status {
        ConnectionStatus::Pending => {
            return Err(Error::Conflict(
                "this connection is not finished yet: complete the provider's consent first".into(),
            ));
        }
        ConnectionStatus::NeedsReconnect => {
            return Err(Error::Conflict(format!(
                "{} no longer accepts this connection: connect it again",
                conn.provider
            )));
        }
        _ => {}
    }
    ctx.store
        .connections()
        .update(ws, id, |c| {
            c.sync.request();
            if c.status == ConnectionStatus::Broken {
                c.status = ConnectionStatus::Active;
            }
        })?
        .ok_or(Error::NotFound)
}

/// Deletes the connection and its sealed tokens (the caller revoked them first). Items
/// already fetched stay.
pub fn remove(ctx: &Ctx, actor: &Actor, ws: &Id<Workspace>, id: &Id<Connection>) -> Result<()> {
    let here = ctx.enter_as(actor, ws, Access::Write)?;
    let conn = ctx
        .store
        .connections()
        .get(ws, id)?
        .ok_or(Error::NotFound)?;
    ctx.store.connections().remove(ws, id)?;
    let entry = here.audit(
        "connection.removed",
        &format!(
            "{} {}",
            conn.provider,
            conn.account.as_deref().unwrap_or("")
        ),
    );
    ctx.store.audit().append(ws, &entry)?;
    Ok(())
}
