//! A user's own data (portability, and a user's access request): their account, sign-in
//! identities, workspaces with roles, alert settings and what they did, as one JSON document.

use super::export::time;
use crate::services::auth::Principal;
use crate::services::{Ctx, Result};
use serde_json::{Value, json};

pub fn export(ctx: &Ctx, principal: &Principal) -> Result<Value> {
    let user = principal.user()?.clone();
    let actor = format!("user:{}", user.id);
    let mut workspaces = Vec::new();
    for (ws, role) in ctx.store.workspaces().all_of_user(&user.id)? {
        let Some(w) = ctx.store.workspaces().get(&ws)? else {
            continue;
        };
        let alerts = ctx.store.alerts().prefs(&ws, &user.id)?;
        // What they did here: their entries of the audit log, newest first (at most 10,000).
        let mut actions = Vec::new();
        let mut before: Option<Vec<u8>> = None;
        while actions.len() < 10_000 {
            let (page, next) = ctx.store.audit().page(&ws, before.as_deref(), 500)?;
            actions.extend(page.into_iter().filter(|e| e.actor == actor).map(
                |e| json!({"at": time(e.at), "action": e.action, "target": e.target, "ip": e.ip}),
            ));
            match next {
                Some(n) => before = Some(n),
                None => break,
            }
        }
        workspaces.push(json!({
            "id": w.id.to_string(),
            "name": w.name,
            "role": role.as_str(),
            "alerts": alerts,
            "actions": actions,
        }));
    }
    Ok(json!({
        "format": "plaudit-account-export-1",
        "account": {
            "id": user.id.to_string(),
            "email": user.email.as_str(),
            "name": user.name,
            "created_at": time(user.created_at),
            "email_verified": user.email_verified,
            "instance_admin": user.instance_admin,
            "purpose": "your account on this Plaudit instance",
            "kept": "until you delete your account",
        },
        "sign_in_identities": user.identities.iter().map(|i| json!({
            "provider": i.provider,
            "subject": i.subject,
            "email": i.email,
            "name": i.name,
        })).collect::<Vec<_>>(),
        "workspaces": workspaces,
    }))
}
