//! Data-subject requests about an outsider (a customer asked for feedback) in one workspace,
//! found by email: access (export), erasure, restriction. Each is recorded in the audit log
//! without the address itself.

use super::auth::Principal;
use super::{Ctx, Error, Result, audit};
use crate::domain::{
    Access, Campaign, Contact, Email, Feedback, Id, OutboxMessage, Recipient, Suppression,
    SuppressionReason, Workspace,
};
use crate::store::{PageRequest, Store, journal};
use serde::Serialize;
use serde_json::{Value, json};

/// Everything the workspace holds about one address.
pub struct Found {
    pub contact: Option<Contact>,
    pub suppression: Option<Suppression>,
    pub recipients: Vec<(Campaign, Recipient)>,
    pub feedback: Vec<Feedback>,
    pub messages: Vec<OutboxMessage>,
}

fn campaigns_of(store: &Store, ws: &Id<Workspace>) -> Result<Vec<Campaign>> {
    let mut out = Vec::new();
    let mut req = PageRequest::first(200);
    loop {
        let page = store.campaigns().page(ws, &req)?;
        out.extend(page.items);
        match page.next {
            Some(n) => req.cursor = Some(n),
            None => return Ok(out),
        }
    }
}

/// Collects every record about `email` in `ws` (a scan of the workspace's campaigns, feedback
/// and the outbox: this is an administrative request, not a page).
pub fn find(store: &Store, ws: &Id<Workspace>, email: &Email) -> Result<Found> {
    let contact = store.contacts().by_email(ws, email)?;
    let suppression = store.contacts().suppression(ws, email)?;
    let mut recipients = Vec::new();
    let mut feedback = Vec::new();
    if let Some(c) = &contact {
        for campaign in campaigns_of(store, ws)? {
            if let Some(r) = store.campaigns().recipient(&campaign.id, &c.id)? {
                recipients.push((campaign, r));
            }
        }
        let mut req = PageRequest::first(200);
        loop {
            let page = store.campaigns().feedback_page(ws, &req)?;
            feedback.extend(page.items.into_iter().filter(|f| f.contact == c.id));
            match page.next {
                Some(n) => req.cursor = Some(n),
                None => break,
            }
        }
    }
    let address = format!("<{}>", email.as_str());
    let messages = store
        .outbox()
        .all()?
        .into_iter()
        .filter(|m| {
            let ours = m.campaign.as_ref().is_some_and(|l| {
                l.workspace == *ws && contact.as_ref().is_some_and(|c| c.id == l.contact)
            });
            ours || (m.campaign.as_ref().is_some_and(|l| l.workspace == *ws)
                && (m.to == email.as_str() || m.to.ends_with(&address)))
        })
        .collect();
    Ok(Found {
        contact,
        suppression,
        recipients,
        feedback,
        messages,
    })
}

