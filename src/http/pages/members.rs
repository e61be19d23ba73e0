//! Members and invitations: who has access with which role, inviting, and accepting an invite.

use super::form_post::{self, FormPost};
use super::workspaces::{WsNav, enter};
use super::{Answer, MaybeUser, PAGE_ROWS, Visit, html, redirect, run, show};
use crate::domain::User;
use crate::domain::{Access, Invitation};
use crate::http::Layout;
use crate::http::paths::{WsChildPath, WsPath};
use crate::services::{audit, invitations, workspaces};
use crate::store::PageRequest;
use actix_web::{HttpRequest, web};
use askama::Template;
use serde::Deserialize;

struct Row {
    id: String,
    name: String,
    email: String,
    role: String,
}

#[derive(Template)]
#[template(path = "pages/members.html")]
struct MembersPage {
    layout: Layout,
    ws: WsNav,
    members: Vec<Row>,
    /// The cursor of the next page of members, when there is one.
    next: Option<String>,
    invitations: Vec<Invitation>,
}

pub(super) async fn page(
    Visit { req, state, user }: Visit,
    ws: WsPath,
    q: web::Query<super::PageCursor>,
) -> Answer {
    let nav = enter(&state, &user, &ws, Access::Read, "members").await?;
    let (principal, wid, page_req) = (user.principal.clone(), nav.id, q.request());
    let (members, invitations) = show(&state, &user.layout, move |ctx| {
        let first = PageRequest::first(PAGE_ROWS);
        Ok((
            workspaces::members(ctx, &principal, &wid, &page_req)?,
            workspaces::invitations(ctx, &principal, &wid, &first)?.items,
        ))
    })
    .await?;
    let next = members.next;
    let members = members
        .items
        .into_iter()
        .map(|m| Row {
            id: m.user.id.to_string(),
            name: m.user.name,
            email: m.user.email.to_string(),
            role: m.role.to_string(),
        })
        .collect();
    html(
        &req,
        &MembersPage {
            layout: user.layout.clone(),
            ws: nav,
            members,
            next,
            invitations,
        },
        &user.layout,
    )
}

#[derive(Deserialize)]
pub(super) struct InviteForm {
    csrf: String,
    email: String,
    role: crate::domain::Role,
}

pub(super) async fn invite(ws: WsPath, post: FormPost<InviteForm>) -> Answer {
    let FormPost {
        action: Visit { req, state, user },
        form: f,
    } = post;
    let ws = ws.into_inner();
    let actor = user.actor(&req);
    let back = format!("/w/{ws}/members");
    Ok(
        match run(&state, &user.layout, move |ctx| {
            invitations::invite(ctx, &actor, &ws, &f.email, f.role)
        })
        .await?
        {
            Ok(inv) => redirect(&back, Ok(&format!("Invitation sent to {}.", inv.email))),
            Err(m) => redirect(&back, Err(&m)),
        },
    )
}

#[derive(Deserialize)]
pub(super) struct RoleForm {
    csrf: String,
    role: crate::domain::Role,
}

pub(super) async fn set_role(path: WsChildPath<User>, post: FormPost<RoleForm>) -> Answer {
    let FormPost { action, form } = post;
    let (ws, member) = path.into_inner();
    let RoleForm { role, .. } = form;
    let back = format!("/w/{ws}/members");
    action
        .then(&back, "Role changed.", move |ctx, who| {
            workspaces::set_role(ctx, who, &ws, &member, role)
        })
        .await
}

#[derive(Template)]
#[template(path = "pages/invitation.html")]
struct InvitationPage {
    layout: Layout,
    token: String,
    signed_in_as: Option<String>,
    /// Where, by whom, as what; none when the link is no longer valid.
    invited: Option<crate::services::invitations::Invited>,
}

impl InvitationPage {
    fn expires(&self, t: &time::OffsetDateTime) -> String {
        super::words::time(*t)
    }

    /// Signed in with another address than the invited one.
    fn other_address(&self) -> bool {
        match (&self.signed_in_as, &self.invited) {
            (Some(me), Some(inv)) => me != inv.email.as_str(),
            _ => false,
        }
    }
}

pub(super) async fn invitation_page(
    req: HttpRequest,
    state: web::Data<crate::http::AppState>,
    who: MaybeUser,
    token: web::Path<String>,
) -> Answer {
    let token = token.into_inner();
    let t = token.clone();
    let invited = super::run(&state, &who.1, move |ctx| {
        crate::services::invitations::describe(ctx, &t)
    })
    .await?
    .ok();
    let page = InvitationPage {
        layout: who.1.clone(),
        token,
        signed_in_as: who.0.as_ref().map(|u| u.user.email.to_string()),
        invited,
    };
    html(&req, &page, &who.1)
}

#[derive(Deserialize)]
pub(super) struct AcceptForm {
    csrf: String,
}

pub(super) async fn accept(token: web::Path<String>, post: FormPost<AcceptForm>) -> Answer {
    let FormPost {
        action: Visit { req, state, user },
        ..
    } = post;
    let token = token.into_inner();
    let (actor, u) = (user.actor(&req), user.user.clone());
    Ok(
        match run(&state, &user.layout, move |ctx| {
            let (ws, role) = invitations::accept(ctx, &u, &token)?;
            audit::record(
                ctx,
                &ws,
                &actor,
                "member.joined",
                &format!("{} as {role}", u.email),
            );
            Ok(ws)
        })
        .await?
        {
            Ok(ws) => redirect(&format!("/w/{ws}"), Ok("Welcome aboard.")),
            Err(m) => redirect("/w", Err(&m)),
        },
    )
}

form_post::proof!(RoleForm);

form_post::proof!(AcceptForm, InviteForm);
