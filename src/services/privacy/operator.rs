//! Requests run by the operator from the command line (`plaudit privacy ...`), in one
//! workspace or in every workspace that holds the address.

use super::{email_of, erase_found, export_of, find, restrict_in, subject_label};
use crate::domain::{Id, Workspace};
use crate::services::{Error, Result};
use crate::store::{PageRequest, Store};
use serde_json::Value;

/// A request run by the operator from the command line: in `workspace`, or in every workspace
/// holding the address. The audit entry names the command line as the actor.
pub fn by_operator(
    store: &Store,
    relay: &str,
    action: &str,
    email: &str,
    workspace: Option<&str>,
    now: time::OffsetDateTime,
) -> Result<Value> {
    let email = email_of(email)?;
    let workspaces: Vec<Workspace> = match workspace {
        Some(raw) => {
            let id: Id<Workspace> = raw
                .parse()
                .map_err(|_| Error::Invalid(format!("`{raw}` is not a workspace id")))?;
            vec![store.workspaces().get(&id)?.ok_or_else(|| {
                Error::Invalid(format!("`{raw}` is not a workspace of this instance"))
            })?]
        }
        None => {
            let mut all = Vec::new();
            let mut req = PageRequest::first(200);
            loop {
                let page = store.workspaces().page_all(&req)?;
                all.extend(page.items);
                match page.next {
                    Some(n) => req.cursor = Some(n),
                    None => break all,
                }
            }
        }
    };
    let mut out = serde_json::Map::new();
    for ws in workspaces {
        let found = find(store, &ws.id, &email)?;
        let holds =
            found.contact.is_some() || found.suppression.is_some() || !found.messages.is_empty();
        if !holds && workspace.is_none() {
            continue;
        }
        let label = subject_label(found.contact.as_ref());
        let v = match action {
            "export" => export_of(relay, &ws, &email, &found),
            "erase" => serde_json::to_value(erase_found(store, &ws.id, &email, found, now)?)
                .unwrap_or_default(),
            "restrict" => {
                serde_json::to_value(restrict_in(store, &ws.id, &email)?).unwrap_or_default()
            }
            other => {
                return Err(Error::Invalid(format!(
                    "`{other}`: the actions are export, erase and restrict"
                )));
            }
        };
        let entry = crate::domain::AuditEntry {
            at: now,
            actor: "cli".into(),
            actor_label: "plaudit privacy (operator)".into(),
            action: format!("privacy.{action}"),
            target: label,
            ip: String::new(),
        };
        store.audit().append(&ws.id, &entry)?;
        out.insert(ws.id.to_string(), v);
    }
    Ok(Value::Object(out))
}
