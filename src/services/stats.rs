//! Dashboard figures for a period: totals and their change against the period before, a
//! series by day, week or month, the locations ranked, and frequent words. All from rollups
//! and word counts, so a dashboard costs the same at ten thousand and ten million reviews.

use super::auth::Principal;
use super::{Ctx, Error, Result};
use crate::domain::{Access, Id, Location, Origin, Workspace, date_day, day_date, local_day};
use crate::store::{DayCounts, Polarity, WordCount, month_number};
use serde::Serialize;
use time::Date;

/// Longest period a dashboard covers (about three years).
pub const MAX_DAYS: u32 = 1_100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Bucket {
    Day,
    Week,
    Month,
}

impl Bucket {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "day" => Some(Self::Day),
            "week" => Some(Self::Week),
            "month" => Some(Self::Month),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }

    /// The bucket a period of `days` days reads best in.
    pub fn fitting(days: u32) -> Self {
        match days {
            0..=45 => Self::Day,
            46..=200 => Self::Week,
            _ => Self::Month,
        }
    }

    /// The first day of the bucket holding `day` (weeks start on Monday).
    pub(crate) fn start(self, day: u32) -> u32 {
        match self {
            Self::Day => day,
            // 1970-01-01 was a Thursday.
            Self::Week => day - (day + 3) % 7,
            Self::Month => {
                let d = day_date(day);
                date_day(d.replace_day(1).unwrap_or(d))
            }
        }
    }

    pub(crate) fn next(self, start: u32) -> u32 {
        match self {
            Self::Day => start + 1,
            Self::Week => start + 7,
            Self::Month => {
                let d = day_date(start);
                let (y, m) = match d.month() {
                    time::Month::December => (d.year() + 1, time::Month::January),
                    m => (d.year(), m.next()),
                };
                Date::from_calendar_date(y, m, 1).map_or(start + 31, date_day)
            }
        }
    }
}

