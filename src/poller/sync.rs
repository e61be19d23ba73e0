//! Syncing: each feed read page by page, each page stored with its index
//! entries and rollups in one transaction and flushed, high-water marks moved when a pass
//! completes, removals found by full reconciles. One broken feed never stops the others.

use super::Poller;
use crate::domain::{Connection, Feed, Fetched, Kind, Origin};
use crate::gateway::keyring::{Keyring, google};
use crate::sources::ProviderError;
use crate::store::Destination;
use std::collections::{BTreeMap, HashSet};
use time::OffsetDateTime;

/// Pages of one list read in one pass at most (2,000 pages of 50 = 100,000 reviews).
pub(super) const MAX_PAGES: usize = 2_000;

/// What one feed's pass changed, to fold into the connection after the sync.
#[derive(Default)]
pub struct FeedOutcome {
    pub fetched: u64,
    pub high_water: BTreeMap<String, OffsetDateTime>,
    pub full_done: bool,
    pub ratings_off: bool,
    pub notice: Option<String>,
}

impl Poller {
    /// Stores one page and makes it durable before the next request.
    pub(super) async fn write(
        &self,
        conn: &Connection,
        feed: &Feed,
        origin: Origin,
        batch: Vec<Fetched>,
    ) -> Result<u64, ProviderError> {
        if batch.is_empty() {
            return Ok(0);
        }
        let (ws, loc, cid, ext) = (
            conn.workspace,
            feed.location,
            conn.id,
            feed.external_id.clone(),
        );
        // A feed's first read is its history: alerts start with what arrives after it.
        let alert = feed.last_full_at.is_some();
        let now = self.gateway.ctx.clock.now();
        let store = self.gateway.ctx.store.clone();
        let done = self
            .gateway
            .store(move |s| {
                s.items().ingest(
                    &Destination {
                        workspace: ws,
                        location: loc,
                        origin,
                        feed: &ext,
                        connection: Some(cid),
                        alert,
                    },
                    &batch,
                    now,
                )
            })
            .await
            .map_err(|e| ProviderError::Refused(format!("storing items failed: {e:#}")))?;
        store
            .flush()
            .await
            .map_err(|e| ProviderError::Refused(format!("flushing failed: {e:#}")))?;
        Ok((done.new + done.changed) as u64)
    }

    pub(super) async fn mark_removed(
        &self,
        conn: &Connection,
        feed: &Feed,
        origin: Origin,
        kinds: &'static [Kind],
        seen: HashSet<String>,
    ) -> Result<usize, ProviderError> {
        let (ws, loc, ext) = (conn.workspace, feed.location, feed.external_id.clone());
        let now = self.gateway.ctx.clock.now();
        let n = self
            .gateway
            .store(move |s| {
                let feed = Destination {
                    workspace: ws,
                    location: loc,
                    origin,
                    feed: &ext,
                    connection: None,
                    alert: false,
                };
                s.items().mark_missing_removed(&feed, kinds, &seen, now)
            })
            .await
            .map_err(|e| ProviderError::Refused(format!("{e:#}")))?;
        self.gateway
            .ctx
            .store
            .flush()
            .await
            .map_err(|e| ProviderError::Refused(format!("{e:#}")))?;
        Ok(n)
    }

    pub(super) async fn sync_google_feed(
        &self,
        keys: &mut Keyring<'_>,
        feed: &Feed,
        full: bool,
    ) -> Result<FeedOutcome, ProviderError> {
        let g = self.gateway.clients.google()?;
        let api = g.api();
        let conn = keys.conn.clone();
        let hw = feed.high_water.get("reviews").copied();
        let mut out = FeedOutcome::default();
        let mut newest = hw;
        let mut seen = HashSet::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = google!(keys, access => api.reviews(&access, &feed.external_id, token.as_deref()).await)?;
            // Newest update first: past the mark, the rest is known already.
            let reached = !full && hw.is_some_and(|h| page.items.iter().any(|i| i.updated_at < h));
            let fresh: Vec<Fetched> = page
                .items
                .into_iter()
                .inspect(|i| {
                    seen.insert(i.external_id.clone());
                    newest = newest.max(Some(i.updated_at));
                })
                .filter(|i| full || hw.is_none_or(|h| i.updated_at >= h))
                .collect();
            out.fetched += self.write(&conn, feed, Origin::Google, fresh).await?;
            token = page.next_page_token;
            if reached || token.is_none() {
                break;
            }
        }
        if full && token.is_none() {
            let gone = self
                .mark_removed(&conn, feed, Origin::Google, &[Kind::Review], seen)
                .await?;
            if gone > 0 {
                tracing::info!(feed = %feed.external_id, gone, "reviews removed at Google marked removed");
            }
            out.full_done = true;
        }
        if let Some(n) = newest {
            out.high_water.insert("reviews".into(), n);
        }
        Ok(out)
    }
}
