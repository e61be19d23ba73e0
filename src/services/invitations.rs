//! Invitations: sent by an owner as a single-use emailed link, accepted by the invited address.

use super::auth::Actor;
use super::link_secrets::{hash, new_token};
use super::workspaces::plan;
use super::{Ctx, Error, Result, mailing};
use crate::domain::{Access, Email, Id, Invitation, LinkPurpose, LinkToken, Role, User, Workspace};
use crate::store::{AcceptInvitation, NewInvitation, Refused};
use time::Duration;

/// Invites `email` with `role` by an emailed single-use link.
pub fn invite(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    email: &str,
    role: Role,
) -> Result<Invitation> {
    let here = ctx.enter_as(actor, ws, Access::Admin)?;
    let email = Email::parse(email).map_err(Error::Invalid)?;
    let plan = plan(ctx, &here.workspace)?;
    let now = ctx.clock.now();
    let token = new_token();
    let valid = Duration::days(i64::try_from(ctx.config.accounts.invite_link_days).unwrap_or(7));
    let invitation = Invitation {
        id: Id::generate(now),
        workspace: *ws,
        email: email.clone(),
        role,
        invited_by: actor.user().ok().map(|u| u.id),
        created_at: now,
        expires_at: now + valid,
        token_hash: hash(&token),
    };
    let link = LinkToken {
        purpose: LinkPurpose::Invitation {
            workspace: *ws,
            invitation: invitation.id,
        },
        expires_at: invitation.expires_at,
    };
    let mail = mailing::invitation(
        ctx,
        &actor.label(),
        &here.workspace.name,
        role.as_str(),
        &email,
        &token,
    )?;
    let target = format!("{email} as {role}");
    let new = NewInvitation {
        invitation: &invitation,
        link: &link,
        email: Some(&mail),
        audit: Some(&here.audit("member.invited", &target)),
        max_members: u64::from(plan.max_members),
    };
    match ctx.store.invitations().create(&new)? {
        Ok(()) => Ok(invitation),
        Err(Refused::OverLimit { .. }) => Err(Error::PlanLimit(format!(
            "the `{}` plan allows {} members (pending invitations count)",
            here.workspace.plan, plan.max_members
        ))),
        Err(Refused::AlreadyMember) => Err(Error::Conflict(format!("{email} is a member already"))),
        Err(Refused::AlreadyInvited) => Err(Error::Conflict(format!(
            "{email} has a pending invitation; revoke it to send a new one"
        ))),
        Err(other) => Err(other.into()),
    }
}

pub fn revoke(ctx: &Ctx, actor: &Actor, ws: &Id<Workspace>, id: &Id<Invitation>) -> Result<()> {
    let here = ctx.enter_as(actor, ws, Access::Admin)?;
    let inv = ctx
        .store
        .invitations()
        .get(ws, id)?
        .ok_or(Error::NotFound)?;
    let entry = here.audit("member.invitation_revoked", inv.email.as_str());
    ctx.store.invitations().revoke(ws, id, &entry)??;
    Ok(())
}
/// What an invitation link's page tells its holder: where, by whom, as what, for which
/// address (the link itself is the proof of having received it).
#[derive(Debug, Clone)]
pub struct Invited {
    pub workspace: String,
    /// The inviter's name (or address); none when an API key sent it.
    pub inviter: Option<String>,
    pub role: crate::domain::Role,
    pub email: Email,
    pub expires_at: time::OffsetDateTime,
}

pub fn describe(ctx: &Ctx, token: &str) -> Result<Invited> {
    let inv = lookup(ctx, token)?;
    let workspace = ctx
        .store
        .workspaces()
        .get(&inv.workspace)?
        .map(|w| w.name)
        .unwrap_or_default();
    let inviter = match inv.invited_by {
        Some(id) => ctx.store.users().get(&id)?.map(|u| {
            if u.name.trim().is_empty() {
                u.email.to_string()
            } else {
                u.name
            }
        }),
        None => None,
    };
    Ok(Invited {
        workspace,
        inviter,
        role: inv.role,
        email: inv.email,
        expires_at: inv.expires_at,
    })
}

/// The invitation behind a token, when it is valid and addressed to `email`.
pub(super) fn for_token(
    ctx: &Ctx,
    token: &str,
    email: &Email,
) -> Result<crate::domain::Invitation> {
    let inv = lookup(ctx, token)?;
    if &inv.email != email {
        return Err(Error::Invalid("this invitation was sent to another address; register with the invited address or ask for a new invitation".into()));
    }
    Ok(inv)
}

/// The invitation behind a valid token, whoever it was sent to.
fn lookup(ctx: &Ctx, token: &str) -> Result<crate::domain::Invitation> {
    let invalid =
        || Error::InvalidLink("the invitation link is not valid: used, revoked or expired".into());
    let link = ctx
        .store
        .access()
        .peek_link(&hash(token), ctx.clock.now())?
        .ok_or_else(invalid)?;
    let LinkPurpose::Invitation {
        workspace,
        invitation,
    } = link.purpose
    else {
        return Err(invalid());
    };
    let inv = ctx
        .store
        .invitations()
        .get(&workspace, &invitation)?
        .ok_or_else(invalid)?;
    Ok(inv)
}

/// Joins the workspace behind an invitation link as `user` (whose email must be the invited one).
pub fn accept(ctx: &Ctx, user: &User, token: &str) -> Result<(Id<Workspace>, Role)> {
    for_token(ctx, token, &user.email)?;
    match ctx
        .store
        .invitations()
        .accept(&hash(token), &user.id, ctx.clock.now())?
    {
        AcceptInvitation::Joined { workspace, role } => Ok((workspace, role)),
        AcceptInvitation::Invalid => Err(Error::InvalidLink(
            "the invitation link is not valid: used, revoked or expired".into(),
        )),
    }
}
