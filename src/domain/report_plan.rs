//! Client reports on a schedule: who receives them, when, about which locations and period.

use super::{Email, Id, Location, User};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// Most recipients of one plan.
pub const MAX_RECIPIENTS: usize = 50;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportPlan {
    pub id: Id<ReportPlan>,
    pub name: String,
    pub recipients: Vec<ReportRecipient>,
    pub cadence: Cadence,
    /// The local hour it goes out at, 0–23.
    pub hour: u8,
    /// An IANA time zone name.
    pub zone: String,
    /// Empty: every location.
    pub locations: Vec<Id<Location>>,
    pub period: ReportPeriod,
    pub enabled: bool,
    /// When it next goes out.
    #[serde(with = "crate::domain::when::rfc3339")]
    pub next_at: OffsetDateTime,
    #[serde(default, with = "crate::domain::when::rfc3339::option")]
    pub last_sent_at: Option<OffsetDateTime>,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportRecipient {
    pub id: Id<ReportRecipient>,
    pub to: RecipientTo,
    /// Set by the one-click unsubscribe link; the recipient gets no more reports of the plan.
    #[serde(default, with = "crate::domain::when::rfc3339::option")]
    pub unsubscribed_at: Option<OffsetDateTime>,
}

/// A client contact who has no account, or a member of the workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum RecipientTo {
    Email(Email),
    Member(Id<User>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "every", rename_all = "snake_case")]
pub enum Cadence {
    /// On day `day` of each month (1–31; a shorter month uses its last day).
    Monthly { day: u8 },
    /// On `weekday` (1 Monday … 7 Sunday).
    Weekly { weekday: u8 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportPeriod {
    /// The calendar month before the one it goes out in.
    PreviousMonth,
    /// Monday to Sunday of the week before.
    PreviousWeek,
    /// The 30 days up to the day before.
    Last30Days,
}

impl ReportPeriod {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "previous_month" => Some(Self::PreviousMonth),
            "previous_week" => Some(Self::PreviousWeek),
            "last_30_days" => Some(Self::Last30Days),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PreviousMonth => "previous_month",
            Self::PreviousWeek => "previous_week",
            Self::Last30Days => "last_30_days",
        }
    }

    /// The first and last day covered by a report going out on `day`.
    pub fn dates(self, day: Date) -> (Date, Date) {
        let yesterday = day.previous_day().unwrap_or(day);
        match self {
            Self::PreviousMonth => {
                let last = day
                    .replace_day(1)
                    .unwrap_or(day)
                    .previous_day()
                    .unwrap_or(day);
                (last.replace_day(1).unwrap_or(last), last)
            }
            Self::PreviousWeek => {
                let monday =
                    day - time::Duration::days(i64::from(day.weekday().number_days_from_monday()));
                (
                    monday - time::Duration::days(7),
                    monday - time::Duration::days(1),
                )
            }
            Self::Last30Days => (yesterday - time::Duration::days(29), yesterday),
        }
    }
}

impl Cadence {
    /// The first moment after `after` this cadence fires at `hour` local time in `zone`. A
    /// local time that does not exist (a spring-forward gap) fires at the first instant after
    /// the gap, and one that exists twice fires at the earlier of the two.
    pub fn next(
        self,
        hour: u8,
        zone: &jiff::tz::TimeZone,
        after: OffsetDateTime,
    ) -> OffsetDateTime {
        let Ok(ts) = jiff::Timestamp::from_second(after.unix_timestamp()) else {
            return after;
        };
        let local = ts.to_zoned(zone.clone()).date();
        // Look at each candidate day from the day of `after` on; two months is always enough.
        let mut d = local;
        for _ in 0..70 {
            if self.fires_on(d)
                && let Ok(z) = d
                    .at(i8::try_from(hour.min(23)).unwrap_or(0), 0, 0, 0)
                    .to_zoned(zone.clone())
                && z.timestamp().as_second() > after.unix_timestamp()
            {
                return OffsetDateTime::from_unix_timestamp(z.timestamp().as_second())
                    .unwrap_or(after);
            }
            match d.tomorrow() {
                Ok(t) => d = t,
                Err(_) => break,
            }
        }
        after
    }

    fn fires_on(self, d: jiff::civil::Date) -> bool {
        match self {
            Self::Monthly { day } => {
                let last = d.days_in_month();
                d.day() == i8::try_from(day.clamp(1, 31)).unwrap_or(1).min(last)
            }
            Self::Weekly { weekday } => {
                d.weekday().to_monday_one_offset() == i8::try_from(weekday).unwrap_or(1)
            }
        }
    }

