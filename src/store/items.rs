//! Reviews, comments and mentions. Trees: `items` (workspace, item) with item ids sorting by
//! the provider's creation time, so a reverse scan is newest first; `item_ext` (workspace,
//! origin, external id) → item id, for idempotent ingest; `item_loc` (workspace, location,
//! item) for per-location lists; `rollups` (workspace, location, day, origin) → counts, kept in
//! the same transaction as the items; `replies_due` (workspace, item) → next attempt (ms).

use super::page::{self, Order, Page, PageRequest};
use super::{Store, codec, keys, typed};
use crate::domain::{Connection, Fetched, Id, Item, ItemStatus, Location, Origin, Workspace};
use anyhow::Context;
use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};
use std::collections::HashMap;
use time::OffsetDateTime;

pub struct Items<'a> {
    pub(super) store: &'a Store,
}

/// Where a page of fetched items goes.
pub struct Destination<'a> {
    pub workspace: Id<Workspace>,
    pub location: Id<Location>,
    pub origin: Origin,
    pub feed: &'a str,
    pub connection: Option<Id<Connection>>,
    /// New items raise alerts (not on a feed's first read: that is history, not news).
    pub alert: bool,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Ingested {
    pub new: usize,
    pub changed: usize,
}

/// Counts per (location, day, origin): what dashboards read instead of items.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCounts {
    pub items: u64,
    /// Rated items per star (recommendations count as 5 and 1).
    pub stars: [u64; 5],
    pub replied: u64,
}

/// Filters of an item list; all optional, combined with "and".
#[derive(Debug, Default, Clone)]
pub struct ItemFilter {
    pub location: Option<Id<Location>>,
    pub origin: Option<Origin>,
    pub kind: Option<crate::domain::Kind>,
    pub stars: Option<u8>,
    pub replied: Option<bool>,
    pub since: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    /// Lower-cased words that must all appear in the text, author or reply.
    pub words: Vec<String>,
}

impl ItemFilter {
    fn matches(&self, i: &Item) -> bool {
        self.origin.is_none_or(|o| i.origin == o)
            && self.kind.is_none_or(|k| i.kind == k)
            && self
                .stars
                .is_none_or(|s| i.rating.is_some_and(|r| r.stars() == s))
            && self.replied.is_none_or(|r| i.replied() == r)
            && self.since.is_none_or(|t| i.created_at >= t)
            && self.until.is_none_or(|t| i.created_at < t)
            && (self.words.is_empty() || {
                let hay = format!(
                    "{} {} {}",
                    i.text,
                    i.author.name,
                    i.reply.as_ref().map_or("", |r| r.text.as_str())
                )
                .to_lowercase();
                self.words.iter().all(|w| hay.contains(w.as_str()))
            })
    }
}

/// Entries a filtered list examines per request at most; past it the page comes back short
/// with a cursor to go on, so no request scans a million items.
const SCAN_BUDGET: usize = 5_000;

fn ext_key(ws: &Id<Workspace>, origin: Origin, external: &str) -> Vec<u8> {
    [
        ws.as_bytes().as_slice(),
        &[origin.tag()],
        external.as_bytes(),
    ]
    .concat()
}

fn loc_key(ws: &Id<Workspace>, loc: &Id<Location>, item: &Id<Item>) -> Vec<u8> {
    [ws.as_bytes().as_slice(), loc.as_bytes(), item.as_bytes()].concat()
}

fn day_number(t: OffsetDateTime) -> u32 {
    // Days since 1970 in UTC.
    u32::try_from(t.unix_timestamp().div_euclid(86_400)).unwrap_or(0)
}

fn rollup_key(i: &Item) -> Vec<u8> {
    [
        i.workspace.as_bytes().as_slice(),
        i.location.as_bytes(),
        &day_number(i.created_at).to_be_bytes(),
        &[i.origin.tag()],
    ]
    .concat()
}

type Tx<T> = Result<T, ConflictableTransactionError<anyhow::Error>>;

