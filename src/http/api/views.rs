//! JSON shapes of what the API returns (never a stored record as is: no hashes leave).

use crate::domain::{ApiKey, AuditEntry, Invitation, Location, Role, User, Workspace};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub fn time(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

pub fn user(u: &User) -> Value {
    json!({"id": u.id, "email": u.email, "name": u.name, "email_verified": u.email_verified, "instance_admin": u.instance_admin})
}

pub fn workspace(w: &Workspace, role: Option<Role>) -> Value {
    json!({"id": w.id, "name": w.name, "plan": w.plan, "created_at": time(w.created_at), "role": role.map(Role::as_str)})
}

pub fn member(u: &User, role: Role) -> Value {
    json!({"user_id": u.id, "email": u.email, "name": u.name, "role": role.as_str()})
}

pub fn invitation(i: &Invitation) -> Value {
    json!({"id": i.id, "email": i.email, "role": i.role.as_str(), "created_at": time(i.created_at), "expires_at": time(i.expires_at)})
}

pub fn api_key(k: &ApiKey) -> Value {
    json!({"id": k.id, "name": k.name, "scopes": k.scopes, "created_at": time(k.created_at), "last_used_at": k.last_used_at.map(time)})
}

pub fn location(l: &Location) -> Value {
    json!({
        "id": l.id, "name": l.name, "address": l.address, "timezone": l.timezone,
        "google_review_url": l.google_review_url, "facebook_page_url": l.facebook_page_url,
        "archived": l.archived, "created_at": time(l.created_at)
    })
}

pub fn audit(a: &AuditEntry) -> Value {
    json!({"at": time(a.at), "actor": a.actor, "actor_label": a.actor_label, "action": a.action, "target": a.target, "ip": a.ip})
}
