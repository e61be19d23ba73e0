//! The request log ((time, seq) → request) and its per-minute rollups (minute → counts), which
//! the traffic page reads so its cost does not grow with the number of stored requests.
use crate::store::kv;

use super::page::{self, PageRequest};
use super::{Store, codec, typed};
use anyhow::Context;
use kv::Transactional;
use kv::transaction::ConflictableTransactionError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;

/// One request as the log keeps it (secrets already stripped from the path).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    #[serde(with = "crate::domain::when::rfc3339")]
    pub at: OffsetDateTime,
    pub client: String,
    pub method: String,
    pub path: String,
    pub status: u16,
    pub bytes: u64,
    pub latency_us: u64,
    pub user_agent: String,
    pub referrer: String,
    pub user: Option<String>,
    /// The WAF rule, limit or ban that acted on it.
    pub acted: Option<String>,
}

/// Counts for one minute. Top lists keep the busiest entries only, so a rollup stays small.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Rollup {
    pub requests: u64,
    pub bytes: u64,
    pub latency_us_sum: u64,
    pub statuses: BTreeMap<u16, u64>,
    pub paths: BTreeMap<String, u64>,
    pub clients: BTreeMap<String, u64>,
    pub acted: BTreeMap<String, u64>,
}

/// Entries kept per top list per minute.
const TOP: usize = 50;

fn bump(map: &mut BTreeMap<String, u64>, key: &str) {
    *map.entry(key.to_string()).or_default() += 1;
    if map.len() > TOP * 2 {
        let mut entries: Vec<(String, u64)> = std::mem::take(map).into_iter().collect();
        entries.sort_by_key(|e| std::cmp::Reverse(e.1));
        entries.truncate(TOP);
        *map = entries.into_iter().collect();
    }
}

impl Rollup {
    pub fn add(&mut self, r: &RequestRecord) {
        self.requests += 1;
        self.bytes += r.bytes;
        self.latency_us_sum += r.latency_us;
        *self.statuses.entry(r.status).or_default() += 1;
        bump(&mut self.paths, &r.path);
        bump(&mut self.clients, &r.client);
        if let Some(a) = &r.acted {
            bump(&mut self.acted, a);
        }
    }

    pub fn merge(&mut self, other: &Rollup) {
        self.requests += other.requests;
        self.bytes += other.bytes;
        self.latency_us_sum += other.latency_us_sum;
        for (k, v) in &other.statuses {
            *self.statuses.entry(*k).or_default() += v;
        }
        for (mine, theirs) in [
            (&mut self.paths, &other.paths),
            (&mut self.clients, &other.clients),
            (&mut self.acted, &other.acted),
        ] {
            for (k, v) in theirs {
                *mine.entry(k.clone()).or_default() += v;
            }
        }
    }
}

fn minute(at: OffsetDateTime) -> i64 {
    at.unix_timestamp().div_euclid(60)
}

fn minute_key(m: i64) -> [u8; 8] {
    u64::try_from(m).unwrap_or(0).to_be_bytes()
}

/// How many old entries one purge batch removes.
/// The meta key of the stored-request count.
const COUNT_KEY: &[u8] = b"request_log_count";

const PURGE_CHUNK: usize = 1000;

pub struct Traffic<'a> {
    pub(super) store: &'a Store,
}

