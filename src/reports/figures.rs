//! What a client report shows, gathered from the store: the dashboard's figures for the whole
//! report and for each of its locations, and the period's notable reviews.

use crate::domain::{
    Brand, Id, Item, ItemStatus, Kind, Location, Origin, Rating, RatingFilter, Workspace, date_day,
};
use crate::services::stats::{Bucket, Point, Series, Totals};
use crate::store::{DayCounts, ItemFilter, PageRequest, Polarity, Store, WordCount, month_number};
use std::collections::HashMap;
use time::{Date, OffsetDateTime};

/// One scope's figures: totals against the period before, a series, frequent words.
#[derive(Debug, Clone)]
pub struct Figures {
    pub totals: Totals,
    pub previous: Totals,
    pub series: Vec<Point>,
    pub positive_words: Vec<WordCount>,
    pub negative_words: Vec<WordCount>,
}

#[derive(Debug, Clone)]
pub struct LocationFigures {
    pub id: Id<Location>,
    pub name: String,
    pub figures: Figures,
}

/// A review quoted in a report.
#[derive(Debug, Clone)]
pub struct Notable {
    pub stars: Option<u8>,
    pub recommends: Option<bool>,
    pub author: String,
    pub location: String,
    pub origin: Origin,
    pub text: String,
    pub date: Date,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub workspace: String,
    pub brand: Brand,
    pub from: Date,
    pub to: Date,
    /// "March 2027", or "1–7 March 2027".
    pub label: String,
    pub summary: Figures,
    /// Every location of the report with items in the period, best average first.
    pub locations: Vec<LocationFigures>,
    pub best: Vec<Notable>,
    pub lowest: Vec<Notable>,
    pub made_at: OffsetDateTime,
}

/// The figures of `locs` (`None`: the whole workspace, as the dashboard counts it) over
/// `[from, to]`.
pub fn figures(
    store: &Store,
    ws: &Id<Workspace>,
    locs: Option<&[Id<Location>]>,
    from: Date,
    to: Date,
) -> anyhow::Result<Figures> {
    let (a, b) = (date_day(from), date_day(to) + 1);
    let len = b - a;
    let scopes: Vec<Option<&Id<Location>>> = match locs {
        None => vec![None],
        Some(l) => l.iter().map(Some).collect(),
    };
    let bucket = Bucket::fitting(len);
    let mut series = Series::new(a, b, bucket);
    let (mut now, mut before) = (DayCounts::default(), DayCounts::default());
    let (mut pos, mut neg): (HashMap<String, u64>, HashMap<String, u64>) = Default::default();
    let items = store.items();
    let search = store.search();
    let months = month_number(from)..=month_number(to);
    for loc in scopes {
        now.add(&items.total(ws, loc, a, b)?);
        before.add(&items.total(ws, loc, a.saturating_sub(len), a)?);
        for (day, origin, c) in items.days(ws, loc, a, b)? {
            series.add(day, origin, &c);
        }
        for (polarity, into) in [
            (Polarity::Positive, &mut pos),
            (Polarity::Negative, &mut neg),
        ] {
            for w in search.top_words(ws, loc, months.clone(), polarity, 30)? {
                *into.entry(w.term).or_default() += w.count;
            }
        }
    }
    Ok(Figures {
        totals: Totals::of(&now),
        previous: Totals::of(&before),
        series: series.points(),
        positive_words: top(pos, 8),
        negative_words: top(neg, 8),
    })
}

fn top(counts: HashMap<String, u64>, n: usize) -> Vec<WordCount> {
    let mut v: Vec<WordCount> = counts
        .into_iter()
        .map(|(term, count)| WordCount { term, count })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.term.cmp(&b.term)));
    v.truncate(n);
    v
}

/// The period's best and lowest reviews with text (two of each), of reviewers not restricted.
pub fn notable(
    store: &Store,
    ws: &Id<Workspace>,
    locations: &[Location],
    since: OffsetDateTime,
    until: OffsetDateTime,
) -> anyhow::Result<(Vec<Notable>, Vec<Notable>)> {
    let names: HashMap<Id<Location>, &str> =
        locations.iter().map(|l| (l.id, l.name.as_str())).collect();
    let pick = |ratings: &[RatingFilter], longest: bool| -> anyhow::Result<Vec<Notable>> {
        let mut found: Vec<Item> = Vec::new();
        for r in ratings {
            let filter = ItemFilter {
                rating: Some(*r),
                kind: Some(Kind::Review),
                since: Some(since),
                until: Some(until),
                ..Default::default()
            };
            let page = store.items().page(ws, &filter, &PageRequest::first(200))?;
            for item in page.items {
                if names.contains_key(&item.location)
                    && item.status != ItemStatus::Removed
                    && item.text.split_whitespace().count() >= 3
                    && !store.items().reviewer_restricted(ws, &item)?
                {
                    found.push(item);
                }
            }
            if found.len() >= 2 {
                break;
            }
        }
        if longest {
            found.sort_by_key(|i| std::cmp::Reverse(i.text.len().min(400)));
        }
        Ok(found
            .into_iter()
            .take(2)
            .map(|i| quote(&i, names.get(&i.location).copied().unwrap_or("")))
            .collect())
    };
    let best = pick(
        &[RatingFilter::Stars(5), RatingFilter::Recommends(true)],
        true,
    )?;
    let lowest = pick(
        &[
            RatingFilter::Stars(1),
            RatingFilter::Recommends(false),
            RatingFilter::Stars(2),
        ],
        false,
    )?;
    Ok((best, lowest))
}

fn quote(i: &Item, location: &str) -> Notable {
    let (stars, recommends) = match i.rating {
        Some(Rating::Stars(s)) => (Some(s.clamp(1, 5)), None),
        Some(Rating::Recommends(r)) => (None, Some(r)),
        None => (None, None),
    };
    // First name and initial: enough for a client to recognise the review, no more.
    let mut words = i.author.name.split_whitespace();
    let author = match (i.author.anonymous, words.next(), words.next_back()) {
        (false, Some(first), Some(last)) => {
            format!("{first} {}.", last.chars().next().unwrap_or(' '))
        }
        (false, Some(first), None) => first.to_string(),
        _ => "A customer".to_string(),
    };
    Notable {
        stars,
        recommends,
        author,
        location: location.to_string(),
        origin: i.origin,
        text: i.text.clone(),
        date: i.created_at.date(),
    }
}
