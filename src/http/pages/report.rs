//! The printable monthly report of one location: the dashboard's figures and charts for a
//! calendar month, laid out for the browser's "Save as PDF".

use super::dashboard::{View, view};
use super::workspaces::{WsNav, enter};
use super::{Answer, Visit, html, show};
use crate::domain::{Access, Location};
use crate::http::Layout;
use crate::http::api::reports::parse_date;
use crate::http::paths::WsPath;
use crate::services::locations;
use crate::services::stats::{self, Bucket, Period};
use actix_web::web;
use askama::Template;
use serde::Deserialize;

#[derive(Deserialize)]
pub(super) struct ReportQuery {
    location: String,
    /// YYYY-MM
    #[serde(default)]
    month: String,
}

#[derive(Template)]
#[template(path = "pages/report.html")]
struct ReportPage {
    layout: Layout,
    ws: WsNav,
    v: View,
    location: Location,
    month: String,
    /// The month shown, as the month picker's value (YYYY-MM).
    picked: String,
}

pub(super) async fn report(
    Visit { req, state, user }: Visit,
    ws: WsPath,
    q: web::Query<ReportQuery>,
) -> Answer {
    let nav = enter(&state, &user, &ws, Access::Read, "dashboard").await?;
    let q = q.into_inner();
    let loc = super::id(&user.layout, &q.location)?;
    let (principal, wid) = (user.principal.clone(), nav.id);
    let month = q.month.clone();
    let (s, location, month) = show(&state, &user.layout, move |ctx| {
        let location = locations::get(ctx, &principal, &wid, &loc)?;
        let today =
            crate::domain::day_date(crate::domain::local_day(&location.zone(), ctx.clock.now()));
        // The month asked for, or the last complete month.
        let first = match parse_date("month", &format!("{month}-01")) {
            Ok(d) if !month.is_empty() => d,
            _ => {
                let this = today.replace_day(1).unwrap_or(today);
                (this - time::Duration::days(1))
                    .replace_day(1)
                    .unwrap_or(this)
            }
        };
        let last = match first.month() {
            time::Month::December => {
                time::Date::from_calendar_date(first.year() + 1, time::Month::January, 1)
            }
            m => time::Date::from_calendar_date(first.year(), m.next(), 1),
        }
        .map_or(first, |d| d - time::Duration::days(1));
        let s = stats::stats(
            ctx,
            &principal,
            &wid,
            &Period {
                location: Some(loc),
                from: Some(first),
                to: Some(last),
                bucket: Some(Bucket::Day),
            },
        )?;
        let label = format!("{} {}", first.month(), first.year());
        let picked = format!("{}-{:02}", first.year(), u8::from(first.month()));
        Ok((s, location, (label, picked)))
    })
    .await?;
    let (month, picked) = month;
    html(
        &req,
        &ReportPage {
            layout: user.layout.clone(),
            ws: nav,
            v: view(s),
            location,
            month,
            picked,
        },
        &user.layout,
    )
}
