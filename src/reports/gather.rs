//! Gathers a whole report: the summary of its locations, each location's figures, the
//! notable reviews.

use super::figures::{self, LocationFigures, Report};
use crate::domain::{Brand, Id, Location, Workspace};
use crate::store::Store;
use time::{Date, OffsetDateTime};

/// What a report covers.
pub struct Scope<'a> {
    pub workspace: &'a Workspace,
    pub brand: Brand,
    /// Empty: every location (the summary then counts as the dashboard does).
    pub locations: &'a [Id<Location>],
    pub from: Date,
    pub to: Date,
    /// The time zone its days are read in (the notable reviews' bounds).
    pub zone: &'a jiff::tz::TimeZone,
}

pub fn build(store: &Store, s: &Scope, now: OffsetDateTime) -> anyhow::Result<Report> {
    let ws = &s.workspace.id;
    let all = store.locations().all(ws)?;
    let chosen: Vec<Location> = all
        .into_iter()
        .filter(|l| {
            if s.locations.is_empty() {
                !l.archived
            } else {
                s.locations.contains(&l.id)
            }
        })
        .collect();
    let summary = if s.locations.is_empty() {
        figures::figures(store, ws, None, s.from, s.to)?
    } else {
        let ids: Vec<Id<Location>> = chosen.iter().map(|l| l.id).collect();
        figures::figures(store, ws, Some(&ids), s.from, s.to)?
    };
    let mut locations = Vec::new();
    for l in &chosen {
        let f = figures::figures(store, ws, Some(std::slice::from_ref(&l.id)), s.from, s.to)?;
        if f.totals.items > 0 {
            locations.push(LocationFigures {
                id: l.id,
                name: l.name.clone(),
                figures: f,
            });
        }
    }
    locations.sort_by(|a, b| {
        let avg = |x: &LocationFigures| x.figures.totals.average.unwrap_or(-1.0);
        avg(b)
            .total_cmp(&avg(a))
            .then_with(|| b.figures.totals.rated.cmp(&a.figures.totals.rated))
    });
    let since = start_of(s.from, s.zone);
    let until = start_of(s.to.next_day().unwrap_or(s.to), s.zone);
    let (best, lowest) = figures::notable(store, ws, &chosen, since, until)?;
    Ok(Report {
        workspace: s.workspace.name.clone(),
        brand: s.brand.clone(),
        from: s.from,
        to: s.to,
        label: super::format::period(s.from, s.to),
        summary,
        locations,
        best,
        lowest,
        made_at: now,
    })
}

/// Midnight starting `d` in `zone`.
fn start_of(d: Date, zone: &jiff::tz::TimeZone) -> OffsetDateTime {
    let civil = jiff::civil::date(d.year() as i16, u8::from(d.month()) as i8, d.day() as i8);
    civil
        .to_zoned(zone.clone())
        .ok()
        .and_then(|z| OffsetDateTime::from_unix_timestamp(z.timestamp().as_second()).ok())
        .unwrap_or_else(|| d.midnight().assume_utc())
}
