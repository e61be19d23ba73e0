//! Bounces that arrive later, as delivery-status notifications (RFC 3464) in the sender's
//! mailbox: matched back to their campaign and contact by the `X-Plaudit-*` headers every
//! campaign message carries (a DSN quotes the original headers). A permanent failure marks
//! the recipient bounced and suppresses the address; a delay changes nothing.

use super::{Error, Result};
use crate::domain::{Campaign, Contact, Id, Suppression, SuppressionReason, Workspace};
use crate::store::Store;
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Bounce {
    pub workspace: String,
    pub campaign: String,
    pub contact: String,
    /// `permanent` (recorded, address suppressed) or `temporary` (ignored).
    pub kind: String,
    pub status: String,
}

fn header(raw: &str, name: &str) -> Option<String> {
    raw.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}

/// Reads a DSN and records what it says. `Err(Invalid)` when it is not about a campaign
/// message of this instance.
pub fn record(store: &Store, raw: &str, now: OffsetDateTime) -> Result<Bounce> {
    let bad = |what: &str| Error::Invalid(format!("not a bounce of a campaign message: {what}"));
    let ws: Id<Workspace> = header(raw, "X-Plaudit-Workspace")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| bad("no X-Plaudit-Workspace header"))?;
    let campaign: Id<Campaign> = header(raw, "X-Plaudit-Campaign")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| bad("no X-Plaudit-Campaign header"))?;
    let contact_id: Id<Contact> = header(raw, "X-Plaudit-Contact")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| bad("no X-Plaudit-Contact header"))?;
    let status = header(raw, "Status").unwrap_or_default();
    let action = header(raw, "Action")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let permanent = status.starts_with('5') || (status.is_empty() && action == "failed");
    let mut out = Bounce {
        workspace: ws.to_string(),
        campaign: campaign.to_string(),
        contact: contact_id.to_string(),
        kind: if permanent { "permanent" } else { "temporary" }.into(),
        status: status.clone(),
    };
    if !permanent {
        return Ok(out);
    }
    let Some(contact) = store.contacts().get(&ws, &contact_id)? else {
        out.kind = "unknown contact (deleted or erased)".into();
        return Ok(out);
    };
    let diagnostic = header(raw, "Diagnostic-Code").unwrap_or_else(|| format!("status {status}"));
    store
        .campaigns()
        .update_recipient(&campaign, &contact_id, |r| {
            let first = r.bounced.is_none();
            if first {
                r.bounced = Some(format!(
                    "bounced later: {}",
                    crate::domain::without_addresses(&diagnostic)
                ));
            }
            first
        })?;
    store.contacts().suppress(
        &ws,
        &contact.email,
        &Suppression {
            reason: SuppressionReason::Bounced,
            at: now,
        },
    )?;
    Ok(out)
}