    pub fn describe(self) -> String {
        match self {
            Self::Monthly { day } if day >= 31 => "monthly, on the last day".into(),
            Self::Monthly { day } => format!("monthly, on day {day}"),
            Self::Weekly { weekday } => format!(
                "weekly, on {}",
                [
                    "Monday",
                    "Tuesday",
                    "Wednesday",
                    "Thursday",
                    "Friday",
                    "Saturday",
                    "Sunday"
                ][usize::from(weekday.clamp(1, 7)) - 1]
            ),
        }
    }
}

/// The local calendar day of `t` in `zone`.
pub fn local_date(zone: &jiff::tz::TimeZone, t: OffsetDateTime) -> Date {
    super::day_date(super::local_day(zone, t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn zone(name: &str) -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get(name).unwrap()
    }

    #[test]
    fn monthly_reports_fire_on_their_day_or_the_month_s_last_across_years() {
        let utc = zone("UTC");
        let m31 = Cadence::Monthly { day: 31 };
        let mut t = datetime!(2027-01-15 00:00 UTC);
        let mut fired = Vec::new();
        for _ in 0..4 {
            t = m31.next(8, &utc, t);
            fired.push(t);
        }
        assert_eq!(
            fired,
            [
                datetime!(2027-01-31 08:00 UTC),
                datetime!(2027-02-28 08:00 UTC),
                datetime!(2027-03-31 08:00 UTC),
                datetime!(2027-04-30 08:00 UTC),
            ]
        );
        // Leap year; across the year's end.
        assert_eq!(
            Cadence::Monthly { day: 30 }.next(8, &utc, datetime!(2028-02-01 00:00 UTC)),
            datetime!(2028-02-29 08:00 UTC)
        );
        assert_eq!(
            Cadence::Monthly { day: 1 }.next(6, &utc, datetime!(2027-12-01 06:00 UTC)),
            datetime!(2028-01-01 06:00 UTC)
        );
    }

    #[test]
    fn the_hour_is_local_through_daylight_saving_changes() {
        let ny = zone("America/New_York");
        let m1 = Cadence::Monthly { day: 1 };
        // 08:00 in New York is 13:00 UTC in winter and 12:00 in summer.
        assert_eq!(
            m1.next(8, &ny, datetime!(2027-02-15 00:00 UTC)),
            datetime!(2027-03-01 13:00 UTC)
        );
        assert_eq!(
            m1.next(8, &ny, datetime!(2027-03-15 00:00 UTC)),
            datetime!(2027-04-01 12:00 UTC)
        );
        // 2027-03-14 02:00 does not exist in New York: it fires right after the gap, at 03:00
        // EDT (07:00 UTC); 2027-11-07 01:00 happens twice: the first (EDT, 05:00 UTC).
        let sunday = Cadence::Weekly { weekday: 7 };
        let gap = zone("America/New_York");
        let t = sunday.next(2, &gap, datetime!(2027-03-13 00:00 UTC));
        assert_eq!(t, datetime!(2027-03-14 07:00 UTC));
        assert_eq!(
            sunday.next(1, &gap, datetime!(2027-11-06 00:00 UTC)),
            datetime!(2027-11-07 05:00 UTC)
        );
        // East of UTC: the first of the month in Auckland is still the last day in UTC.
        assert_eq!(
            m1.next(
                9,
                &zone("Pacific/Auckland"),
                datetime!(2027-06-15 00:00 UTC)
            ),
            datetime!(2027-06-30 21:00 UTC)
        );
        // Firing advances: the moment itself is not "after" itself.
        let t = m1.next(8, &ny, datetime!(2027-03-01 13:00 UTC));
        assert_eq!(t, datetime!(2027-04-01 12:00 UTC));
    }

    #[test]
    fn periods_are_the_month_the_week_or_thirty_days_before() {
        assert_eq!(
            ReportPeriod::PreviousMonth.dates(date!(2027 - 03 - 01)),
            (date!(2027 - 02 - 01), date!(2027 - 02 - 28))
        );
        assert_eq!(
            ReportPeriod::PreviousMonth.dates(date!(2028 - 01 - 31)),
            (date!(2027 - 12 - 01), date!(2027 - 12 - 31))
        );
        // 2027-03-03 is a Wednesday.
        assert_eq!(
            ReportPeriod::PreviousWeek.dates(date!(2027 - 03 - 03)),
            (date!(2027 - 02 - 22), date!(2027 - 02 - 28))
        );
        assert_eq!(
            ReportPeriod::Last30Days.dates(date!(2027 - 03 - 01)),
            (date!(2027 - 01 - 30), date!(2027 - 02 - 28))
        );
    }
}