fn time(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The export: every record, where it came from, why it is held, how long, and who else saw it.
pub fn export_of(relay: &str, ws: &Workspace, email: &Email, f: &Found) -> Value {
    json!({
        "subject": {"email": email.as_str()},
        "controller": {"workspace": ws.name, "workspace_id": ws.id.to_string()},
        "contact": f.contact.as_ref().map(|c| json!({
            "id": c.id.to_string(),
            "email": c.email.as_str(),
            "name": c.name,
            "location": c.location.map(|l| l.to_string()),
            "added_at": time(c.created_at),
            "last_asked_at": c.last_asked_at.map(time),
            "restricted": c.restricted,
            "source": c.source,
            "lawful_basis": c.consent.name(),
            "purpose": "asking for feedback about a visit",
            "kept": "until the contact is deleted or erased",
            "shared_with": [],
        })),
        "suppression": f.suppression.as_ref().map(|s| json!({
            "reason": s.reason.name(),
            "since": time(s.at),
            "purpose": "never emailing this address again",
            "kept": "for as long as the workspace exists, as a keyed hash of the address",
        })),
        "campaign_messages": f.recipients.iter().map(|(c, r)| json!({
            "campaign": c.name,
            "campaign_id": c.id.to_string(),
            "queued_at": r.queued_at.map(time),
            "delivered_at": r.delivered_at.map(time),
            "bounced": r.bounced,
            "reminded_at": r.reminded_at.map(time),
            "opened_at": r.opened_at.map(time),
            "clicked_at": r.clicked_at.map(time),
            "rated_at": r.rated_at.map(time),
            "unsubscribed_at": r.unsubscribed_at.map(time),
            "shared_with": [format!("the SMTP relay ({relay})")],
        })).collect::<Vec<_>>(),
        "feedback": f.feedback.iter().map(|x| json!({
            "id": x.id.to_string(),
            "campaign_id": x.campaign.to_string(),
            "scale": x.scale,
            "score": x.score,
            "comment": x.comment,
            "at": time(x.at),
            "purpose": "telling the business how the visit went",
            "shared_with": [],
        })).collect::<Vec<_>>(),
        "outgoing_mail": f.messages.iter().map(|m| json!({
            "message_id": m.message_id,
            "to": m.to,
            "subject": m.subject,
            "state": m.state.name(),
            "created_at": time(m.created_at),
            "shared_with": [format!("the SMTP relay ({relay})")],
        })).collect::<Vec<_>>(),
    })
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Counts {
    pub contacts: usize,
    pub campaign_messages: usize,
    pub feedback: usize,
    pub outgoing_mail: usize,
    /// 1 when the address is (now) on the suppression list as a keyed hash.
    pub suppressed: usize,
}

fn workspace(ctx: &Ctx, principal: &Principal, ws: &Id<Workspace>) -> Result<Workspace> {
    Ok(ctx.enter(principal, ws, Access::Admin)?.workspace)
}

fn email_of(raw: &str) -> Result<Email> {
    Email::parse(raw).map_err(Error::Invalid)
}

pub fn export(
    ctx: &Ctx,
    principal: &Principal,
    ip: &str,
    ws: &Id<Workspace>,
    email: &str,
) -> Result<Value> {
    let w = workspace(ctx, principal, ws)?;
    let email = email_of(email)?;
    let found = find(&ctx.store, ws, &email)?;
    audit::record(
        ctx,
        ws,
        principal,
        ip,
        "privacy.exported",
        &subject_label(&found),
    );
    Ok(export_of(&relay_of(ctx), &w, &email, &found))
}

/// Who receives campaign mail on our behalf, for exports.
pub fn relay_of(ctx: &Ctx) -> String {
    ctx.config
        .smtp
        .host
        .clone()
        .unwrap_or_else(|| "none: mail is kept as files on this server".into())
}

/// Who a request was about, for the audit log, without the address.
pub fn subject_label(f: &Found) -> String {
    f.contact.as_ref().map_or_else(
        || "an address with no contact".into(),
        |c| format!("contact {}", c.id),
    )
}

/// Erases every record about `email` in `ws`; the address stays only as a keyed hash on the
/// suppression list, so it is never mailed again. Journaled first (see `store::journal`).
pub fn erase_in(
    store: &Store,
    ws: &Id<Workspace>,
    email: &Email,
    now: time::OffsetDateTime,
) -> Result<Counts> {
    let key = store.contacts().email_key(ws, email)?;
    journal::append(
        store.data_dir(),
        &journal::Erasure {
            at: now,
            workspace: *ws,
            key: key.to_vec(),
        },
    )?;
    // Mail addressed to them without a contact (one deleted earlier) is found by address.
    let stray = find(store, ws, email)?.messages;
    let mut counts = erase_key(store, ws, &key, now)?;
    for m in stray {
        counts.outgoing_mail += usize::from(store.outbox().remove(&m.id)?);
    }
    Ok(counts)
}

/// Erases what is found by the keyed hash of an address: its contact with everything linked to
/// it, and a suppression by that hash. Also how the journal is replayed after a restore.
pub fn erase_key(
    store: &Store,
    ws: &Id<Workspace>,
    key: &[u8],
    now: time::OffsetDateTime,
) -> Result<Counts> {
    let mut counts = Counts::default();
    if let Some(c) = store.contacts().by_email_key(ws, key)? {
        for m in store.outbox().all()? {
            if m.campaign
                .as_ref()
                .is_some_and(|l| l.workspace == *ws && l.contact == c.id)
            {
                counts.outgoing_mail += usize::from(store.outbox().remove(&m.id)?);
            }
        }
        let mut req = PageRequest::first(200);
        loop {
            let page = store.campaigns().feedback_page(ws, &req)?;
            for f in page.items.iter().filter(|f| f.contact == c.id) {
                counts.feedback += usize::from(store.campaigns().remove_feedback(ws, &f.id)?);
            }
            match page.next {
                Some(n) => req.cursor = Some(n),
                None => break,
            }
        }
        for campaign in campaigns_of(store, ws)? {
            counts.campaign_messages +=
                usize::from(store.campaigns().remove_recipient(&campaign.id, &c.id)?);
        }
        counts.contacts += usize::from(store.contacts().delete(ws, &c.id)?);
    }
    store.contacts().suppress_key(
        key,
        &Suppression {
            reason: SuppressionReason::Erased,
            at: now,
        },
    )?;
    counts.suppressed = 1;
    Ok(counts)
}

/// Carries out every journaled erasure again (after a restore; harmless when already done).
pub fn replay_journal(store: &Store, now: time::OffsetDateTime) -> Result<usize> {
    let entries = journal::read(store.data_dir())?;
    for e in &entries {
        erase_key(store, &e.workspace, &e.key, now)?;
    }
    Ok(entries.len())
}

pub fn erase(
    ctx: &Ctx,
    principal: &Principal,
    ip: &str,
    ws: &Id<Workspace>,
    email: &str,
) -> Result<Counts> {
    workspace(ctx, principal, ws)?;
    let email = email_of(email)?;
    let label = subject_label(&find(&ctx.store, ws, &email)?);
    let counts = erase_in(&ctx.store, ws, &email, ctx.clock.now())?;
    audit::record(ctx, ws, principal, ip, "privacy.erased", &label);
    Ok(counts)
}

/// Keeps the records but stops processing them: no mail (checked again at send time), no
/// alerts about their feedback.
pub fn restrict_in(store: &Store, ws: &Id<Workspace>, email: &Email) -> Result<Counts> {
    let mut counts = Counts::default();
    if let Some(mut c) = store.contacts().by_email(ws, email)? {
        c.restricted = true;
        store.contacts().put(&c)?;
        counts.contacts = 1;
    }
    Ok(counts)
}

pub fn restrict(
    ctx: &Ctx,
    principal: &Principal,
    ip: &str,
    ws: &Id<Workspace>,
    email: &str,
) -> Result<Counts> {
    workspace(ctx, principal, ws)?;
    let email = email_of(email)?;
    let label = subject_label(&find(&ctx.store, ws, &email)?);
    let counts = restrict_in(&ctx.store, ws, &email)?;
    audit::record(ctx, ws, principal, ip, "privacy.restricted", &label);
    Ok(counts)
}

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
        let label = subject_label(&found);
        let v = match action {
            "export" => export_of(relay, &ws, &email, &found),
            "erase" => {
                serde_json::to_value(erase_in(store, &ws.id, &email, now)?).unwrap_or_default()
            }
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
