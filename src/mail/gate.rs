//! The last word before a campaign message leaves, and what its delivery means afterwards:
//! suppression and restriction are checked at send time, not only when the message was queued,
//! so an unsubscribe is honoured by messages already waiting in the outbox.

use super::SendError;
use crate::domain::{CampaignStatus, OutboxMessage, Suppression, SuppressionReason};
use crate::store::Store;
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    Send,
    /// Never send it: the reason is recorded.
    Cancel(String),
    /// Its campaign is paused: look again later, without counting an attempt.
    Wait,
}

pub fn check(store: &Store, msg: &OutboxMessage) -> anyhow::Result<Gate> {
    let Some(link) = &msg.campaign else {
        return Ok(Gate::Send);
    };
    let Some(contact) = store.contacts().get(&link.workspace, &link.contact)? else {
        return Ok(Gate::Cancel("the contact was deleted".into()));
    };
    if contact.restricted {
        return Ok(Gate::Cancel("the contact is restricted".into()));
    }
    if let Some(s) = store
        .contacts()
        .suppression(&link.workspace, &contact.email)?
    {
        return Ok(Gate::Cancel(format!(
            "the address is suppressed ({})",
            s.reason.name()
        )));
    }
    match store.campaigns().get(&link.workspace, &link.campaign)? {
        None => Ok(Gate::Cancel("the campaign was deleted".into())),
        Some(c) if c.status == CampaignStatus::Paused => Ok(Gate::Wait),
        Some(_) => Ok(Gate::Send),
    }
}

/// Records a campaign message's fate on its recipient; a permanent refusal suppresses the
/// address so that no later campaign tries it again.
pub fn record(
    store: &Store,
    msg: &OutboxMessage,
    result: Result<(), &SendError>,
    cancelled: Option<&str>,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let Some(link) = &msg.campaign else {
        return Ok(());
    };
    let campaigns = store.campaigns();
    match (cancelled, result) {
        (Some(reason), _) => {
            campaigns.update_recipient(&link.campaign, &link.contact, |r| {
                let first = r.skipped.is_none() && r.delivered_at.is_none();
                if first {
                    r.skipped = Some(reason.to_string());
                }
                first
            })?;
        }
        (None, Ok(())) => {
            campaigns.update_recipient(&link.campaign, &link.contact, |r| {
                let first = r.delivered_at.is_none();
                if first {
                    r.delivered_at = Some(now);
                }
                first
            })?;
        }
        (None, Err(SendError::Permanent(reason))) => {
            campaigns.update_recipient(&link.campaign, &link.contact, |r| {
                let first = r.bounced.is_none() && r.delivered_at.is_none();
                if first {
                    r.bounced = Some(crate::domain::without_addresses(reason));
                }
                first
            })?;
            if let Some(contact) = store.contacts().get(&link.workspace, &link.contact)? {
                let why = Suppression {
                    reason: SuppressionReason::Bounced,
                    at: now,
                };
                store
                    .contacts()
                    .suppress(&link.workspace, &contact.email, &why)?;
            }
        }
        (None, Err(SendError::Transient(_))) => {}
    }
    Ok(())
}

/// Records that the outbox gave up on a campaign message after retrying: its recipient is
/// failed, not waiting forever (the address is not suppressed: the relay, not it, failed).
pub fn record_given_up(store: &Store, msg: &OutboxMessage, reason: &str) -> anyhow::Result<()> {
    let Some(link) = &msg.campaign else {
        return Ok(());
    };
    store
        .campaigns()
        .update_recipient(&link.campaign, &link.contact, |r| {
            let first = r.failed.is_none() && r.delivered_at.is_none() && r.bounced.is_none();
            if first {
                r.failed = Some(crate::domain::without_addresses(reason));
            }
            first
        })?;
    Ok(())
}
