//! Rollups of items, kept in the same transaction as the items they count, so dashboards
//! read counts, never items. Keys of the `rollups` tree (scope = a location, or `ALL` for the
//! whole workspace; days are the location's local days, see `domain::local_day`):
//! - `ws | scope | 'd' | day | origin` → the day's counts, for series by source;
//! - `ws | scope | 's' | level | n` → counts of days `[n·2^level, (n+1)·2^level)` for every
//!   other level from `LOWEST_SPAN` up (4, 16, 64, 256… days), so the total of any period is at
//!   most four spans per level and two runs of fewer than 2^`LOWEST_SPAN` days read from the
//!   day counts, whatever the number of reviews. (Spans of 1 or 2 days would cost about as
//!   many entries as the days themselves and save a period's total only a few reads; the
//!   levels in between would double what every ingest page writes for one read saved. Spans
//!   of 4 days, rollups layout 8: a dashboard totals 200 locations over 90 days, and with
//!   16-day spans the lowest, each read up to 30 day counts at a million reviews.)
use crate::store::kv;

use crate::domain::{Id, Item, Location, Origin, Workspace};
use kv::transaction::ConflictableTransactionError;
use serde::{Deserialize, Serialize};

/// The scope of workspace-wide rollups: no location id is all zeros.
pub const ALL: [u8; 16] = [0; 16];

/// Upper bounds (minutes) of the response-time buckets; the last bucket is "longer".
pub const RESPONSE_BOUNDS_MIN: [u32; 13] = [
    15, 30, 60, 120, 240, 480, 720, 1440, 2880, 4320, 10_080, 20_160, 43_200,
];
pub(super) const BUCKETS: usize = RESPONSE_BOUNDS_MIN.len() + 1;
pub(super) const LEVELS: u8 = 16;
/// The shortest span kept: 4 days.
pub(super) const LOWEST_SPAN: u8 = 2;
pub(super) const WIDTH: usize = 7 + BUCKETS + 3 + 2 + 1;
/// Where the recommendation and attention counts sit in a change.
pub(super) const RECOMMENDS: usize = 7 + BUCKETS + 3;
pub(super) const ATTENTION: usize = RECOMMENDS + 2;

/// Where a source's count sits in `DayCounts::origins`.
pub(super) fn origin_slot(o: Origin) -> usize {
    match o {
        Origin::Google => 0,
        Origin::Facebook => 1,
        Origin::Import => 2,
    }
}

/// A day of one location's items from one source.
pub(super) type DayOf = (Id<Workspace>, Id<Location>, u32, Origin);

/// Counts of items over a day or a span of days.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCounts {
    pub items: u64,
    /// Rated items per star (recommendations count as 5 and 1).
    pub stars: [u64; 5],
    /// Items with a published reply.
    pub replied: u64,
    /// Replied items per response-time bucket (`RESPONSE_BOUNDS_MIN`).
    #[serde(default)]
    pub response: [u64; BUCKETS],
    /// Items per source (Google, Facebook, import): a span answers "how many from each"
    /// without reading its days (rollups layout 5; older values read as zeros and are rebuilt).
    #[serde(default)]
    pub origins: [u64; 3],
    /// Facebook recommendations (yes, no), also counted in `stars` as 5 and 1: the inbox
    /// filters them apart (rollups layout 6; older values read as zeros and are rebuilt).
    #[serde(default)]
    pub recommends: [u64; 2],
    /// Items waiting for someone (`Item::needs_attention`), so the inbox can say how many.
    #[serde(default)]
    pub attention: u64,
}

impl DayCounts {
    pub fn add(&mut self, o: &DayCounts) {
        self.items += o.items;
        self.replied += o.replied;
        for (a, b) in self.stars.iter_mut().zip(o.stars) {
            *a += b;
        }
        for (a, b) in self.response.iter_mut().zip(o.response) {
            *a += b;
        }
        for (a, b) in self.origins.iter_mut().zip(o.origins) {
            *a += b;
        }
        for (a, b) in self.recommends.iter_mut().zip(o.recommends) {
            *a += b;
        }
        self.attention += o.attention;
    }

