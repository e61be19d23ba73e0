//! The traffic view: rollups of the last minutes summed into series and top lists.

use super::{Error, Result, auth::Principal};
use crate::store::{Rollup, Store};
use time::{Duration, OffsetDateTime};

pub struct Summary {
    pub minutes: usize,
    /// Requests per minute, oldest first, one entry per minute (zeros included).
    pub per_minute: Vec<u64>,
    pub blocked_per_minute: Vec<u64>,
    pub totals: Rollup,
    pub first_minute: i64,
}

pub fn require_admin(principal: &Principal) -> Result<()> {
    if principal.is_instance_admin() {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only instance administrators see traffic and bans".into(),
        ))
    }
}

/// Sums the last `minutes` minutes of rollups; reads at most one rollup per minute.
pub fn summary(store: &Store, now: OffsetDateTime, minutes: usize) -> Result<Summary> {
    let minutes = minutes.clamp(1, 7 * 24 * 60);
    let from = now - Duration::minutes(i64::try_from(minutes).unwrap_or(60) - 1);
    let first_minute = from.unix_timestamp().div_euclid(60);
    let mut per_minute = vec![0; minutes];
    let mut blocked_per_minute = vec![0; minutes];
    let mut totals = Rollup::default();
    for (m, r) in store.traffic().minutes(from, now)? {
        if let Some(i) = usize::try_from(m - first_minute)
            .ok()
            .filter(|i| *i < minutes)
        {
            per_minute[i] = r.requests;
            blocked_per_minute[i] = r.acted.values().sum();
        }
        totals.merge(&r);
    }
    Ok(Summary {
        minutes,
        per_minute,
        blocked_per_minute,
        totals,
        first_minute,
    })
}

/// The `n` largest entries of a count map.
pub fn top(map: &std::collections::BTreeMap<String, u64>, n: usize) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = map.iter().map(|(k, c)| (k.clone(), *c)).collect();
    v.sort_by_key(|e| std::cmp::Reverse(e.1));
    v.truncate(n);
    v
}
