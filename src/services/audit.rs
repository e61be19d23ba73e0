//! Writing the audit log: who did what, where, from which address.

use super::Ctx;
use super::auth::{Actor, Principal};
use crate::domain::{AuditEntry, Id, Workspace};

/// The entry for an action, to be stored in the same transaction as the action itself.
pub fn entry(ctx: &Ctx, actor: &Actor, action: &str, target: &str) -> AuditEntry {
    entry_at(ctx, actor, &actor.ip, action, target)
}

/// `entry` for a principal whose address is known apart (a workspace scope's).
pub(super) fn entry_at(
    ctx: &Ctx,
    who: &Principal,
    ip: &str,
    action: &str,
    target: &str,
) -> AuditEntry {
    AuditEntry {
        at: ctx.clock.now(),
        actor: who.actor(),
        actor_label: who.label(),
        action: action.to_string(),
        target: target.to_string(),
        ip: ip.to_string(),
    }
}

/// Appends one entry; a failure is logged, never turned into a failed user action, because the
/// action itself has already happened.
pub fn record(ctx: &Ctx, ws: &Id<Workspace>, actor: &Actor, action: &str, target: &str) {
    record_as(
        ctx,
        ws,
        &actor.actor(),
        &actor.label(),
        &actor.ip,
        action,
        target,
    );
}

pub fn record_as(
    ctx: &Ctx,
    ws: &Id<Workspace>,
    actor: &str,
    label: &str,
    ip: &str,
    action: &str,
    target: &str,
) {
    let entry = AuditEntry {
        at: ctx.clock.now(),
        actor: actor.to_string(),
        actor_label: label.to_string(),
        action: action.to_string(),
        target: target.to_string(),
        ip: ip.to_string(),
    };
    if let Err(e) = ctx.store.audit().append(ws, &entry) {
        tracing::error!(error = %format!("{e:#}"), %action, "could not write the audit log");
    }
}

/// Notes a sign-in. Not in workspace audit logs: that would cost one write per workspace the
/// person belongs to (an agency admin may belong to thousands), on every sign-in. The request
/// log records who signed in from where; this line goes to the service log.
pub fn signed_in(_ctx: &Ctx, user: &crate::domain::User, ip: &str, how: &str) -> super::Result<()> {
    tracing::info!(user = %user.id, %ip, how, "signed in");
    Ok(())
}
