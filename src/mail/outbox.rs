//! Queueing mail and the worker that delivers it: claim → send → record, one step at a time.

use super::gate::{self, Gate};
use super::templates::Rendered;
use super::{SendError, Transport, message as headers_of};
use crate::clock::SharedClock;
use crate::config::OutboxConfig;
use crate::domain::{DeliveryState, Email, Id, OutboxMessage};
use crate::store::Store;
use lettre::message::Mailbox;
use time::Duration;

/// How long a message of a paused campaign waits before it is looked at again.
const PAUSED_RETRY: Duration = Duration::seconds(30);

/// Stores a rendered email for `to`; durable once the caller flushes the store.
pub fn queue(
    store: &Store,
    now: time::OffsetDateTime,
    from: &Mailbox,
    to: &Email,
    email: Rendered,
    headers: Vec<(String, String)>,
) -> anyhow::Result<OutboxMessage> {
    let msg = message(now, from, to, email, headers);
    store.outbox().enqueue(&msg)?;
    Ok(msg)
}

/// A queued message, not yet stored: for changes that store their mail in their own transaction.
pub fn message(
    now: time::OffsetDateTime,
    from: &Mailbox,
    to: &Email,
    email: Rendered,
    headers: Vec<(String, String)>,
) -> OutboxMessage {
    let id = Id::generate(now);
    OutboxMessage {
        id,
        message_id: headers_of::message_id(&id, from),
        to: to.to_string(),
        from_name: None,
        subject: email.subject,
        text: email.text,
        html: email.html,
        headers,
        created_at: now,
        attempts: 0,
        due_at: now,
        state: DeliveryState::Queued,
        last_error: None,
        campaign: None,
        about: None,
        attachments: Vec::new(),
        reply_to: None,
    }
}

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Idle,
    Sent(Id<OutboxMessage>),
    Retry(Id<OutboxMessage>, String),
    Failed(Id<OutboxMessage>, String),
    /// A campaign message that must not go any more (suppressed, restricted, deleted).
    Cancelled(Id<OutboxMessage>, String),
    /// A campaign message whose campaign is paused: put back for later.
    Waiting(Id<OutboxMessage>),
}

/// Messages a second, when `smtp.rate_per_sec` caps them.
type Limiter = governor::DefaultDirectRateLimiter;

pub struct OutboxWorker {
    store: Store,
    transport: Transport,
    clock: SharedClock,
    config: OutboxConfig,
    deliveries: Option<prometheus::IntCounterVec>,
    limiter: Option<Limiter>,
}

impl OutboxWorker {
    pub fn config(&self) -> &OutboxConfig {
        &self.config
    }

    pub fn new(
        store: Store,
        transport: Transport,
        clock: SharedClock,
        config: OutboxConfig,
    ) -> Self {
        Self {
            store,
            transport,
            clock,
            config,
            deliveries: None,
            limiter: None,
        }
    }

    /// At most `per_sec` sends a second across every task sharing this worker (0: no cap).
    pub fn with_rate(mut self, per_sec: u32) -> Self {
        self.limiter = std::num::NonZeroU32::new(per_sec)
            .map(|n| governor::RateLimiter::direct(governor::Quota::per_second(n)));
        self
    }

    /// Counts each step's result in `outbox_deliveries_total{result}`.
    pub fn with_metrics(mut self, deliveries: prometheus::IntCounterVec) -> Self {
        self.deliveries = Some(deliveries);
        self
    }

    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Messages leased by a process that died are due again at once.
    pub fn recover(&self) -> anyhow::Result<usize> {
        self.store.outbox().release_leases(self.clock.now())
    }

    /// When the earliest message still to be delivered is due, if any.
    pub fn next_due(&self) -> anyhow::Result<Option<time::OffsetDateTime>> {
        self.store.outbox().next_due()
    }

