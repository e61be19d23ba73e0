//! /workspaces/{ws}/stats (dashboard figures) and /workspaces/{ws}/items.csv (the filtered
//! inbox as a spreadsheet-safe CSV file).

use super::items::ItemsQuery;
use super::{Answer, Api, WsPath};
use crate::http::ApiError;
use crate::services::exports;
use crate::services::stats::{self, Bucket, Period, Stats, Totals};
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct StatsQuery {
    /// A location id; the whole workspace when absent.
    #[schemars(regex(pattern = r"^[0-9a-f]{32}$"))]
    pub location: Option<String>,
    /// First day (YYYY-MM-DD); default 89 days before `to`.
    #[schemars(schema_with = "date")]
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD), included; default today.
    #[schemars(schema_with = "date")]
    pub to: Option<String>,
    /// `day`, `week` or `month`; default fits the period.
    #[schemars(regex(pattern = r"^(day|week|month)$"))]
    pub bucket: Option<String>,
}

fn date(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "string", "format": "date"})
}

fn bad(message: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid", message)
}

pub fn parse_date(field: &str, s: &str) -> Result<Date, String> {
    Date::parse(s, &time::format_description::well_known::Iso8601::DATE)
        .map_err(|_| format!("{field}: `{s}` is not a date such as 2026-11-30"))
}

impl StatsQuery {
    pub fn period(&self) -> Result<Period, String> {
        let empty = |o: &Option<String>| o.as_deref().filter(|s| !s.is_empty()).map(str::to_string);
        Ok(Period {
            location: match empty(&self.location) {
                Some(l) => Some(
                    l.parse()
                        .map_err(|_| format!("location: `{l}` is not a location id"))?,
                ),
                None => None,
            },
            from: empty(&self.from)
                .map(|s| parse_date("from", &s))
                .transpose()?,
            to: empty(&self.to).map(|s| parse_date("to", &s)).transpose()?,
            bucket: match empty(&self.bucket) {
                Some(b) => Some(
                    Bucket::parse(&b)
                        .ok_or_else(|| format!("bucket: `{b}`: use day, week or month"))?,
                ),
                None => None,
            },
        })
    }
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct TotalsView {
    items: u64,
    rated: u64,
    average: Option<f64>,
    /// Rated items per star, 1 to 5.
    distribution: [u64; 5],
    replied: u64,
    response_rate: Option<f64>,
    /// The range (minutes) holding the median response time; no `to`: longer than `from`.
    median_response_minutes: Option<SpanView>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct SpanView {
    from: u32,
    to: Option<u32>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct PointView {
    /// First day of the bucket.
    start: String,
    google: u64,
    facebook: u64,
    import: u64,
    rated: u64,
    average: Option<f64>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct LocationRowView {
    id: String,
    name: String,
    items: u64,
    rated: u64,
    average: Option<f64>,
    response_rate: Option<f64>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct WordView {
    term: String,
    count: u64,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct StatsView {
    location: Option<String>,
    from: String,
    to: String,
    bucket: String,
    totals: TotalsView,
    previous: TotalsView,
    /// `totals.average − previous.average`, when both exist.
    average_change: Option<f64>,
    series: Vec<PointView>,
    locations: Vec<LocationRowView>,
    positive_words: Vec<WordView>,
    negative_words: Vec<WordView>,
}

fn totals(t: &Totals) -> TotalsView {
    TotalsView {
        items: t.items,
        rated: t.rated,
        average: t.average,
        distribution: t.distribution,
        replied: t.replied,
        response_rate: t.response_rate,
        median_response_minutes: t.median_response_minutes.map(|s| SpanView {
            from: s.from,
            to: s.to,
        }),
    }
}

pub fn view(s: &Stats) -> StatsView {
    let words = |w: &[crate::store::WordCount]| {
        w.iter()
            .map(|x| WordView {
                term: x.term.clone(),
                count: x.count,
            })
            .collect()
    };
    StatsView {
        location: s.location.map(|l| l.to_string()),
        from: s.from.to_string(),
        to: s.to.to_string(),
        bucket: s.bucket.as_str().to_string(),
        totals: totals(&s.totals),
        previous: totals(&s.previous),
        average_change: s.totals.average.zip(s.previous.average).map(|(a, b)| a - b),
        series: s
            .series
            .iter()
            .map(|p| PointView {
                start: p.start.to_string(),
                google: p.google,
                facebook: p.facebook,
                import: p.import,
                rated: p.rated,
                average: p.average,
            })
            .collect(),
        locations: s
            .locations
            .iter()
            .map(|l| LocationRowView {
                id: l.id.to_string(),
                name: l.name.clone(),
                items: l.items,
                rated: l.rated,
                average: l.average,
                response_rate: l.response_rate,
            })
            .collect(),
        positive_words: words(&s.positive_words),
        negative_words: words(&s.negative_words),
    }
}

pub(super) async fn get_stats(api: Api, ws: WsPath, q: super::Query<StatsQuery>) -> Answer {
    let ws = ws.into_inner();
    let period = q.period().map_err(bad)?;
    let s = api
        .read(move |ctx, who| stats::stats(ctx, who, &ws, &period))
        .await?;
    Ok(HttpResponse::Ok().json(view(&s)))
}

pub(super) async fn export_csv(api: Api, ws: WsPath, q: super::Query<ItemsQuery>) -> Answer {
    let ws = ws.into_inner();
    let (filter, _) = q.filter()?;
    let body = api
        .read(move |ctx, who| exports::items_csv(ctx, who, &ws, &filter))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"plaudit-items.csv\"",
        ))
        .body(body))
}
