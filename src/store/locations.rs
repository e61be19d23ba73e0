//! Locations of a workspace, keyed (workspace, location), with the active-location counter
//! and the audit entry written in the same transaction as the location.
use crate::store::kv;

use super::counters::{self, Counter};
use super::page::{self, Order, Page, PageRequest};
use super::workspaces::{Refused, refuse, settle};
use super::{Store, audit, codec, keys, typed};
use crate::domain::{AuditEntry, Id, Location, Workspace};
use kv::Transactional;
use kv::transaction::ConflictableTransactionError;

pub struct Locations<'a> {
    pub(super) store: &'a Store,
}

impl Locations<'_> {
    /// Stores `loc` (new or changed) with its audit entry. When it becomes active (new, or
    /// restored from the archive) the workspace must have fewer than `max_active`.
    pub fn save(
        &self,
        loc: &Location,
        max_active: u64,
        entry: Option<&AuditEntry>,
    ) -> anyhow::Result<Result<(), Refused>> {
        let s = self.store;
        let (ws, key) = (&loc.workspace, keys::pair(&loc.workspace, &loc.id));
        let value = codec::encode(loc)?;
        let seq = audit::next_seq(s)?;
        let result = (&s.locations, &s.counters, &s.audit).transaction(|(l, c, a)| {
            let old: Option<Location> = match l.get(key)? {
                Some(raw) => Some(
                    codec::decode(&raw)
                        .map_err(|_| ConflictableTransactionError::Abort(Refused::NotFound))?,
                ),
                None => None,
            };
            let was_active = old.as_ref().is_some_and(|o| !o.archived);
            let delta = i64::from(!loc.archived) - i64::from(was_active);
            if delta > 0 && counters::get_tx(c, ws, Counter::ActiveLocations)? >= max_active {
                return refuse(Refused::OverLimit { limit: max_active });
            }
            l.insert(&key, value.clone())?;
            counters::add_tx(c, ws, Counter::ActiveLocations, delta)?;
            if let Some(entry) = entry {
                audit::append_tx(a, ws, entry, seq)?;
            }
            Ok(())
        });
        settle(result, "storing a location")
    }

    pub fn get(&self, ws: &Id<Workspace>, id: &Id<Location>) -> anyhow::Result<Option<Location>> {
        typed::get(&self.store.locations, &keys::pair(ws, id))
    }

    /// Every location of `ws`, oldest first (plans cap them at a few thousand).
    pub fn all(&self, ws: &Id<Workspace>) -> anyhow::Result<Vec<Location>> {
        let mut req = PageRequest::first(500);
        let mut out = Vec::new();
        loop {
            let p = self.page(ws, &req)?;
            out.extend(p.items);
            match p.next {
                Some(n) => req.cursor = Some(n),
                None => return Ok(out),
            }
        }
    }

    /// One page of the locations of `ws`, oldest first.
    pub fn page(&self, ws: &Id<Workspace>, req: &PageRequest) -> anyhow::Result<Page<Location>> {
        page::records(&self.store.locations, ws.as_bytes(), req, Order::Ascending)
    }
}