    /// Claims one due message, sends it, records the result durably.
    pub async fn step(&self) -> anyhow::Result<Outcome> {
        let now = self.clock.now();
        let lease = Duration::seconds(i64::try_from(self.config.lease_secs).unwrap_or(300));
        let Some(msg) = self.store.outbox().claim_due(now, lease)? else {
            return Ok(Outcome::Idle);
        };
        match gate::check(&self.store, &msg)? {
            Gate::Send => {}
            Gate::Cancel(reason) => {
                // The recipient's record first: a kill between the two writes leaves the message
                // leased, so it is judged again after the restart (recording is idempotent);
                // the other order could leave a cancelled message whose recipient waits forever.
                gate::record(&self.store, &msg, Ok(()), Some(&reason), now)?;
                self.store.outbox().cancel(&msg.id, now, &reason)?;
                self.store.flush().await?;
                tracing::info!(id = %msg.id, %reason, "campaign mail cancelled");
                return Ok(Outcome::Cancelled(msg.id, reason));
            }
            Gate::Wait => {
                self.store.outbox().defer(&msg.id, now + PAUSED_RETRY)?;
                return Ok(Outcome::Waiting(msg.id));
            }
        }
        if let Some(limiter) = &self.limiter {
            limiter.until_ready().await;
        }
        let result = self.transport.send(&msg).await;
        let now = self.clock.now();
        gate::record(&self.store, &msg, result.as_ref().map(|_| ()), None, now)?;
        let outcome = match result {
            Ok(()) => {
                self.store.outbox().mark_sent(&msg.id, now)?;
                tracing::info!(id = %msg.id, attempts = msg.attempts, "mail sent");
                Outcome::Sent(msg.id)
            }
            Err(SendError::Transient(e)) if msg.attempts < self.config.max_attempts => {
                let at = now + self.backoff(&msg);
                self.store.outbox().reschedule(&msg.id, at, &e)?;
                tracing::warn!(id = %msg.id, attempts = msg.attempts, retry_at = %at, error = %e, "mail deferred");
                Outcome::Retry(msg.id, e)
            }
            Err(SendError::Transient(e)) => {
                let reason = format!("gave up after {} attempts: {e}", msg.attempts);
                // Recipient first, as for a cancelled message.
                gate::record_given_up(&self.store, &msg, &reason)?;
                self.store.outbox().mark_failed(&msg.id, now, &reason)?;
                tracing::error!(id = %msg.id, %reason, "mail failed");
                Outcome::Failed(msg.id, reason)
            }
            Err(SendError::Permanent(reason)) => {
                self.store.outbox().mark_failed(&msg.id, now, &reason)?;
                tracing::error!(id = %msg.id, %reason, "mail failed");
                Outcome::Failed(msg.id, reason)
            }
        };
        self.note_relay(&outcome, now).await?;
        self.store.flush().await?;
        if let Some(d) = &self.deliveries {
            let result = match &outcome {
                Outcome::Sent(_) => Some("sent"),
                Outcome::Retry(..) => Some("deferred"),
                Outcome::Failed(..) => Some("failed"),
                Outcome::Cancelled(..) => Some("cancelled"),
                Outcome::Idle | Outcome::Waiting(_) => None,
            };
            if let Some(result) = result {
                d.with_label_values(&[result]).inc();
            }
        }
        Ok(outcome)
    }

    /// Keeps the relay's record: delivered, or failing with its last answer and the next
    /// retry; while failing, a relay check (no message sent) finds the stage and its fix, at
    /// most every 10 minutes. A permanent refusal concerns one address, not the relay.
    async fn note_relay(&self, outcome: &Outcome, now: time::OffsetDateTime) -> anyhow::Result<()> {
        let meta = self.store.meta();
        match outcome {
            Outcome::Sent(_) => meta.update_relay_health(|h| h.delivered(now))?,
            Outcome::Retry(id, e) => {
                let retry = self.store.outbox().get(id)?.map(|m| m.due_at);
                meta.update_relay_health(|h| h.failed(now, e, retry))?;
            }
            Outcome::Failed(_, reason) if reason.starts_with("gave up") => {
                meta.update_relay_health(|h| h.failed(now, reason, None))?;
            }
            _ => return Ok(()),
        }
        if meta.relay_health()?.wants_check(now)
            && let Some(report) = self.transport.diagnose().await
        {
            let failed = report.stages.iter().find(|s| !s.ok);
            let stage = failed.map_or("message", |s| s.stage.as_str()).to_string();
            let hint = report.hint.clone().unwrap_or_else(|| {
                "the relay takes connections and the sender but not this message: its answer above says why (sending limits, the recipient, the content)".into()
            });
            meta.update_relay_health(|h| {
                h.stage = Some(stage.clone());
                h.hint = Some(hint.clone());
                h.checked_at = Some(now);
            })?;
        }
        Ok(())
    }

    /// base × 2^(attempts−1), at most six hours, plus up to 25 % jitter derived from the id so
    /// that a burst of failures does not come back as a burst.
    fn backoff(&self, msg: &OutboxMessage) -> Duration {
        let base = self.config.retry_base_secs as f64;
        let exp = 2f64.powi(
            i32::try_from(msg.attempts.saturating_sub(1))
                .unwrap_or(30)
                .min(30),
        );
        let secs = (base * exp).min(6.0 * 3600.0);
        let jitter = f64::from(msg.id.as_bytes()[15]) / 255.0 * 0.25;
        Duration::seconds_f64(secs * (1.0 + jitter))
    }
}