    /// Items rated in stars, per star: recommendations left out.
    pub fn star_ratings(&self) -> [u64; 5] {
        let mut s = self.stars;
        s[4] = s[4].saturating_sub(self.recommends[0]);
        s[0] = s[0].saturating_sub(self.recommends[1]);
        s
    }

    /// Items from one source.
    pub fn from(&self, origin: Origin) -> u64 {
        self.origins[origin_slot(origin)]
    }

    pub fn rated(&self) -> u64 {
        self.stars.iter().sum()
    }

    /// Average stars, if anything was rated.
    pub fn average(&self) -> Option<f64> {
        let rated = self.rated();
        (rated > 0).then(|| {
            let sum: u64 = self.stars.iter().zip(1..).map(|(n, s)| n * s).sum();
            sum as f64 / rated as f64
        })
    }

    /// The response-time bucket holding the median reply: (from, to) in minutes, `to` None
    /// for the open last bucket.
    pub fn median_response(&self) -> Option<(u32, Option<u32>)> {
        let total: u64 = self.response.iter().sum();
        if total == 0 {
            return None;
        }
        let mut seen = 0;
        for (i, n) in self.response.iter().enumerate() {
            seen += n;
            if seen * 2 >= total {
                let from = if i == 0 {
                    0
                } else {
                    RESPONSE_BOUNDS_MIN[i - 1]
                };
                return Some((from, RESPONSE_BOUNDS_MIN.get(i).copied()));
            }
        }
        None
    }

    pub(super) fn apply(&mut self, d: &[i64; WIDTH]) {
        let add = |n: &mut u64, by: i64| *n = n.saturating_add_signed(by);
        add(&mut self.items, d[0]);
        for (s, by) in self.stars.iter_mut().zip(&d[1..6]) {
            add(s, *by);
        }
        add(&mut self.replied, d[6]);
        for (s, by) in self.response.iter_mut().zip(&d[7..7 + BUCKETS]) {
            add(s, *by);
        }
        for (s, by) in self.origins.iter_mut().zip(&d[7 + BUCKETS..RECOMMENDS]) {
            add(s, *by);
        }
        for (s, by) in self.recommends.iter_mut().zip(&d[RECOMMENDS..ATTENTION]) {
            add(s, *by);
        }
        add(&mut self.attention, d[ATTENTION]);
    }

    pub(super) fn is_zero(&self) -> bool {
        *self == DayCounts::default()
    }
}

pub(super) fn response_bucket(i: &Item) -> Option<usize> {
    let r = i.reply.as_ref().filter(|_| i.replied())?;
    let at = r.published_at.unwrap_or(r.written_at);
    let minutes = (at - i.created_at).whole_minutes().max(0);
    Some(
        RESPONSE_BOUNDS_MIN
            .iter()
            .position(|b| minutes < i64::from(*b))
            .unwrap_or(BUCKETS - 1),
    )
}

pub(super) fn day_key(ws: &Id<Workspace>, scope: &[u8; 16], day: u32, origin: Origin) -> Vec<u8> {
    [
        ws.as_bytes().as_slice(),
        scope,
        b"d",
        &day.to_be_bytes(),
        &[origin.tag()],
    ]
    .concat()
}

pub(super) fn span_key(ws: &Id<Workspace>, scope: &[u8; 16], level: u8, n: u32) -> Vec<u8> {
    [
        ws.as_bytes().as_slice(),
        scope,
        b"s",
        &[level],
        &n.to_be_bytes(),
    ]
    .concat()
}

pub(super) type Tx<T> = Result<T, ConflictableTransactionError<anyhow::Error>>;

pub(super) fn abort(e: anyhow::Error) -> ConflictableTransactionError<anyhow::Error> {
    ConflictableTransactionError::Abort(e)
}

pub(super) use super::rollup_deltas::Deltas;

#[cfg(test)]
use super::rollup_reads::cover;

#[cfg(test)]
#[path = "rollups_tests.rs"]
mod tests;
