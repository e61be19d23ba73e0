//! Reading the rollups: counts over any days, from the kept spans (`rollups`) and the days
//! between them, for one scope or several at once.

use super::Items;
use super::rollups::{ALL, DayCounts, LEVELS, LOWEST_SPAN, span_key};
use crate::domain::{Id, Location, Origin, Workspace};
use crate::store::{codec, kv};

/// The spans that exactly cover days `[from, to)`: (level, n) pairs.
pub(in crate::store) fn cover(from: u32, to: u32) -> Vec<(u8, u32)> {
    let mut out = Vec::new();
    let mut a = u64::from(from);
    let b = u64::from(to);
    while a < b {
        let mut level = 0u8;
        while level + 1 < LEVELS && a % (1u64 << (level + 1)) == 0 && a + (1u64 << (level + 1)) <= b
        {
            level += 1;
        }
        out.push((level, u32::try_from(a >> level).unwrap_or(u32::MAX)));
        a += 1u64 << level;
    }
    out
}

/// The kept spans making up span `n` of `level` (at least `LOWEST_SPAN`): itself, or its two
/// halves one level down.
fn kept(level: u8, n: u32) -> Vec<(u8, u32)> {
    if (level - LOWEST_SPAN).is_multiple_of(2) {
        vec![(level, n)]
    } else {
        vec![(level - 1, n * 2), (level - 1, n * 2 + 1)]
    }
}

impl Items<'_> {
    /// Counts of days `[from, to)` for one location, or the whole workspace (`loc` None).
    pub fn total(
        &self,
        ws: &Id<Workspace>,
        loc: Option<&Id<Location>>,
        from: u32,
        to: u32,
    ) -> anyhow::Result<DayCounts> {
        Ok(self.totals(ws, &[loc], from, to)?.pop().unwrap_or_default())
    }

    /// `total` for several scopes (the workspace, each location) at once: every kept span of
    /// all of them read in one read.
    pub fn totals(
        &self,
        ws: &Id<Workspace>,
        scopes: &[Option<&Id<Location>>],
        from: u32,
        to: u32,
    ) -> anyhow::Result<Vec<DayCounts>> {
        let mut spans: Vec<Vec<u8>> = Vec::new();
        let mut owner: Vec<usize> = Vec::new();
        // Days not in a kept span, as runs of adjacent days (the same for every scope).
        let mut runs: Vec<(u32, u32)> = Vec::new();
        for (level, n) in cover(from, to) {
            if level < LOWEST_SPAN {
                let (a, b) = (n << level, (n + 1) << level);
                match runs.last_mut() {
                    Some(last) if last.1 == a => last.1 = b,
                    _ => runs.push((a, b)),
                }
            } else {
                for (level, n) in kept(level, n) {
                    for (i, loc) in scopes.iter().enumerate() {
                        let scope = loc.map_or(ALL, |l| *l.as_bytes());
                        spans.push(span_key(ws, &scope, level, n));
                        owner.push(i);
                    }
                }
            }
        }
        let mut out = vec![DayCounts::default(); scopes.len()];
        for (i, v) in owner.iter().zip(self.store.rollups.get_many(&spans)?) {
            if let Some(v) = v {
                out[*i].add(&codec::decode(&v)?);
            }
        }
        // Every scope's runs of days in one read too (a day's keys run past `day_key(.., to)`,
        // so the inclusive end leaves day `to` out).
        let mut ranges = Vec::new();
        for loc in scopes {
            let scope = loc.map_or(ALL, |l| *l.as_bytes());
            for (a, b) in &runs {
                ranges.push((days_from(ws, &scope, *a), days_from(ws, &scope, *b)));
            }
        }
        let found = self.store.rollups.last_in_each(&ranges, usize::MAX)?;
        for (n, entries) in found.iter().enumerate() {
            for (k, v) in entries {
                out[n / runs.len().max(1)].add(&day_entry(k, v)?.2);
            }
        }
        Ok(out)
    }

    /// Day counts by source of days `[from, to)` for one location or the workspace,
    /// oldest first: (day, origin, counts).
    pub fn days(
        &self,
        ws: &Id<Workspace>,
        loc: Option<&Id<Location>>,
        from: u32,
        to: u32,
    ) -> anyhow::Result<Vec<(u32, Origin, DayCounts)>> {
        let scope = loc.map_or(ALL, |l| *l.as_bytes());
        let (start, end) = (days_from(ws, &scope, from), days_from(ws, &scope, to));
        // Collected before any other store call: no iterator stays alive across one.
        let raw: Vec<(kv::IVec, kv::IVec)> = self
            .store
            .rollups
            .range(start..end)
            .collect::<Result<_, _>>()?;
        raw.iter().map(|(k, v)| day_entry(k, v)).collect()
    }
}

/// Where the counts of `day` start in `rollups` (then one key per source).
fn days_from(ws: &Id<Workspace>, scope: &[u8; 16], day: u32) -> Vec<u8> {
    [ws.as_bytes().as_slice(), scope, b"d", &day.to_be_bytes()].concat()
}

/// A day's entry of `rollups` as (day, source, counts).
fn day_entry(k: &[u8], v: &[u8]) -> anyhow::Result<(u32, Origin, DayCounts)> {
    let day = k
        .get(33..37)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u32::from_be_bytes);
    let origin = match k.get(37) {
        Some(b'g') => Origin::Google,
        Some(b'f') => Origin::Facebook,
        _ => Origin::Import,
    };
    Ok((day, origin, codec::decode(v)?))
}
