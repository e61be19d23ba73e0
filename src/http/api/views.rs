//! What the API answers, as types: never a stored record as is (no hashes leave), and the
//! OpenAPI document's response schemas are derived from these same types.

use crate::domain::{ApiKey, AuditEntry, Id, Invitation, Location, Role, User, Workspace};
use schemars::JsonSchema;
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub fn time(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// `{"items": [...], "next_cursor": ...}`: one page of a list.
#[derive(Serialize, JsonSchema)]
pub struct List<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; null on the last one.
    pub next_cursor: Option<String>,
}

#[derive(Serialize, JsonSchema)]
#[schemars(transparent)]
#[serde(transparent)]
pub struct IdView(#[schemars(regex(pattern = r"^[0-9a-f]{32}$"))] String);

impl<T> From<Id<T>> for IdView {
    fn from(id: Id<T>) -> Self {
        Self(id.to_string())
    }
}

#[derive(Serialize, JsonSchema)]
#[schemars(transparent)]
#[serde(transparent)]
pub struct Timestamp(#[schemars(extend("format" = "date-time"))] String);

impl From<OffsetDateTime> for Timestamp {
    fn from(t: OffsetDateTime) -> Self {
        Self(time(t))
    }
}

#[derive(Serialize, JsonSchema)]
pub struct UserView {
    pub id: IdView,
    pub email: String,
    pub name: String,
    pub email_verified: bool,
    pub instance_admin: bool,
}

pub fn user(u: &User) -> UserView {
    UserView {
        id: u.id.into(),
        email: u.email.to_string(),
        name: u.name.clone(),
        email_verified: u.email_verified,
        instance_admin: u.instance_admin,
    }
}

/// A workspace in `GET /me`.
#[derive(Serialize, JsonSchema)]
pub struct MyWorkspace {
    pub id: IdView,
    pub name: String,
    #[schemars(with = "crate::domain::Role")]
    pub role: &'static str,
}

/// `GET /me`: the caller and (the first 200 of) their workspaces.
#[derive(Serialize, JsonSchema)]
pub struct MeView {
    #[serde(flatten)]
    pub user: UserView,
    pub workspaces: Vec<MyWorkspace>,
}

#[derive(Serialize, JsonSchema)]
pub struct WorkspaceView {
    pub id: IdView,
    pub name: String,
    pub plan: String,
    pub created_at: Timestamp,
    /// The caller's role here (null where the answer does not say).
    #[schemars(with = "Option<crate::domain::Role>")]
    pub role: Option<&'static str>,
}

pub fn workspace(w: &Workspace, role: Option<Role>) -> WorkspaceView {
    WorkspaceView {
        id: w.id.into(),
        name: w.name.clone(),
        plan: w.plan.clone(),
        created_at: w.created_at.into(),
        role: role.map(Role::as_str),
    }
}

#[derive(Serialize, JsonSchema)]
pub struct MemberView {
    pub user_id: IdView,
    pub email: String,
    pub name: String,
    #[schemars(with = "crate::domain::Role")]
    pub role: &'static str,
}

pub fn member(u: &User, role: Role) -> MemberView {
    MemberView {
        user_id: u.id.into(),
        email: u.email.to_string(),
        name: u.name.clone(),
        role: role.as_str(),
    }
}

#[derive(Serialize, JsonSchema)]
pub struct InvitationView {
    pub id: IdView,
    pub email: String,
    #[schemars(with = "crate::domain::Role")]
    pub role: &'static str,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

pub fn invitation(i: &Invitation) -> InvitationView {
    InvitationView {
        id: i.id.into(),
        email: i.email.to_string(),
        role: i.role.as_str(),
        created_at: i.created_at.into(),
        expires_at: i.expires_at.into(),
    }
}

#[derive(Serialize, JsonSchema)]
pub struct ApiKeyView {
    pub id: IdView,
    pub name: String,
    pub scopes: Vec<crate::domain::Scope>,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

pub fn api_key(k: &ApiKey) -> ApiKeyView {
    ApiKeyView {
        id: k.id.into(),
        name: k.name.clone(),
        scopes: k.scopes.clone(),
        created_at: k.created_at.into(),
        last_used_at: k.last_used_at.map(Into::into),
    }
}

/// A new API key: the only answer that carries its secret.
#[derive(Serialize, JsonSchema)]
pub struct CreatedKeyView {
    #[serde(flatten)]
    pub api_key: ApiKeyView,
    /// `plk_...`: send as `Authorization: Bearer`. Shown this once.
    pub key: String,
}

#[derive(Serialize, JsonSchema)]
pub struct LocationView {
    pub id: IdView,
    pub name: String,
    pub address: String,
    pub timezone: String,
    pub google_review_url: Option<String>,
    pub facebook_page_url: Option<String>,
    pub archived: bool,
    pub created_at: Timestamp,
}

pub fn location(l: &Location) -> LocationView {
    LocationView {
        id: l.id.into(),
        name: l.name.clone(),
        address: l.address.clone(),
        timezone: l.timezone.clone(),
        google_review_url: l.google_review_url.clone(),
        facebook_page_url: l.facebook_page_url.clone(),
        archived: l.archived,
        created_at: l.created_at.into(),
    }
}

#[derive(Serialize, JsonSchema)]
pub struct AuditView {
    pub at: Timestamp,
    pub actor: String,
    pub actor_label: String,
    pub action: String,
    pub target: String,
    pub ip: String,
}

pub fn audit(a: &AuditEntry) -> AuditView {
    AuditView {
        at: a.at.into(),
        actor: a.actor.clone(),
        actor_label: a.actor_label.clone(),
        action: a.action.clone(),
        target: a.target.clone(),
        ip: a.ip.clone(),
    }
}

#[derive(Serialize, JsonSchema)]
pub struct BanView {
    pub client: String,
    pub until: Timestamp,
    pub reason: String,
}

/// `POST /auth/login`.
#[derive(Serialize, JsonSchema)]
pub struct SessionView {
    pub token: String,
    pub expires_at: Timestamp,
}