impl Traffic<'_> {
    /// Appends a batch and folds it into the minute rollups, in one transaction: a rollup never
    /// counts a request the log lacks, and two writers cannot lose each other's counts.
    pub fn append(&self, batch: &[RequestRecord]) -> anyhow::Result<()> {
        let s = self.store;
        let mut log = Vec::with_capacity(batch.len());
        let mut rollups: BTreeMap<i64, Rollup> = BTreeMap::new();
        for r in batch {
            rollups.entry(minute(r.at)).or_default().add(r);
            // Refused requests (bans, blocks, limits) are counted, not kept one by one: a
            // flood of them must not fill the disk.
            if r.acted.is_some() && matches!(r.status, 403 | 413 | 429 | 431) {
                continue;
            }
            let seq = s.db.generate_id().context("numbering a request")?;
            let ms = u64::try_from(r.at.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
            let mut key = [0u8; 16];
            key[..8].copy_from_slice(&ms.to_be_bytes());
            key[8..].copy_from_slice(&seq.to_be_bytes());
            log.push((key, codec::encode(r)?));
        }
        (&s.request_log, &s.traffic_minutes)
            .transaction(|(l, t)| {
                for (key, value) in &log {
                    l.insert(key, value.clone())?;
                }
                for (m, add) in &rollups {
                    let mut current: Rollup = match t.get(minute_key(*m))? {
                        Some(raw) => codec::decode(&raw).unwrap_or_default(),
                        None => Rollup::default(),
                    };
                    current.merge(add);
                    let value = codec::encode(&current).unwrap_or_default();
                    t.insert(&minute_key(*m), value)?;
                }
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .map_err(typed::txn)
            .context("writing the request log")?;
        self.count_changed(i64::try_from(log.len()).unwrap_or(0))
    }

    /// Keeps an approximate count of stored requests (for the size cap): sled's own length
    /// walks the whole tree.
    fn count_changed(&self, by: i64) -> anyhow::Result<()> {
        if by == 0 {
            return Ok(());
        }
        self.store
            .meta
            .update_and_fetch(COUNT_KEY, |old| {
                let n = old
                    .and_then(|v| v.try_into().ok())
                    .map(u64::from_be_bytes)
                    .unwrap_or(0);
                Some(n.saturating_add_signed(by).to_be_bytes().to_vec())
            })
            .context("counting stored requests")?;
        Ok(())
    }

    /// How many requests are stored (approximately: kept alongside, never walked).
    pub fn count(&self) -> anyhow::Result<u64> {
        Ok(self
            .store
            .meta
            .get(COUNT_KEY)
            .context("reading the request count")?
            .and_then(|v| v.as_ref().try_into().ok())
            .map(u64::from_be_bytes)
            .unwrap_or(0))
    }

    /// Drops the oldest stored requests until at most `max` remain; returns how many went.
    pub fn trim_to(&self, max: u64) -> anyhow::Result<usize> {
        let over = self.count()?.saturating_sub(max);
        let mut removed = 0usize;
        while (removed as u64) < over {
            let want = usize::try_from(over - removed as u64)
                .unwrap_or(PURGE_CHUNK)
                .min(PURGE_CHUNK);
            let mut keys = Vec::with_capacity(want);
            for key in self.store.request_log.iter().keys().take(want) {
                keys.push(key.context("scanning the request log")?);
            }
            if keys.is_empty() {
                // The count drifted above the truth (a crash between a write and its count).
                self.count_changed(-i64::try_from(over - removed as u64).unwrap_or(0))?;
                break;
            }
            let mut batch = kv::Batch::default();
            for key in &keys {
                batch.remove(key);
            }
            self.store
                .request_log
                .apply_batch(batch)
                .context("dropping the oldest requests")?;
            removed += keys.len();
            self.count_changed(-i64::try_from(keys.len()).unwrap_or(0))?;
        }
        Ok(removed)
    }

    /// Per-minute rollups from `from` to `to` (inclusive), oldest first.
    pub fn minutes(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> anyhow::Result<Vec<(i64, Rollup)>> {
        let (a, b) = (minute_key(minute(from)), minute_key(minute(to) + 1));
        let mut raw = Vec::new();
        for entry in self.store.traffic_minutes.range(a..b) {
            raw.push(entry.context("reading rollups")?);
        }
        raw.iter()
            .map(|(k, v)| {
                let m = i64::try_from(u64::from_be_bytes(k.as_ref().try_into()?)).unwrap_or(0);
                Ok((m, codec::decode(v)?))
            })
            .collect()
    }

    /// The newest `limit` requests, newest first.
    pub fn recent(&self, limit: usize) -> anyhow::Result<Vec<RequestRecord>> {
        let mut raw = Vec::with_capacity(limit);
        for entry in self.store.request_log.iter().rev().take(limit) {
            raw.push(entry.context("reading the request log")?.1);
        }
        raw.iter().map(|v| codec::decode(v)).collect()
    }

    /// Removes requests and rollups older than `before`, in chunks with no iterator alive while
    /// removing; returns how many requests went.
    pub fn purge_before(&self, before: OffsetDateTime) -> anyhow::Result<usize> {
        let s = self.store;
        let ms = u64::try_from(before.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
        let mut removed = 0;
        for (tree, end) in [
            (&s.request_log, ms.to_be_bytes()),
            (&s.traffic_minutes, minute_key(minute(before))),
        ] {
            loop {
                let mut keys = Vec::new();
                for key in tree.range(..end.as_slice()).keys().take(PURGE_CHUNK) {
                    keys.push(key.context("scanning for old entries")?);
                }
                if keys.is_empty() {
                    break;
                }
                let mut batch = kv::Batch::default();
                for key in &keys {
                    batch.remove(key);
                }
                tree.apply_batch(batch).context("purging old entries")?;
                if std::ptr::eq(tree, &s.request_log) {
                    removed += keys.len();
                }
            }
        }
        self.count_changed(-i64::try_from(removed).unwrap_or(0))?;
        Ok(removed)
    }

    /// Forgets one client address (a data-subject erasure); see `forget_clients`.
    pub fn forget_client(&self, client: &str) -> anyhow::Result<usize> {
        self.forget_clients(&BTreeSet::from([client.to_string()]))
    }

    /// Forgets client addresses (a data-subject erasure): their logged requests go, and they
    /// are taken out of the minute rollups' top lists (their totals stay), in one pass over
    /// each. Returns the requests removed.
    pub fn forget_clients(&self, clients: &BTreeSet<String>) -> anyhow::Result<usize> {
        if clients.is_empty() {
            return Ok(0);
        }
        let s = self.store;
        let removed = page::rewrite_all(&s.request_log, |v| {
            let r: RequestRecord = codec::decode(v)?;
            Ok(clients.contains(&r.client).then_some(None))
        })?;
        page::rewrite_all(&s.traffic_minutes, |v| {
            let mut r: Rollup = codec::decode(v)?;
            let before = r.clients.len();
            r.clients.retain(|c, _| !clients.contains(c));
            (r.clients.len() != before)
                .then(|| codec::encode(&r).map(Some))
                .transpose()
        })?;
        self.count_changed(-i64::try_from(removed).unwrap_or(0))?;
        Ok(removed)
    }

    /// Forgets a deleted user: everything logged from the addresses they used (their own
    /// requests, those before they signed in, and the rollups' top lists). Returns the
    /// requests removed.
    pub fn forget_user(&self, actor: &str) -> anyhow::Result<usize> {
        let mut clients = BTreeSet::new();
        let mut req = PageRequest::first(1_000);
        loop {
            let raw = page::scan(&self.store.request_log, b"", &req, page::Order::Ascending)?;
            for (_, v) in &raw.items {
                let r: RequestRecord = codec::decode(v)?;
                if r.user.as_deref() == Some(actor) {
                    clients.insert(r.client);
                }
            }
            match raw.next {
                Some(n) => req.cursor = Some(n),
                None => break,
            }
        }
        self.forget_clients(&clients)
    }

    pub fn stored_requests(&self) -> usize {
        self.store.request_log.len()
    }
}
