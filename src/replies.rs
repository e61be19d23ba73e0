//! The reply worker: takes replies stored as "sending" to the provider until it confirms, and
//! deletes those marked "deleting" there.
//! Google's PUT replaces, so retrying is safe. A Facebook POST adds a comment each time, so
//! the attempt is recorded (and flushed) before posting, and after a crash the page's
//! comments are searched for the reply before it is posted again.

use crate::domain::{ConnectionStatus, Id, Item, Origin, ReplyState, Workspace};
use crate::gateway::Gateway;
use crate::gateway::keyring::{Keyring, facebook, google};
use crate::jobs::{Job, Step};
use crate::services::Ctx;
use crate::sources::ProviderError;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

/// Replies handled per tick.
const PER_TICK: usize = 8;

enum Outcome {
    /// The provider no longer shows the reply.
    Deleted,
    Published {
        at: time::OffsetDateTime,
        external_id: Option<String>,
    },
    Failed(String),
    Retry(String),
}

/// The job that publishes replies written in Plaudit (and deletes those asked to be deleted).
pub struct ReplySender {
    gateway: Arc<Gateway>,
}

impl ReplySender {
    pub fn new(gateway: Arc<Gateway>) -> Self {
        Self { gateway }
    }
}

impl Job for ReplySender {
    fn name(&self) -> &'static str {
        "replies"
    }
    fn idle_pause(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.gateway.ctx.config.poller.tick_ms)
    }
    fn step<'a>(&'a self, _: &'a Ctx, _: OffsetDateTime) -> Step<'a> {
        Box::pin(async move {
            self.send_replies()
                .await
                .map(crate::jobs::Outcome::from_count)
        })
    }
}

impl ReplySender {
    /// One round of the reply worker; returns how many replies it settled or retried.
    pub async fn send_replies(&self) -> anyhow::Result<usize> {
        let now = self.gateway.ctx.clock.now();
        let due = self
            .gateway
            .store(move |s| s.items().due_replies(now, PER_TICK))
            .await?;
        let n = due.len();
        for (ws, id) in due {
            self.send_one(ws, id).await?;
        }
        Ok(n)
    }

    async fn send_one(&self, ws: Id<Workspace>, id: Id<Item>) -> anyhow::Result<()> {
        let Some(mut item) = self.gateway.store(move |s| s.items().get(&ws, &id)).await? else {
            self.gateway
                .store(move |s| s.items().reschedule_reply(&ws, &id, None))
                .await?;
            return Ok(());
        };
        let Some(reply) = item.reply.clone().filter(|r| r.state.in_flight()) else {
            self.gateway
                .store(move |s| s.items().reschedule_reply(&ws, &id, None))
                .await?;
            return Ok(());
        };
        let deleting = reply.state == ReplyState::Deleting;
        let conn = match item.connection {
            Some(cid) => {
                self.gateway
                    .store(move |s| s.connections().get(&ws, &cid))
                    .await?
            }
            None => None,
        };
        let outcome = match conn {
            None => Outcome::Failed(
                "the connection this item came from was removed; connect the account again".into(),
            ),
            Some(c) if c.status == ConnectionStatus::NeedsReconnect => Outcome::Failed(format!(
                "{} no longer accepts the connection; connect it again, then retry",
                c.provider
            )),
            Some(c) => match Keyring::open(&self.gateway, c) {
                Err(e) => Outcome::Failed(e.to_string()),
                Ok(mut keys) if deleting => self.withdraw(&mut keys, &item).await,
                Ok(mut keys) => self.deliver(&mut keys, &mut item, &reply.text).await?,
            },
        };
        let now = self.gateway.ctx.clock.now();
        let next = match (outcome, item.reply.as_mut()) {
            (Outcome::Deleted, _) => {
                item.reply = None;
                None
            }
            (_, None) => return Ok(()),
            (Outcome::Published { at, external_id }, Some(r)) => {
                r.state = ReplyState::Published;
                r.published_at = Some(at);
                r.external_id = external_id.or(r.external_id.take());
                None
            }
            (Outcome::Failed(reason), Some(r)) => {
                r.state = if deleting {
                    ReplyState::DeleteFailed { reason }
                } else {
                    ReplyState::Failed { reason }
                };
                None
            }
            (Outcome::Retry(why), Some(r)) => {
                r.attempts += 1;
                let wait = Duration::seconds(30i64 << r.attempts.min(7));
                tracing::info!(item = %id, error = %why, "reply not confirmed yet; retrying later");
                Some(now + wait.min(Duration::hours(1)))
            }
        };
        let item2 = item.clone();
        self.gateway
            .store(move |s| {
                s.items().replace(&item2)?;
                s.items().reschedule_reply(&ws, &id, next)
            })
            .await?;
        self.gateway.ctx.store.flush().await?;
        Ok(())
    }