/// What a dashboard asks for: a location or the whole workspace, dates inclusive.
#[derive(Debug, Clone)]
pub struct Period {
    pub location: Option<Id<Location>>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub bucket: Option<Bucket>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    pub items: u64,
    pub rated: u64,
    pub average: Option<f64>,
    /// Rated items per star, 1 to 5.
    pub distribution: [u64; 5],
    pub replied: u64,
    /// Replied ÷ items.
    pub response_rate: Option<f64>,
    /// The response-time bucket holding the median reply, in minutes (`to` absent: longer).
    pub median_response_minutes: Option<Span>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Span {
    pub from: u32,
    pub to: Option<u32>,
}

impl Totals {
    pub(crate) fn of(c: &DayCounts) -> Self {
        Self {
            items: c.items,
            rated: c.rated(),
            average: c.average(),
            distribution: c.stars,
            replied: c.replied,
            response_rate: (c.items > 0).then(|| c.replied as f64 / c.items as f64),
            median_response_minutes: c.median_response().map(|(from, to)| Span { from, to }),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Point {
    pub start: Date,
    pub google: u64,
    pub facebook: u64,
    pub import: u64,
    pub rated: u64,
    pub average: Option<f64>,
}

/// A chart's points over days `[a, b)`, one a bucket, and the day counts summed into each.
pub struct Series {
    a: u32,
    bucket: Bucket,
    points: Vec<Point>,
    index: std::collections::HashMap<u32, usize>,
    sums: Vec<DayCounts>,
}

impl Series {
    pub fn new(a: u32, b: u32, bucket: Bucket) -> Self {
        let mut points = Vec::new();
        let mut start = a;
        while start < b {
            points.push(Point {
                start: day_date(start),
                google: 0,
                facebook: 0,
                import: 0,
                rated: 0,
                average: None,
            });
            start = bucket.next(bucket.start(start));
        }
        let index = points
            .iter()
            .enumerate()
            .map(|(i, pt)| (date_day(pt.start), i))
            .collect();
        let sums = vec![DayCounts::default(); points.len()];
        Self {
            a,
            bucket,
            points,
            index,
            sums,
        }
    }

    /// Counts one day's `c` from `origin` into its bucket (days outside `[a, b)` are not
    /// drawn).
    pub fn add(&mut self, day: u32, origin: Origin, c: &DayCounts) {
        let Some(&i) = self.index.get(&self.bucket.start(day).max(self.a)) else {
            return;
        };
        let pt = &mut self.points[i];
        match origin {
            Origin::Google => pt.google += c.items,
            Origin::Facebook => pt.facebook += c.items,
            Origin::Import => pt.import += c.items,
        }
        self.sums[i].add(c);
    }

    /// The points, with each bucket's rated count and average.
    pub fn points(mut self) -> Vec<Point> {
        for (pt, c) in self.points.iter_mut().zip(&self.sums) {
            pt.rated = c.rated();
            pt.average = c.average();
        }
        self.points
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LocationRow {
    pub id: Id<Location>,
    pub name: String,
    pub items: u64,
    pub rated: u64,
    pub average: Option<f64>,
    pub response_rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub location: Option<Id<Location>>,
    pub location_name: Option<String>,
    pub from: Date,
    pub to: Date,
    pub bucket: Bucket,
    pub totals: Totals,
    /// The same figures for the period of equal length just before.
    pub previous: Totals,
    pub series: Vec<Point>,
    /// Locations with rated items in the period, best average first (workspace view only).
    pub locations: Vec<LocationRow>,
    pub positive_words: Vec<WordCount>,
    pub negative_words: Vec<WordCount>,
}

pub fn stats(ctx: &Ctx, principal: &Principal, ws: &Id<Workspace>, p: &Period) -> Result<Stats> {
    ctx.enter(principal, ws, Access::Read)?;
    let store = &ctx.store;
    // Word counts follow the change log: bring them up to date first.
    store.search().catch_up(4_096)?;
    let all_locations = store.locations().all(ws)?;
    let here = match &p.location {
        Some(l) => Some(
            all_locations
                .iter()
                .find(|x| x.id == *l)
                .cloned()
                .ok_or(Error::NotFound)?,
        ),
        None => None,
    };
    let tz = here
        .as_ref()
        .map_or(jiff::tz::TimeZone::UTC, Location::zone);
    let today = day_date(local_day(&tz, ctx.clock.now()));
    let to = p.to.unwrap_or(today);
    let from = p.from.unwrap_or(to - time::Duration::days(89));
    if from > to {
        return Err(Error::Invalid(
            "from: the period starts after it ends".into(),
        ));
    }
    let (a, b) = (date_day(from), date_day(to) + 1);
    if b - a > MAX_DAYS {
        return Err(Error::Invalid(format!(
            "to: a period covers at most {MAX_DAYS} days"
        )));
    }
    let bucket = p.bucket.unwrap_or(Bucket::fitting(b - a));
    let items = store.items();
    let loc = p.location.as_ref();
    let totals = Totals::of(&items.total(ws, loc, a, b)?);
    let len = b - a;
    let previous = Totals::of(&items.total(ws, loc, a.saturating_sub(len), a)?);

    let mut series = Series::new(a, b, bucket);
    for (day, origin, c) in items.days(ws, loc, a, b)? {
        series.add(day, origin, &c);
    }
    let series = series.points();

    let mut locations = Vec::new();
    if here.is_none() {
        let live: Vec<&Location> = all_locations.iter().filter(|l| !l.archived).collect();
        let scopes: Vec<Option<&Id<Location>>> = live.iter().map(|l| Some(&l.id)).collect();
        // Every location's counts read together (one round trip on a database server).
        for (l, c) in live.iter().zip(items.totals(ws, &scopes, a, b)?) {
            if c.items == 0 {
                continue;
            }
            locations.push(LocationRow {
                id: l.id,
                name: l.name.clone(),
                items: c.items,
                rated: c.rated(),
                average: c.average(),
                response_rate: Some(c.replied as f64 / c.items as f64),
            });
        }
        locations.sort_by(|x, y| {
            y.average
                .unwrap_or(-1.0)
                .total_cmp(&x.average.unwrap_or(-1.0))
                .then_with(|| y.rated.cmp(&x.rated))
        });
    }
    let months = month_number(from)..=month_number(to);
    let search = store.search();
    Ok(Stats {
        location: p.location,
        location_name: here.map(|l| l.name),
        from,
        to,
        bucket,
        totals,
        previous,
        series,
        locations,
        positive_words: search.top_words(ws, loc, months.clone(), Polarity::Positive, 15)?,
        negative_words: search.top_words(ws, loc, months, Polarity::Negative, 15)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_start_on_mondays_and_firsts() {
        let d = |s: &str| {
            date_day(Date::parse(s, &time::format_description::well_known::Iso8601::DATE).unwrap())
        };
        // 2026-12-02 is a Wednesday; its week starts Monday 2026-11-30.
        assert_eq!(
            day_date(Bucket::Week.start(d("2026-12-02"))).to_string(),
            "2026-11-30"
        );
        assert_eq!(
            day_date(Bucket::Month.start(d("2026-12-31"))).to_string(),
            "2026-12-01"
        );
        assert_eq!(
            day_date(Bucket::Month.next(d("2026-12-01"))).to_string(),
            "2027-01-01"
        );
        assert_eq!(Bucket::fitting(30), Bucket::Day);
        assert_eq!(Bucket::fitting(90), Bucket::Week);
        assert_eq!(Bucket::fitting(365), Bucket::Month);
    }
}
