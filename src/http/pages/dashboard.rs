//! The dashboard (per workspace or location, for a period) and the printable monthly report
//! per location: figures from `services::stats`, charts drawn here as SVG.

use super::workspaces::{WsNav, enter};
use super::{Answer, Visit, html, show};
use crate::domain::{Access, Location};
use crate::http::Layout;
use crate::http::api::reports::StatsQuery;
use crate::http::charts::{Chart, Kind, Series};
use crate::http::paths::WsPath;
use crate::services::locations;
use crate::services::stats::{self, Bucket, Period, Stats, Totals};
use crate::store::PageRequest;
use actix_web::web;
use askama::Template;
use serde::Deserialize;

/// Figures and charts shared by the dashboard and the report.
pub struct View {
    pub s: Stats,
    pub rating_chart: String,
    pub volume_chart: String,
    pub distribution_chart: String,
}

/// An x label: the month and year for months; the day otherwise, with the year when the
/// period crosses one (a long range must say which March it shows).
fn label(s: &Stats, start: time::Date) -> String {
    let month = &start.month().to_string()[..3];
    match s.bucket {
        Bucket::Month => format!("{month} {}", start.year()),
        _ if s.from.year() != s.to.year() => {
            format!("{month} {} {}", start.day(), start.year())
        }
        _ => format!("{month} {}", start.day()),
    }
}

/// Buckets a daily average is smoothed over: single days with one or two ratings swing from
/// 1 to 5 and would draw a zigzag.
const ROLLING_DAYS: usize = 7;

/// The average stars per bucket; per day, the mean of the last seven days' ratings (weighted
/// by how many there were), None where those days have none.
fn rating_series(s: &Stats) -> (Vec<Option<f64>>, &'static str) {
    if s.bucket != Bucket::Day {
        return (
            s.series.iter().map(|p| p.average).collect(),
            "average stars",
        );
    }
    let values = (0..s.series.len())
        .map(|i| {
            let window = &s.series[i.saturating_sub(ROLLING_DAYS - 1)..=i];
            let rated: u64 = window.iter().map(|p| p.rated).sum();
            let sum: f64 = window
                .iter()
                .filter_map(|p| p.average.map(|a| a * p.rated as f64))
                .sum();
            (rated > 0).then(|| sum / rated as f64)
        })
        .collect();
    (values, "average stars, 7-day rolling")
}

pub fn view(s: Stats) -> View {
    let labels: Vec<String> = s.series.iter().map(|p| label(&s, p.start)).collect();
    let per = s.bucket.as_str();
    let (averages, average_name) = rating_series(&s);
    let rating_chart = Chart {
        id: "rating",
        title: "Average rating",
        summary: format!(
            "Average stars per {per} from {} to {}; over the period {}.",
            s.from,
            s.to,
            s.totals
                .average
                .map_or("no rated reviews".into(), |a| format!("{a:.2} of 5"))
        ),
        x_labels: labels.clone(),
        series: vec![Series {
            name: average_name.into(),
            class: "s-line",
            values: averages,
        }],
        kind: Kind::Lines,
        y_range: Some((1.0, 5.0)),
        y_unit: "stars",
    }
    .svg();
    let volume_chart = Chart {
        id: "volume",
        title: "Reviews and comments by source",
        summary: format!(
            "Items per {per}: {} in all, {} from Google, {} from Facebook, {} imported.",
            s.totals.items,
            s.series.iter().map(|p| p.google).sum::<u64>(),
            s.series.iter().map(|p| p.facebook).sum::<u64>(),
            s.series.iter().map(|p| p.import).sum::<u64>()
        ),
        x_labels: labels,
        series: vec![
            Series {
                name: "Google".into(),
                class: "s-google",
                values: s.series.iter().map(|p| Some(p.google as f64)).collect(),
            },
            Series {
                name: "Facebook".into(),
                class: "s-facebook",
                values: s.series.iter().map(|p| Some(p.facebook as f64)).collect(),
            },
            Series {
                name: "Imported".into(),
                class: "s-import",
                values: s.series.iter().map(|p| Some(p.import as f64)).collect(),
            },
        ],
        kind: Kind::StackedBars,
        y_range: None,
        y_unit: "items",
    }
    .svg();
    let d = s.totals.distribution;
    let distribution_chart = Chart {
        id: "distribution",
        title: "Rating distribution",
        summary: format!(
            "Rated reviews by stars: 1 star {}, 2 stars {}, 3 stars {}, 4 stars {}, 5 stars {}.",
            d[0], d[1], d[2], d[3], d[4]
        ),
        x_labels: (1..=5).map(|n| format!("{n} ★")).collect(),
        series: vec![Series {
            name: "reviews".into(),
            class: "s-stars",
            values: d.iter().map(|n| Some(*n as f64)).collect(),
        }],
        kind: Kind::StackedBars,
        y_range: None,
        y_unit: "reviews",
    }
    .svg();
    View {
        s,
        rating_chart,
        volume_chart,
        distribution_chart,
    }
}

