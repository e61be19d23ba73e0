//! Changes to the rollups (`super::rollups`) gathered over one transaction and written once
//! per key.

use super::rollups::{
    ALL, ATTENTION, BUCKETS, DayCounts, DayOf, LEVELS, LOWEST_SPAN, RECOMMENDS, Tx, WIDTH, abort,
    day_key, origin_slot, response_bucket, span_key,
};
use crate::domain::{Id, Item, ItemStatus, Workspace, local_day};
use crate::store::{codec, kv, search};
use kv::transaction::TransactionalTree;
use std::collections::{BTreeMap, HashMap};

/// Changes to rollups gathered over a transaction and written once per key: a page of 50
/// reviews from the same days touches each rollup once, not 50 times. Also gathers the
/// changed items for the index queue the search indexer follows, each with the version
/// stored before the transaction (None for a new item): what the index holds for it.
pub(super) struct Deltas {
    tz: jiff::tz::TimeZone,
    /// Per (workspace, location, day, origin): keys are made once per day in `apply`, not
    /// once per item (most of a page falls on a few days).
    sums: HashMap<DayOf, [i64; WIDTH]>,
    changed: BTreeMap<(Id<Workspace>, Id<Item>), Option<Item>>,
    /// Removed items listed or unlisted (`gone`).
    gone: super::gone::Changes,
}

impl Deltas {
    /// Deltas for items of one location, whose days are counted in `tz`.
    pub(super) fn new(tz: jiff::tz::TimeZone) -> Self {
        Self {
            tz,
            sums: HashMap::new(),
            changed: BTreeMap::new(),
            gone: Default::default(),
        }
    }

    /// Queues `i` as changed without counting it (it is gone: the index takes it out).
    pub(super) fn log_gone(&mut self, i: &Item) {
        self.changed.entry((i.workspace, i.id)).or_insert(None);
    }

    /// Adds (+1) or takes away (-1) one item's share of its day's counts; the version taken
    /// away first is the one stored before.
    pub(super) fn add(&mut self, i: &Item, sign: i64) {
        self.changed
            .entry((i.workspace, i.id))
            .or_insert_with(|| (sign < 0).then(|| i.clone()));
        self.gone.add(i, sign);
        if i.status == ItemStatus::Removed {
            return;
        }
        let mut d = [0i64; WIDTH];
        d[0] = sign;
        if let Some(r) = i.rating {
            d[1 + usize::from(r.stars().clamp(1, 5) - 1)] = sign;
            if let crate::domain::Rating::Recommends(yes) = r {
                d[RECOMMENDS + usize::from(!yes)] = sign;
            }
        }
        if i.replied() {
            d[6] = sign;
        }
        if let Some(b) = response_bucket(i) {
            d[7 + b] = sign;
        }
        d[7 + BUCKETS + origin_slot(i.origin)] = sign;
        if i.needs_attention() {
            d[ATTENTION] = sign;
        }
        let day = local_day(&self.tz, i.created_at);
        let e = self
            .sums
            .entry((i.workspace, i.location, day, i.origin))
            .or_insert([0; WIDTH]);
        for (a, b) in e.iter_mut().zip(d) {
            *a += b;
        }
    }

    /// Every rollup key the day counts gathered touch, each with its change: the day's own
    /// counts and the spans holding it, for the location and for the whole workspace.
    fn by_key(&self) -> BTreeMap<Vec<u8>, [i64; WIDTH]> {
        let mut out: BTreeMap<Vec<u8>, [i64; WIDTH]> = BTreeMap::new();
        for ((ws, loc, day, origin), d) in &self.sums {
            for scope in [*loc.as_bytes(), ALL] {
                let spans = (LOWEST_SPAN..LEVELS)
                    .step_by(2)
                    .map(|l| span_key(ws, &scope, l, day >> l));
                for key in std::iter::once(day_key(ws, &scope, *day, *origin)).chain(spans) {
                    let e = out.entry(key).or_insert([0; WIDTH]);
                    for (a, b) in e.iter_mut().zip(d) {
                        *a += b;
                    }
                }
            }
        }
        out
    }

    /// Leaves the rollups alone (counts and the removed items' list).
    pub(super) fn forget_counts(&mut self) {
        self.sums.clear();
        self.gone.clear();
    }

    pub(super) fn forget_changes(&mut self) {
        self.changed.clear();
    }

    /// Writes the rollups and queues the changed items for the indexer. An item already
    /// queued keeps its entry: the index still holds what it held when the item was queued.
    /// `keys` seals the entries (`lookup_key` must be cached).
    pub(super) fn apply(
        self,
        s: &crate::store::Store,
        rollups: &TransactionalTree,
        queue: &TransactionalTree,
        keys: &TransactionalTree,
    ) -> Tx<()> {
        self.gone.write_tx(rollups)?;
        for (key, d) in self.by_key() {
            if d.iter().all(|n| *n == 0) {
                continue;
            }
            let mut c: DayCounts = match rollups.get(&key)? {
                Some(v) => codec::decode(&v).map_err(abort)?,
                None => DayCounts::default(),
            };
            c.apply(&d);
            if c.is_zero() {
                rollups.remove(key)?;
            } else {
                rollups.insert(key, codec::encode(&c).map_err(abort)?)?;
            }
        }
        let mut fresh: BTreeMap<Id<Workspace>, Vec<Id<Item>>> = BTreeMap::new();
        for ((ws, id), held) in &self.changed {
            let key = crate::store::keys::pair(ws, id);
            if queue.get(key)?.is_some() {
                continue;
            }
            match held {
                // The index holds nothing for it: one entry lists many such.
                None => fresh.entry(*ws).or_default().push(*id),
                Some(_) if search::fresh::waits_tx(queue, ws, id)? => {}
                Some(_) => {
                    let entry = search::queued_doc_tx(s, keys, held.as_ref(), &self.tz)?;
                    queue.insert(key.as_slice(), entry)?;
                }
            }
        }
        for (ws, ids) in &fresh {
            search::fresh::add_tx(queue, ws, ids)?;
        }
        Ok(())
    }
}
