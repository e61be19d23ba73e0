//! The API's routes: Accounts, sessions, workspaces and who may use them.

use super::super::{Registrar, plain, views};
use super::super::{accounts, admin, keys, me, members, workspaces};
use crate::services;
use actix_web::http::Method;

pub fn routes(r: &mut Registrar) {
    // /auth: registration, verification, sign-in and out, password reset; accepting invitations.
    r.add(Method::POST, "/auth/register", accounts::register)
        .doc(
            "auth",
            "Create an account (202 whether or not the email is known)",
        )
        .public()
        .body::<accounts::RegisterBody>()
        .status(202);
    r.add(Method::POST, "/auth/verify", accounts::verify)
        .doc("auth", "Use an email verification link's token")
        .public()
        .body::<accounts::TokenBody>();
    r.add(Method::POST, "/auth/login", accounts::login)
        .doc(
            "auth",
            "Sign in; answers a session token and sets the session cookie",
        )
        .public()
        .body::<accounts::LoginBody>()
        .returns::<views::SessionView>();
    r.add(Method::POST, "/auth/logout", accounts::logout)
        .doc(
            "auth",
            "Sign out: this session's token is refused afterwards",
        )
        .status(204);
    r.add(
        Method::POST,
        "/auth/password-reset",
        accounts::request_reset,
    )
    .doc(
        "auth",
        "Email a password reset link (202 whether or not the email is known)",
    )
    .public()
    .body::<accounts::EmailBody>()
    .status(202);
    r.add(
        Method::POST,
        "/auth/password-reset/confirm",
        accounts::confirm_reset,
    )
    .doc(
        "auth",
        "Set a new password with a reset link's token; signs out every session",
    )
    .public()
    .body::<accounts::ResetBody>();
    r.add(
        Method::POST,
        "/invitations/accept",
        accounts::accept_invitation,
    )
    .doc(
        "account",
        "Join a workspace with an invitation link's token",
    )
    .body::<accounts::TokenBody>();

    // /me: the signed-in person's own account: profile, password, email, deletion.
    r.add(Method::GET, "/me", me::me)
        .doc("account", "The signed-in person and their workspaces")
        .returns::<views::MeView>();
    r.add(Method::PATCH, "/me", me::rename)
        .doc("account", "Change your name")
        .body::<me::NameBody>()
        .returns::<views::UserView>();
    r.add(Method::POST, "/me/password", me::change_password)
        .doc(
            "account",
            "Change your password; every earlier session token stops working",
        )
        .body::<me::PasswordBody>();
    r.add(Method::POST, "/me/email", me::change_email)
        .doc(
            "account",
            "Change your email: a link is sent to the new address",
        )
        .body::<me::EmailChangeBody>()
        .status(202);
    r.add(Method::GET, "/me/export", me::export_me)
        .doc(
            "account",
            "Everything about you: account, sign-in identities, workspaces and roles, alert settings, your audit entries (JSON; `format=zip` gives a ZIP of it with a CSV per table)",
        )
        .download();
    r.add(Method::DELETE, "/me", me::delete_me)
        .doc("account", "Delete your account")
        .body::<me::PasswordOnly>()
        .status(204);

    // /workspaces: create, list, read, rename or change plan, delete; and the audit log.
    r.add(Method::GET, "/workspaces", workspaces::list_workspaces)
        .doc("workspaces", "Workspaces you can see, with your role")
        .paged::<views::WorkspaceView>();
    r.add(Method::POST, "/workspaces", workspaces::create)
        .doc("workspaces", "Create a workspace; you become its owner")
        .body::<workspaces::CreateBody>()
        .status(201)
        .returns::<views::WorkspaceView>();
    r.add(Method::GET, "/workspaces/{ws}", workspaces::get)
        .doc("workspaces", "One workspace")
        .returns::<views::WorkspaceView>();
    r.add(Method::PATCH, "/workspaces/{ws}", workspaces::update)
        .doc(
            "workspaces",
            "Rename a workspace or change its plan (owner)",
        )
        .body::<workspaces::UpdateBody>()
        .returns::<views::WorkspaceView>();
    r.add(Method::DELETE, "/workspaces/{ws}", workspaces::delete)
        .doc(
            "workspaces",
            "Delete a workspace and everything in it (owner)",
        )
        .status(204);
    r.add(Method::GET, "/workspaces/{ws}/audit", workspaces::audit)
        .doc(
            "workspaces",
            "The workspace's audit log, newest first (owner)",
        )
        .paged::<views::AuditView>();

    // /workspaces/{ws}/members and /invitations: who belongs, with which role, and who is invited.
    r.add(
        Method::GET,
        "/workspaces/{ws}/members",
        plain::paged(services::workspaces::members, |m| {
            views::member(&m.user, m.role)
        }),
    )
    .doc("members", "Members and their roles")
    .paged::<views::MemberView>();
    r.add(Method::POST, "/workspaces/{ws}/members", members::invite)
        .doc(
            "members",
            "Invite someone by email with a role (owner); they get a single-use link",
        )
        .body::<members::InviteBody>()
        .status(201)
        .returns::<views::InvitationView>();
    r.add(
        Method::PATCH,
        "/workspaces/{ws}/members/{user}",
        members::set_role,
    )
    .doc("members", "Change a member's role (owner)")
    .body::<members::RoleBody>();
    r.add(
        Method::DELETE,
        "/workspaces/{ws}/members/{user}",
        plain::removal(services::workspaces::remove_member),
    )
    .doc("members", "Remove a member (owner)")
    .status(204);
    r.add(
        Method::GET,
        "/workspaces/{ws}/invitations",
        plain::paged(services::workspaces::invitations, |i| views::invitation(&i)),
    )
    .doc("members", "Pending invitations")
    .paged::<views::InvitationView>();
    r.add(
        Method::DELETE,
        "/workspaces/{ws}/invitations/{id}",
        plain::removal(services::invitations::revoke),
    )
    .doc(
        "members",
        "Revoke an invitation; its link stops working (owner)",
    )
    .status(204);

    // /workspaces/{ws}/api-keys: create (shown once), list, revoke.
    r.add(
        Method::GET,
        "/workspaces/{ws}/api-keys",
        plain::paged(services::api_keys::list, |k| views::api_key(&k)),
    )
    .doc(
        "api-keys",
        "API keys of the workspace, with their last use (owner)",
    )
    .paged::<views::ApiKeyView>();
    r.add(Method::POST, "/workspaces/{ws}/api-keys", keys::create)
        .doc(
            "api-keys",
            "Create an API key; the key is in this answer only (owner)",
        )
        .body::<keys::CreateBody>()
        .status(201)
        .returns::<views::CreatedKeyView>();
    r.add(
        Method::DELETE,
        "/workspaces/{ws}/api-keys/{id}",
        plain::removal(services::api_keys::revoke),
    )
    .doc("api-keys", "Revoke an API key (owner)")
    .status(204);

    // /admin: instance-wide traffic and bans, for instance administrators.
    r.add(Method::GET, "/admin/traffic", admin::traffic_summary)
        .doc(
            "admin",
            "Requests per minute, statuses, top paths and clients, blocks (instance admin)",
        )
        .query::<admin::MinutesQuery>();
    r.add(Method::GET, "/admin/bans", admin::bans)
        .doc("admin", "Clients banned right now (instance admin)")
        .returns::<views::List<views::BanView>>();
    r.add(Method::POST, "/admin/test-email", admin::test_email)
        .doc(
            "admin",
            "Send a test email straight through the relay; reports each stage (dns, connect, tls, authentication, sender, recipient, data) and the likely fix of a failed one (instance admin)",
        )
        .body::<admin::TestEmailBody>()
        .returns::<crate::mail::probe::Report>();
    r.add(Method::DELETE, "/admin/bans/{client}", admin::lift)
        .doc("admin", "Lift a ban (instance admin)")
        .status(204);
}