impl View {
    pub fn average(&self, t: &Totals) -> String {
        t.average.map_or("–".into(), |a| format!("{a:.2}"))
    }

    pub fn avg(&self, a: &Option<f64>) -> String {
        a.map_or("–".into(), |a| format!("{a:.2}"))
    }

    pub fn change(&self) -> String {
        match (self.s.totals.average, self.s.previous.average) {
            (Some(a), Some(b)) if (a - b).abs() < 0.005 => "no change on the period before".into(),
            (Some(a), Some(b)) => format!("{:+.2} on the period before ({b:.2})", a - b),
            _ => "nothing to compare with the period before".into(),
        }
    }

    pub fn rate(&self, r: &Option<f64>) -> String {
        r.map_or("–".into(), |r| match r * 100.0 {
            p if p > 0.0 && p < 10.0 => format!("{p:.1} %"),
            p => format!("{p:.0} %"),
        })
    }

    pub fn median(&self) -> String {
        let human = |m: u32| super::words::duration(time::Duration::minutes(i64::from(m)));
        match self.s.totals.median_response_minutes {
            Some(sp) => match sp.to {
                Some(to) if sp.from == 0 => format!("under {}", human(to)),
                Some(to) => format!("{} to {}", human(sp.from), human(to)),
                None => format!("over {}", human(sp.from)),
            },
            None => "–".into(),
        }
    }
}

#[derive(Deserialize, Default)]
pub(super) struct Query {
    #[serde(default)]
    location: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    bucket: String,
}

#[derive(Template)]
#[template(path = "pages/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    ws: WsNav,
    v: View,
    locations: Vec<Location>,
    q: Query,
    problem: Option<String>,
}

impl DashboardPage {
    fn is(&self, a: &str, b: &str) -> bool {
        a == b
    }
    /// The five lowest, none of which is among the five best (few locations: none).
    fn worst(&self) -> Vec<&stats::LocationRow> {
        let rated: Vec<&stats::LocationRow> =
            self.v.s.locations.iter().filter(|l| l.rated > 0).collect();
        rated.iter().skip(5).rev().take(5).copied().collect()
    }
    fn best(&self) -> Vec<&stats::LocationRow> {
        self.v
            .s
            .locations
            .iter()
            .filter(|l| l.rated > 0)
            .take(5)
            .collect()
    }
}

fn period(q: &Query) -> Result<Period, String> {
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
    StatsQuery {
        location: opt(&q.location),
        from: opt(&q.from),
        to: opt(&q.to),
        bucket: opt(&q.bucket),
    }
    .period()
}

pub(super) async fn dashboard(
    Visit { req, state, user }: Visit,
    ws: WsPath,
    q: web::Query<Query>,
) -> Answer {
    let nav = enter(&state, &user, &ws, Access::Read, "dashboard").await?;
    let q = q.into_inner();
    let (mut p, problem) = match period(&q) {
        Ok(p) => (p, None),
        Err(e) => (
            Period {
                location: None,
                from: None,
                to: None,
                bucket: None,
            },
            Some(e),
        ),
    };
    if p.from.is_some() && p.to.is_some() && p.from > p.to {
        std::mem::swap(&mut p.from, &mut p.to);
    }
    let (principal, wid) = (user.principal.clone(), nav.id);
    let (s, locs) = show(&state, &user.layout, move |ctx| {
        let s = stats::stats(ctx, &principal, &wid, &p)?;
        let l = locations::list(ctx, &principal, &wid, &PageRequest::first(500))?;
        Ok((s, l.items))
    })
    .await?;
    html(
        &req,
        &DashboardPage {
            layout: user.layout.clone(),
            ws: nav,
            v: view(s),
            locations: locs,
            q,
            problem,
        },
        &user.layout,
    )
}
