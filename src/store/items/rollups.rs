//! Day rollups of items: kept in the same transaction as the items they count.

use super::Items;
use crate::domain::{Id, Item, ItemStatus, Location, Workspace};
use crate::store::codec;
use crate::store::page::{self, Order, PageRequest};
use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionalTree};
use std::collections::HashMap;
use time::OffsetDateTime;

/// Counts per (location, day, origin): what dashboards read instead of items.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCounts {
    pub items: u64,
    /// Rated items per star (recommendations count as 5 and 1).
    pub stars: [u64; 5],
    pub replied: u64,
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

pub(super) type Tx<T> = Result<T, ConflictableTransactionError<anyhow::Error>>;

pub(super) fn abort(e: anyhow::Error) -> ConflictableTransactionError<anyhow::Error> {
    ConflictableTransactionError::Abort(e)
}

/// Changes to day counts gathered over a transaction and written once per day: a page of
/// 50 reviews from the same days touches each rollup once, not 50 times.
#[derive(Default)]
pub(super) struct Deltas(HashMap<Vec<u8>, [i64; 7]>);

impl Deltas {
    /// Adds (+1) or takes away (-1) one item's share of its day's counts.
    pub(super) fn add(&mut self, i: &Item, sign: i64) {
        if i.status == ItemStatus::Removed {
            return;
        }
        let d = self.0.entry(rollup_key(i)).or_default();
        d[0] += sign;
        if let Some(r) = i.rating {
            d[1 + usize::from(r.stars().clamp(1, 5) - 1)] += sign;
        }
        if i.replied() {
            d[6] += sign;
        }
    }

    pub(super) fn apply(self, rollups: &TransactionalTree) -> Tx<()> {
        for (key, d) in self.0 {
            if d.iter().all(|n| *n == 0) {
                continue;
            }
            let mut c: DayCounts = match rollups.get(&key)? {
                Some(v) => codec::decode(&v).map_err(abort)?,
                None => DayCounts::default(),
            };
            let add = |n: &mut u64, by: i64| *n = n.saturating_add_signed(by);
            add(&mut c.items, d[0]);
            for (s, by) in c.stars.iter_mut().zip(&d[1..6]) {
                add(s, *by);
            }
            add(&mut c.replied, d[6]);
            rollups.insert(key, codec::encode(&c).map_err(abort)?)?;
        }
        Ok(())
    }
}

impl Items<'_> {
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

#[cfg(test)]
mod tests {
    use crate::domain::{Author, Fetched, FetchedReply, Id, Kind, Origin, Rating};
    use crate::store::{Destination, Store};
    use time::OffsetDateTime;

    fn review(id: &str, stars: u8, at: OffsetDateTime, reply: bool) -> Fetched {
        Fetched {
            kind: Kind::Review,
            external_id: id.into(),
            parent_external_id: None,
            author: Author::default(),
            rating: Some(Rating::Stars(stars)),
            text: format!("{stars} stars"),
            link: None,
            created_at: at,
            updated_at: at,
            reply: reply.then(|| FetchedReply {
                text: "thanks".into(),
                at,
                external_id: None,
            }),
            reply_authoritative: true,
        }
    }

    #[test]
    fn rollups_follow_new_edited_replied_and_removed_items() {
        let dir = tempfile::tempdir().unwrap();
        let day = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let store = Store::open(dir.path(), 16, day).unwrap();
        let (ws, loc) = (Id::generate(day), Id::generate(day));
        let dest = Destination {
            workspace: ws,
            location: loc,
            origin: Origin::Google,
            feed: "f",
            connection: None,
            alert: false,
        };
        let next_day = day + time::Duration::days(1);
        store
            .items()
            .ingest(
                &dest,
                &[
                    review("a", 5, day, false),
                    review("b", 1, day, true),
                    review("c", 4, next_day, false),
                ],
                day,
            )
            .unwrap();
        let r = store.items().rollups(&ws, &loc).unwrap();
        assert_eq!(r.len(), 2);
        let d0 = &r[&(day.unix_timestamp() as u32 / 86_400)];
        assert_eq!((d0.items, d0.stars, d0.replied), (2, [1, 0, 0, 0, 1], 1));
        // An edit from 1 to 3 stars moves the count; a re-read changes nothing.
        store
            .items()
            .ingest(&dest, &[review("b", 3, day, true)], day)
            .unwrap();
        store
            .items()
            .ingest(&dest, &[review("b", 3, day, true)], day)
            .unwrap();
        let d0 = store.items().rollups(&ws, &loc).unwrap()[&(day.unix_timestamp() as u32 / 86_400)]
            .clone();
        assert_eq!((d0.items, d0.stars, d0.replied), (2, [0, 0, 1, 0, 1], 1));
        // Removed at the source: no longer counted.
        let seen = std::collections::HashSet::from(["a".to_string(), "c".to_string()]);
        store
            .items()
            .mark_missing_removed(&ws, &loc, Origin::Google, "f", &[Kind::Review], &seen)
            .unwrap();
        let d0 = store.items().rollups(&ws, &loc).unwrap()[&(day.unix_timestamp() as u32 / 86_400)]
            .clone();
        assert_eq!((d0.items, d0.stars, d0.replied), (1, [0, 0, 0, 0, 1], 0));
    }
}
