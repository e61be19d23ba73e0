//! Where mail stands, told honestly: a campaign is "delivered" only once the relay took its
//! messages, and "waiting for the mail relay" while the outbox cannot deliver them.

use super::{Ctx, Result};
use crate::domain::{Campaign, CampaignStatus, DeliveryState, Funnel, RelayHealth};
use time::OffsetDateTime;

/// A campaign's mail, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignMail {
    /// draft, scheduled, paused, sending, waiting for the mail relay, waiting for the
    /// reminder, delivered, failed, or done (nobody to mail).
    pub label: &'static str,
    /// Whether the label is trouble (failed, waiting for the relay).
    pub trouble: bool,
}

/// The label for a campaign with `funnel` (None: not counted, because nothing waits in the
/// outbox) while the relay is `relay`.
pub fn of(c: &Campaign, funnel: Option<&Funnel>, relay: &RelayHealth) -> CampaignMail {
    let ok = |label| CampaignMail {
        label,
        trouble: false,
    };
    let waiting = funnel.map_or(0, |f| f.waiting);
    match c.status {
        CampaignStatus::Draft => ok("draft"),
        CampaignStatus::Scheduled => ok("scheduled"),
        CampaignStatus::Paused => ok("paused"),
        _ if (waiting > 0 || c.status == CampaignStatus::Sending) && relay.is_failing() => {
            CampaignMail {
                label: "waiting for the mail relay",
                trouble: true,
            }
        }
        _ if waiting > 0 || c.status == CampaignStatus::Sending => ok("sending"),
        CampaignStatus::WaitingReminder => ok("waiting for the reminder"),
        CampaignStatus::Done => match funnel {
            Some(f) if f.queued == 0 => ok("done: nobody to mail"),
            Some(f) if f.delivered == 0 && f.failed + f.bounced > 0 => CampaignMail {
                label: "failed",
                trouble: true,
            },
            _ => ok("delivered"),
        },
        CampaignStatus::Sending => ok("sending"),
    }
}

/// The outbox at a glance, for the Mail page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxSummary {
    pub queued: u64,
    pub sending: u64,
    pub sent: u64,
    pub failed: u64,
    pub cancelled: u64,
    /// When the oldest message still waiting was queued.
    pub oldest_waiting: Option<OffsetDateTime>,
    /// The latest errors (newest first, at most 5): when, and what the relay said.
    pub last_errors: Vec<(OffsetDateTime, String)>,
}

/// Reads every stored message: an admin page's cost (retention keeps the outbox short).
pub fn outbox_summary(ctx: &Ctx) -> Result<OutboxSummary> {
    let mut s = OutboxSummary::default();
    let mut errors = Vec::new();
    for m in ctx.store.outbox().all()? {
        match &m.state {
            DeliveryState::Queued => s.queued += 1,
            DeliveryState::Leased { .. } => s.sending += 1,
            DeliveryState::Sent { .. } => s.sent += 1,
            DeliveryState::Failed { at, reason } => {
                s.failed += 1;
                errors.push((*at, reason.clone()));
            }
            DeliveryState::Cancelled { .. } => s.cancelled += 1,
        }
        if matches!(
            m.state,
            DeliveryState::Queued | DeliveryState::Leased { .. }
        ) {
            s.oldest_waiting = Some(
                s.oldest_waiting
                    .map_or(m.created_at, |o| o.min(m.created_at)),
            );
            if let Some(e) = &m.last_error {
                errors.push((m.due_at, e.clone()));
            }
        }
    }
    errors.sort_by_key(|e| std::cmp::Reverse(e.0));
    errors.truncate(5);
    s.last_errors = errors
        .into_iter()
        .map(|(at, e)| (at, crate::domain::without_addresses(&e)))
        .collect();
    Ok(s)
}

/// The relay's record, and whether mail waits in the outbox: the banner shows when both.
pub fn relay(ctx: &Ctx) -> Result<(RelayHealth, bool)> {
    let health = ctx.store.meta().relay_health()?;
    Ok((health, ctx.store.outbox().pending() > 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Audience, Id, parse_message};

    fn campaign(status: CampaignStatus) -> Campaign {
        let now = OffsetDateTime::UNIX_EPOCH;
        Campaign {
            id: Id::generate(now),
            workspace: Id::generate(now),
            name: "c".into(),
            location: None,
            message: parse_message("s", "t", None).unwrap(),
            audience: Audience::default(),
            reminder_days: None,
            daily_cap: None,
            status,
            send_at: None,
            cursor: None,
            reminder_cursor: None,
            sent_on_day: (0, 0),
            created_at: now,
            first_pass_done_at: Some(now),
            capped: 0,
        }
    }

    #[test]
    fn a_finished_campaign_with_deferred_mail_is_waiting_never_done() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let mut failing = RelayHealth::default();
        failing.failed(now, "451 try later", Some(now));
        let waiting = Funnel {
            queued: 3,
            delivered: 1,
            waiting: 2,
            ..Funnel::default()
        };
        let done = campaign(CampaignStatus::Done);
        let label = |f: &Funnel, r: &RelayHealth| of(&done, Some(f), r).label;
        assert_eq!(label(&waiting, &failing), "waiting for the mail relay");
        assert_eq!(label(&waiting, &RelayHealth::default()), "sending");
        let delivered = Funnel {
            queued: 3,
            delivered: 3,
            ..Funnel::default()
        };
        assert_eq!(label(&delivered, &failing), "delivered");
        let failed = Funnel {
            queued: 3,
            failed: 3,
            ..Funnel::default()
        };
        assert_eq!(label(&failed, &RelayHealth::default()), "failed");
        assert_eq!(
            label(&Funnel::default(), &RelayHealth::default()),
            "done: nobody to mail"
        );
        let sending = campaign(CampaignStatus::Sending);
        assert_eq!(
            of(&sending, None, &failing).label,
            "waiting for the mail relay"
        );
    }
}