fn abort(e: anyhow::Error) -> ConflictableTransactionError<anyhow::Error> {
    ConflictableTransactionError::Abort(e)
}

/// Adds (+1) or takes away (-1) one item's share of its day's counts.
fn count(rollups: &TransactionalTree, i: &Item, sign: i64) -> Tx<()> {
    if i.status == ItemStatus::Removed {
        return Ok(());
    }
    let key = rollup_key(i);
    let mut c: DayCounts = match rollups.get(&key)? {
        Some(v) => codec::decode(&v).map_err(abort)?,
        None => DayCounts::default(),
    };
    let apply = |n: &mut u64| {
        *n = if sign > 0 {
            n.saturating_add(1)
        } else {
            n.saturating_sub(1)
        }
    };
    apply(&mut c.items);
    if let Some(r) = i.rating {
        apply(&mut c.stars[usize::from(r.stars() - 1)]);
    }
    if i.replied() {
        apply(&mut c.replied);
    }
    rollups.insert(key, codec::encode(&c).map_err(abort)?)?;
    Ok(())
}

impl Items<'_> {
    /// Writes one page of fetched items, their index entries and rollups in one transaction.
    /// Re-ingesting the same page changes nothing.
    pub fn ingest(
        &self,
        to: &Destination,
        batch: &[Fetched],
        now: OffsetDateTime,
    ) -> anyhow::Result<Ingested> {
        let s = self.store;
        let ws = to.workspace;
        let res = (
            &s.items,
            &s.item_ext,
            &s.item_loc,
            &s.rollups,
            &s.alert_pending,
        )
            .transaction(|(items, ext, locs, rollups, pending)| {
                let mut out = Ingested::default();
                for f in batch {
                    let ek = ext_key(&ws, to.origin, &f.external_id);
                    match ext.get(&ek)? {
                        Some(raw_id) => {
                            let id: Id<Item> = keys::id_at(&raw_id, 0)
                                .ok_or_else(|| abort(anyhow::anyhow!("bad item index entry")))?;
                            let key = keys::pair(&ws, &id);
                            let Some(raw) = items.get(key)? else { continue };
                            let mut item: Item = codec::decode(&raw).map_err(abort)?;
                            let before = item.clone();
                            if item.merge(f) {
                                count(rollups, &before, -1)?;
                                count(rollups, &item, 1)?;
                                items.insert(&key, codec::encode(&item).map_err(abort)?)?;
                                out.changed += 1;
                            }
                        }
                        None => {
                            let item = Item::first_seen(
                                f,
                                ws,
                                to.location,
                                to.origin,
                                to.feed,
                                to.connection,
                                now,
                            );
                            items.insert(
                                &keys::pair(&ws, &item.id),
                                codec::encode(&item).map_err(abort)?,
                            )?;
                            ext.insert(ek, item.id.as_bytes().as_slice())?;
                            locs.insert(loc_key(&ws, &item.location, &item.id), &[])?;
                            count(rollups, &item, 1)?;
                            if to.alert {
                                pending.insert(&keys::pair(&ws, &item.id), &[])?;
                            }
                            out.new += 1;
                        }
                    }
                }
                Ok(out)
            });
        res.map_err(typed::txn_any)
    }

    pub fn get(&self, ws: &Id<Workspace>, id: &Id<Item>) -> anyhow::Result<Option<Item>> {
        typed::get(&self.store.items, &keys::pair(ws, id))
    }

    pub fn by_external(
        &self,
        ws: &Id<Workspace>,
        origin: Origin,
        external: &str,
    ) -> anyhow::Result<Option<Item>> {
        let Some(raw) = self
            .store
            .item_ext
            .get(ext_key(ws, origin, external))
            .context("reading the item index")?
        else {
            return Ok(None);
        };
        match keys::id_at::<Item>(&raw, 0) {
            Some(id) => self.get(ws, &id),
            None => Ok(None),
        }
    }

    /// Replaces a stored item (reply state changes), keeping its rollups right.
    pub fn replace(&self, item: &Item) -> anyhow::Result<()> {
        let s = self.store;
        let key = keys::pair(&item.workspace, &item.id);
        (&s.items, &s.rollups)
            .transaction(|(items, rollups)| {
                if let Some(raw) = items.get(key)? {
                    let old: Item = codec::decode(&raw).map_err(abort)?;
                    count(rollups, &old, -1)?;
                }
                count(rollups, item, 1)?;
                items.insert(&key, codec::encode(item).map_err(abort)?)?;
                Ok(())
            })
            .map_err(typed::txn_any)
    }

    /// Stores the item with its reply and queues the reply for the worker, in one step.
    pub fn queue_reply(
        &self,
        item: &Item,
        due: OffsetDateTime,
        entry: Option<&crate::domain::AuditEntry>,
    ) -> anyhow::Result<()> {
        let s = self.store;
        let key = keys::pair(&item.workspace, &item.id);
        let seq = super::audit::next_seq(s)?;
        (&s.items, &s.rollups, &s.replies_due, &s.audit)
            .transaction(|(items, rollups, due_tree, audit)| {
                if let Some(raw) = items.get(key)? {
                    let old: Item = codec::decode(&raw).map_err(abort)?;
                    count(rollups, &old, -1)?;
                }
                count(rollups, item, 1)?;
                items.insert(&key, codec::encode(item).map_err(abort)?)?;
                due_tree.insert(&key, &millis(due).to_be_bytes())?;
                if let Some(entry) = entry {
                    super::audit::append_tx(audit, &item.workspace, entry, seq)?;
                }
                Ok(())
            })
            .map_err(typed::txn_any)
    }

    /// Replies waiting to be sent whose time has come: up to `limit` (workspace, item) pairs.
    pub fn due_replies(
        &self,
        now: OffsetDateTime,
        limit: usize,
    ) -> anyhow::Result<Vec<(Id<Workspace>, Id<Item>)>> {
        let raw = page::scan(
            &self.store.replies_due,
            &[],
            &PageRequest::first(10_000),
            Order::Ascending,
        )?;
        let now_ms = millis(now);
        Ok(raw
            .items
            .iter()
            .filter(|(_, v)| {
                v.as_ref()
                    .try_into()
                    .map(u64::from_be_bytes)
                    .is_ok_and(|at| at <= now_ms)
            })
            .filter_map(|(k, _)| Some((keys::id_at(k, 0)?, keys::id_at(k, 16)?)))
            .take(limit)
            .collect())
    }

    /// Retry later, or (None) forget: the reply is settled.
    pub fn reschedule_reply(
        &self,
        ws: &Id<Workspace>,
        id: &Id<Item>,
        at: Option<OffsetDateTime>,
    ) -> anyhow::Result<()> {
        let key = keys::pair(ws, id);
        let t = &self.store.replies_due;
        match at {
            Some(at) => t.insert(key, &millis(at).to_be_bytes()),
            None => t.remove(key),
        }
        .context("updating the reply queue")?;
        Ok(())
    }

    /// One page of the items of `ws` that pass `filter`, newest first. Cursors are item ids.
    pub fn page(
        &self,
        ws: &Id<Workspace>,
        filter: &ItemFilter,
        req: &PageRequest,
    ) -> anyhow::Result<Page<Item>> {
        let limit = req.limit.max(1);
        let mut out = Vec::new();
        let mut cursor = req.cursor.clone();
        let mut examined = 0;
        loop {
            let chunk = PageRequest {
                cursor: cursor.clone(),
                limit: 200,
            };
            let (raw, via_index) = match &filter.location {
                Some(loc) => {
                    let prefix = [ws.as_bytes().as_slice(), loc.as_bytes()].concat();
                    (
                        page::scan(&self.store.item_loc, &prefix, &chunk, Order::Descending)?,
                        true,
                    )
                }
                None => (
                    page::scan(&self.store.items, ws.as_bytes(), &chunk, Order::Descending)?,
                    false,
                ),
            };
            let skip = if via_index { 32 } else { 16 };
            for (k, v) in &raw.items {
                examined += 1;
                let id_hex = hex::encode(&k[skip..]);
                let item: Option<Item> = if via_index {
                    match keys::id_at::<Item>(k, 32) {
                        Some(id) => self.get(ws, &id)?,
                        None => None,
                    }
                } else {
                    Some(codec::decode(v)?)
                };
                if let Some(item) = item.filter(|i| filter.matches(i)) {
                    out.push(item);
                    if out.len() == limit {
                        let more =
                            raw.next.is_some() || raw.items.last().map(|(lk, _)| lk) != Some(k);
                        return Ok(Page {
                            items: out,
                            next: more.then_some(id_hex),
                        });
                    }
                }
                cursor = Some(id_hex);
                if examined >= SCAN_BUDGET {
                    let more = raw.next.is_some() || raw.items.last().map(|(lk, _)| lk) != Some(k);
                    return Ok(Page {
                        items: out,
                        next: if more { cursor } else { None },
                    });
                }
            }
            if raw.next.is_none() {
                return Ok(Page {
                    items: out,
                    next: None,
                });
            }
        }
    }

    /// Items of one feed at one location that `seen` does not hold, and are not removed yet,
    /// are marked removed: what a complete full sync calls at its end. Returns how many.
    pub fn mark_missing_removed(
        &self,
        ws: &Id<Workspace>,
        loc: &Id<Location>,
        origin: Origin,
        feed: &str,
        kinds: &[crate::domain::Kind],
        seen: &std::collections::HashSet<String>,
    ) -> anyhow::Result<usize> {
        let prefix = [ws.as_bytes().as_slice(), loc.as_bytes()].concat();
        let mut req = PageRequest::first(500);
        let mut gone = Vec::new();
        loop {
            let raw = page::scan(&self.store.item_loc, &prefix, &req, Order::Ascending)?;
            for (k, _) in &raw.items {
                let Some(id) = keys::id_at::<Item>(k, 32) else {
                    continue;
                };
                if let Some(item) = self.get(ws, &id)?
                    && item.origin == origin
                    && item.feed == feed
                    && kinds.contains(&item.kind)
                    && item.status != ItemStatus::Removed
                    && !seen.contains(&item.external_id)
                {
                    gone.push(item);
                }
            }
            match raw.next {
                Some(n) => req.cursor = Some(n),
                None => break,
            }
        }
        for mut item in gone.iter().cloned() {
            item.status = ItemStatus::Removed;
            self.replace(&item)?;
        }
        Ok(gone.len())
    }

    /// Counts per day for one location (or all) in `[from, to)`, summed by day.
    pub fn rollups(
        &self,
        ws: &Id<Workspace>,
        loc: &Id<Location>,
    ) -> anyhow::Result<HashMap<u32, DayCounts>> {
        let prefix = [ws.as_bytes().as_slice(), loc.as_bytes()].concat();
        let mut req = PageRequest::first(1000);
        let mut out: HashMap<u32, DayCounts> = HashMap::new();
        loop {
            let raw = page::scan(&self.store.rollups, &prefix, &req, Order::Ascending)?;
            for (k, v) in &raw.items {
                let day = k
                    .get(32..36)
                    .and_then(|b| b.try_into().ok())
                    .map(u32::from_be_bytes)
                    .unwrap_or_default();
                let c: DayCounts = codec::decode(v)?;
                let e = out.entry(day).or_default();
                e.items += c.items;
                e.replied += c.replied;
                for (a, b) in e.stars.iter_mut().zip(c.stars) {
                    *a += b;
                }
            }
            match raw.next {
                Some(n) => req.cursor = Some(n),
                None => return Ok(out),
            }
        }
    }
}

fn millis(at: OffsetDateTime) -> u64 {
    u64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}
