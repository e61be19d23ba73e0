//! Requests run by the operator from the command line (`plaudit privacy ...`), in one
//! workspace or in every workspace that holds the person.

use super::reviewers::{self, Reviewer};
use super::{
    Correction, email_of, erase_found, export_of, find, object_in, rectify_in, restrict_in,
    subject_label,
};
use crate::domain::{Access, Email, Id, Workspace};
use crate::services::auth::Actor;
use crate::services::{Ctx, Error, Result};
use crate::store::{PageRequest, Store};
use serde_json::Value;

/// Who an operator's request is about: a customer by address, or a reviewer by name or
/// provider id.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Who {
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub provider_id: Option<String>,
    /// Network addresses the person used (they tell us): erasure removes the request log's
    /// entries from them.
    #[serde(default)]
    pub ips: Vec<String>,
    /// With rectify: the customer's name as it should be.
    #[serde(default)]
    pub set_name: Option<String>,
    /// With rectify: the address the customer really has.
    #[serde(default)]
    pub new_email: Option<String>,
}

/// A request run by the operator from the command line: in `workspace`, or in every workspace
/// holding the person. The audit entry names the operator as the actor.
pub fn by_operator(
    ctx: &Ctx,
    operator: &Actor,
    relay: &str,
    action: &str,
    who: &Who,
    workspace: Option<&str>,
) -> Result<Value> {
    let (store, now) = (&ctx.store, ctx.clock.now());
    if !["export", "erase", "restrict", "rectify", "object"].contains(&action) {
        return Err(Error::Invalid(format!(
            "`{action}`: the actions are export, erase, restrict, rectify and object"
        )));
    }
    let fix = Correction {
        name: who.set_name.clone(),
        new_email: who.new_email.clone(),
    };
    if action != "rectify" && (fix.name.is_some() || fix.new_email.is_some()) {
        return Err(Error::Invalid(
            "--set-name and --new-email go with rectify".into(),
        ));
    }
    let email = who.email.as_deref().map(email_of).transpose()?;
    let reviewer = match (&email, &who.name, &who.provider_id) {
        (Some(_), _, _) => None,
        (None, None, None) if !who.ips.is_empty() => None,
        _ => Some(Reviewer::new(who.name.clone(), who.provider_id.clone())?),
    };
    if reviewer.is_some() && !["export", "erase", "restrict"].contains(&action) {
        return Err(Error::Invalid(format!(
            "{action} is about a customer: give --email (a reviewer's text is the provider's to correct)"
        )));
    }
    let ips = who
        .ips
        .iter()
        .map(|raw| {
            raw.trim()
                .parse::<std::net::IpAddr>()
                .map(|ip| ip.to_string())
                .map_err(|_| Error::Invalid(format!("`{raw}` is not an IP address")))
        })
        .collect::<Result<Vec<_>>>()?;
    if !ips.is_empty() && action != "erase" {
        return Err(Error::Invalid("--ip goes with erase".into()));
    }
    let mut out = serde_json::Map::new();
    if !ips.is_empty() {
        let forgotten = store
            .traffic()
            .forget_clients(&ips.iter().cloned().collect())?;
        out.insert(
            "request_log".into(),
            serde_json::json!({ "removed": forgotten }),
        );
    }
    for ws in workspaces(store, workspace)? {
        let done = match (&email, &reviewer) {
            (Some(email), _) => about_customer(store, relay, action, &ws, email, &fix, now)?,
            (None, Some(r)) => about_reviewer(store, action, &ws, r, now)?,
            (None, None) => None,
        };
        let (v, label) = match done {
            Some(done) => done,
            None if workspace.is_none() => continue,
            None => (Value::Null, "nobody with records here".into()),
        };
        let here = ctx.enter_as(operator, &ws.id, Access::Admin)?;
        store
            .audit()
            .append(&ws.id, &here.audit(&format!("privacy.{action}"), &label))?;
        out.insert(ws.id.to_string(), v);
    }
    Ok(Value::Object(out))
}

fn workspaces(store: &Store, workspace: Option<&str>) -> Result<Vec<Workspace>> {
    if let Some(raw) = workspace {
        let id: Id<Workspace> = raw
            .parse()
            .map_err(|_| Error::Invalid(format!("`{raw}` is not a workspace id")))?;
        return Ok(vec![store.workspaces().get(&id)?.ok_or_else(|| {
            Error::Invalid(format!("`{raw}` is not a workspace of this instance"))
        })?]);
    }
    let mut all = Vec::new();
    let mut req = PageRequest::first(200);
    loop {
        let page = store.workspaces().page_all(&req)?;
        all.extend(page.items);
        match page.next {
            Some(n) => req.cursor = Some(n),
            None => return Ok(all),
        }
    }
}

/// One workspace's part of a request about a customer: None when it holds nothing about them.
fn about_customer(
    store: &Store,
    relay: &str,
    action: &str,
    ws: &Workspace,
    email: &Email,
    fix: &Correction,
    now: time::OffsetDateTime,
) -> Result<Option<(Value, String)>> {
    let found = find(store, &ws.id, email)?;
    let nothing =
        found.contact.is_none() && found.suppression.is_none() && found.messages.is_empty();
    // An objection stands even where nothing is held yet; a correction needs a contact.
    if (nothing && action != "object") || (action == "rectify" && found.contact.is_none()) {
        return Ok(None);
    }
    let label = subject_label(found.contact.as_ref());
    let counts = match action {
        "export" => return Ok(Some((export_of(relay, ws, email, &found), label))),
        "erase" => erase_found(store, &ws.id, email, found, now)?,
        "rectify" => rectify_in(store, &ws.id, email, fix)?,
        "object" => object_in(store, &ws.id, email, now)?,
        _ => restrict_in(store, &ws.id, email)?,
    };
    let v = serde_json::to_value(counts).unwrap_or_default();
    Ok(Some((v, label)))
}

/// One workspace's part of a request about a reviewer: None when it holds nothing by them.
fn about_reviewer(
    store: &Store,
    action: &str,
    ws: &Workspace,
    who: &Reviewer,
    now: time::OffsetDateTime,
) -> Result<Option<(Value, String)>> {
    let found = reviewers::find(store, &ws.id, who)?;
    if found.items.is_empty() {
        return Ok(None);
    }
    let label = who.label(found.items.len());
    let v = match action {
        "export" => reviewers::export_of(ws, &found),
        "restrict" => serde_json::to_value(reviewers::restrict_found(store, &ws.id, who, found)?)
            .unwrap_or_default(),
        _ => serde_json::to_value(reviewers::erase_found(store, &ws.id, found, now)?)
            .unwrap_or_default(),
    };
    Ok(Some((v, label)))
}