    /// Deletes the item's reply at the provider. Google's DELETE and Facebook's comment
    /// deletion are both safe to repeat, so a crash in between simply deletes again.
    async fn withdraw(&self, keys: &mut Keyring<'_>, item: &Item) -> Outcome {
        let result = match item.origin {
            Origin::Google => match self.gateway.clients.google() {
                Ok(g) => {
                    let api = g.api();
                    let review = item.external_id.clone();
                    match google!(keys, t => api.delete_reply(&t, &review).await) {
                        Err(ProviderError::NotFound(_)) => Ok(()),
                        other => other,
                    }
                }
                Err(e) => Err(ProviderError::Refused(e.to_string())),
            },
            Origin::Facebook => {
                let comment = item.reply.as_ref().and_then(|r| r.external_id.clone());
                match (self.gateway.clients.facebook(), comment) {
                    (Ok(f), Some(comment)) => {
                        let api = f.api();
                        let page = item.feed.clone();
                        facebook!(keys, Some(&page), t => api.delete_comment(&comment, &t).await)
                    }
                    (Ok(_), None) => Err(ProviderError::Refused(
                        "Facebook gave no id for this reply; delete it on Facebook".into(),
                    )),
                    (Err(e), _) => Err(ProviderError::Refused(e.to_string())),
                }
            }
            Origin::Import => Err(ProviderError::Refused(
                "imported items have no provider to delete at".into(),
            )),
        };
        match result {
            Ok(()) => Outcome::Deleted,
            Err(e) if e.is_transient() => Outcome::Retry(e.to_string()),
            Err(e) => Outcome::Failed(e.to_string()),
        }
    }

    async fn deliver(
        &self,
        keys: &mut Keyring<'_>,
        item: &mut Item,
        text: &str,
    ) -> anyhow::Result<Outcome> {
        let now = self.gateway.ctx.clock.now();
        let result = match item.origin {
            Origin::Google => {
                let g = self.gateway.clients.google()?;
                let api = g.api();
                let review = item.external_id.clone();
                google!(keys, t => api.put_reply(&t, &review, text, now).await).map(|at| (at, None))
            }
            Origin::Facebook => {
                let f = self.gateway.clients.facebook()?;
                let api = f.api();
                let (page, target) = (item.feed.clone(), item.external_id.clone());
                let attempted = item
                    .reply
                    .as_ref()
                    .is_some_and(|r| r.attempt_started_at.is_some());
                let found = if attempted {
                    facebook!(keys, Some(&page), t => api.find_reply(&target, &page, &t, text).await)
                } else {
                    Ok(None)
                };
                match found {
                    Ok(Some(r)) => Ok((r.at, r.external_id)),
                    Err(e) => Err(e),
                    Ok(None) => {
                        // Durable before the POST: a crash after this line is searched for.
                        if let Some(r) = item.reply.as_mut() {
                            r.attempt_started_at = Some(now);
                        }
                        let copy = item.clone();
                        self.gateway
                            .store(move |s| s.items().replace(&copy))
                            .await?;
                        self.gateway.ctx.store.flush().await?;
                        facebook!(keys, Some(&page), t => api.reply(&target, &t, text).await)
                            .map(|id| (now, Some(id)))
                    }
                }
            }
            Origin::Import => Err(ProviderError::Refused(
                "imported items cannot be answered".into(),
            )),
        };
        Ok(match result {
            Ok((at, external_id)) => Outcome::Published { at, external_id },
            Err(e) if e.is_transient() => Outcome::Retry(e.to_string()),
            Err(e) => Outcome::Failed(e.to_string()),
        })
    }
}
