//! The access export: every record about one person, with where it came from, why it is held,
//! how long it is kept and who else received it.

use super::Found;
use crate::domain::{Email, Workspace};
use serde_json::{Value, json};

/// A time as RFC 3339 text, as every export writes it.
pub(super) fn time(t: time::OffsetDateTime) -> String {
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
            "campaign_id": x.campaign.map(|c| c.to_string()),
            "scale": x.scale,
            "score": x.score,
            "comment": x.comment,
            "at": time(x.at),
            "publish_consent": x.publish_consent,
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
        "client_reports": f.report_plans.iter().map(|p| {
            let me = p.recipients.iter().find(|r| {
                matches!(&r.to, crate::domain::RecipientTo::Email(a) if a == email)
            });
            json!({
                "report": p.name,
                "report_id": p.id.to_string(),
                "schedule": p.cadence.describe(),
                "last_sent_at": p.last_sent_at.map(time),
                "unsubscribed_at": me.and_then(|r| r.unsubscribed_at).map(time),
                "purpose": "sending the business its review reports",
                "kept": "until the address is taken off the report, the report is deleted, or erased",
                "shared_with": [format!("the SMTP relay ({relay})")],
            })
        }).collect::<Vec<_>>(),
    })
}
