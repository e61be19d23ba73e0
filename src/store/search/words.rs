//! Frequent words and phrases of positive and negative reviews, counted per location and per
//! workspace by calendar month (local), so a dashboard reads a dozen small maps, not reviews.
//! Counts are exact until a month's map passes `KEEP_MAX` words; then the rarest are dropped,
//! which can only under-count words too rare to be shown.
use crate::store::kv;

use super::Search;
use crate::domain::text::{document_terms, notable_words};
use crate::domain::{Id, Item, ItemStatus, Location, Workspace, day_date, local_day};
use crate::store::codec;
use crate::store::items::ALL;
use kv::transaction::{ConflictableTransactionError, TransactionalTree};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

const KEEP_MAX: usize = 800;
const KEEP_AFTER_PRUNE: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Polarity {
    /// Four or five stars (or a recommendation).
    Positive,
    /// One or two stars (or "does not recommend").
    Negative,
}

impl Polarity {
    fn tag(self) -> u8 {
        match self {
            Self::Positive => b'+',
            Self::Negative => b'-',
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WordCount {
    pub term: String,
    pub count: u64,
}

/// What one review adds to the word counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contribution {
    location: Id<Location>,
    month: u32,
    polarity: Polarity,
    words: Vec<String>,
}

/// Months as `year · 12 + month − 1`.
pub fn month_number(d: time::Date) -> u32 {
    u32::try_from(d.year()).unwrap_or(0) * 12 + u32::from(u8::from(d.month())) - 1
}

pub(super) fn contribution(i: &Item, tz: &jiff::tz::TimeZone) -> Option<Contribution> {
    if i.status == ItemStatus::Removed {
        return None;
    }
    let polarity = match i.rating?.stars() {
        4..=5 => Polarity::Positive,
        1..=2 => Polarity::Negative,
        _ => return None,
    };
    let words = notable_words(&i.text, &document_terms(&[&i.author.name]));
    (!words.is_empty()).then(|| Contribution {
        location: i.location,
        month: month_number(day_date(local_day(tz, i.created_at))),
        polarity,
        words,
    })
}

fn key(ws: &Id<Workspace>, scope: &[u8; 16], month: u32, p: Polarity) -> Vec<u8> {
    [
        ws.as_bytes().as_slice(),
        scope,
        &month.to_be_bytes(),
        &[p.tag()],
    ]
    .concat()
}

pub(super) fn gather(
    into: &mut BTreeMap<Vec<u8>, HashMap<String, i64>>,
    ws: &Id<Workspace>,
    c: Option<&Contribution>,
    sign: i64,
) {
    let Some(c) = c else { return };
    for scope in [*c.location.as_bytes(), ALL] {
        let e = into
            .entry(key(ws, &scope, c.month, c.polarity))
            .or_default();
        for w in &c.words {
            *e.entry(w.clone()).or_default() += sign;
        }
    }
}

pub(super) fn apply(
    tree: &TransactionalTree,
    deltas: &BTreeMap<Vec<u8>, HashMap<String, i64>>,
) -> Result<(), ConflictableTransactionError<anyhow::Error>> {
    let abort = ConflictableTransactionError::Abort;
    for (k, d) in deltas {
        let mut counts: BTreeMap<String, u64> = match tree.get(k.as_slice())? {
            Some(v) => codec::decode(&v).map_err(abort)?,
            None => BTreeMap::new(),
        };
        for (w, by) in d {
            let n = counts.entry(w.clone()).or_default();
            *n = n.saturating_add_signed(*by);
            if *n == 0 {
                counts.remove(w);
            }
        }
        if counts.len() > KEEP_MAX {
            let mut v: Vec<(String, u64)> = std::mem::take(&mut counts).into_iter().collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v.truncate(KEEP_AFTER_PRUNE);
            counts = v.into_iter().collect();
        }
        if counts.is_empty() {
            tree.remove(k.as_slice())?;
        } else {
            tree.insert(k.as_slice(), codec::encode(&counts).map_err(abort)?)?;
        }
    }
    Ok(())
}

impl Search<'_> {
    /// The `n` most frequent words and phrases of months `[from, to]` (month numbers), for a
    /// location or the workspace.
    pub fn top_words(
        &self,
        ws: &Id<Workspace>,
        loc: Option<&Id<Location>>,
        months: std::ops::RangeInclusive<u32>,
        polarity: Polarity,
        n: usize,
    ) -> anyhow::Result<Vec<WordCount>> {
        let scope = loc.map_or(ALL, |l| *l.as_bytes());
        let mut sum: HashMap<String, u64> = HashMap::new();
        for m in months.take(240) {
            if let Some(v) = self.store.words.get(key(ws, &scope, m, polarity))? {
                let counts: BTreeMap<String, u64> = codec::decode(&v)?;
                for (w, c) in counts {
                    *sum.entry(w).or_default() += c;
                }
            }
        }
        let mut v: Vec<WordCount> = sum
            .into_iter()
            .filter(|(_, c)| *c >= 2)
            .map(|(term, count)| WordCount { term, count })
            .collect();
        v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.term.cmp(&b.term)));
        v.truncate(n);
        Ok(v)
    }
}
