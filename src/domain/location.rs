//! A location: one shop or clinic, one listing on Google and/or Facebook.

use super::{Id, Workspace};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub id: Id<Location>,
    pub workspace: Id<Workspace>,
    pub name: String,
    pub address: String,
    pub timezone: String,
    pub google_review_url: Option<String>,
    pub facebook_page_url: Option<String>,
    pub archived: bool,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Checks a location's editable fields; returns them trimmed.
pub struct LocationFields {
    pub name: String,
    pub address: String,
    pub timezone: String,
    pub google_review_url: Option<String>,
    pub facebook_page_url: Option<String>,
}

impl LocationFields {
    pub fn parse(
        name: &str,
        address: &str,
        timezone: &str,
        google: Option<&str>,
        facebook: Option<&str>,
    ) -> Result<Self, String> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
            return Err("the name needs 1 to 200 characters and no control characters".into());
        }
        let address = address.trim();
        if address.chars().count() > 500
            || address
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err("the address may have at most 500 characters".into());
        }
        let timezone = timezone.trim();
        if !is_timezone_name(timezone) {
            return Err(format!(
                "`{timezone}` is not a time zone name such as Europe/Paris or America/New_York"
            ));
        }
        let google = link(
            google,
            "google_review_url",
            &["google.com", "g.page", "goo.gl"],
        )?;
        let facebook = link(
            facebook,
            "facebook_page_url",
            &["facebook.com", "fb.com", "fb.me"],
        )?;
        Ok(Self {
            name: name.to_string(),
            address: address.to_string(),
            timezone: timezone.to_string(),
            google_review_url: google,
            facebook_page_url: facebook,
        })
    }
}

/// A name the bundled IANA time zone database knows (`Europe/Paris`, `UTC`). Typos like
/// `Paris` or `GMT+2` are refused: they would silently put reviews on the wrong day.
/// A name the time zone database knows (the API lists them all).
/// Every IANA time zone name the binary carries, sorted: the location form's list.
pub fn timezone_names() -> Vec<String> {
    let mut names: Vec<String> = jiff::tz::db().available().map(|n| n.to_string()).collect();
    names.sort();
    names
}

pub fn is_timezone_name(tz: &str) -> bool {
    !tz.is_empty() && tz.len() <= 64 && jiff::tz::TimeZone::get(tz).is_ok()
}

impl Location {
    /// Its public review pages (Google, Facebook), as set: what feedback pages show every
    /// customer whatever the score.
    pub fn review_links(&self) -> Vec<(&'static str, String)> {
        [
            ("Google", &self.google_review_url),
            ("Facebook", &self.facebook_page_url),
        ]
        .into_iter()
        .filter_map(|(label, url)| url.clone().map(|u| (label, u)))
        .collect()
    }

    /// The location's time zone (UTC if the stored name is no longer in the database).
    pub fn zone(&self) -> jiff::tz::TimeZone {
        zone(&self.timezone)
    }
}

/// The time zone of that name, UTC when unknown.
pub fn zone(name: &str) -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get(name).unwrap_or(jiff::tz::TimeZone::UTC)
}

/// Days since 1970-01-01 on the wall calendar of `tz`: what dashboards count "a day" as.
pub fn local_day(tz: &jiff::tz::TimeZone, t: OffsetDateTime) -> u32 {
    let secs = t.unix_timestamp();
    let offset = jiff::Timestamp::from_second(secs)
        .map(|ts| i64::from(tz.to_offset(ts).seconds()))
        .unwrap_or(0);
    u32::try_from((secs + offset).div_euclid(86_400)).unwrap_or(0)
}

/// The calendar date of a day number.
pub fn day_date(day: u32) -> time::Date {
    time::Date::from_julian_day(i32::try_from(day).unwrap_or(0) + UNIX_EPOCH_JULIAN)
        .unwrap_or(time::Date::MIN)
}

/// The day number of a calendar date (before 1970: 0).
pub fn date_day(d: time::Date) -> u32 {
    u32::try_from(d.to_julian_day() - UNIX_EPOCH_JULIAN).unwrap_or(0)
}

const UNIX_EPOCH_JULIAN: i32 = 2_440_588;

/// An https link on one of the provider's hosts, or nothing.
fn link(raw: Option<&str>, field: &str, hosts: &[&str]) -> Result<Option<String>, String> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let url = url::Url::parse(raw).map_err(|_| format!("{field}: `{raw}` is not a URL"))?;
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let on_host = hosts
        .iter()
        .any(|h| host == *h || host.ends_with(&format!(".{h}")));
    if url.scheme() != "https" || !on_host {
        return Err(format!(
            "{field}: expected an https link on {}",
            hosts.join(" or ")
        ));
    }
    Ok(Some(url.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_follow_the_wall_clock_of_the_zone() {
        // 2026-03-29 00:30 UTC: still the 28th in New York, already the 29th in Paris (DST day).
        let t = time::macros::datetime!(2026-03-29 00:30 UTC);
        let day = |tz: &str| day_date(local_day(&zone(tz), t)).to_string();
        assert_eq!(day("UTC"), "2026-03-29");
        assert_eq!(day("America/New_York"), "2026-03-28");
        assert_eq!(day("Europe/Paris"), "2026-03-29");
        let late = time::macros::datetime!(2026-07-01 22:30 UTC);
        assert_eq!(
            day_date(local_day(&zone("Asia/Tokyo"), late)).to_string(),
            "2026-07-02"
        );
        assert_eq!(date_day(day_date(20_000)), 20_000);
        assert_eq!(zone("No/Such").iana_name(), Some("UTC"));
    }

    #[test]
    fn fields_are_checked() {
        let ok = LocationFields::parse(
            " Bakery ",
            "1 Main St",
            "Europe/Paris",
            Some("https://search.google.com/local/writereview?placeid=abc"),
            Some("https://www.facebook.com/bakery"),
        )
        .unwrap();
        assert_eq!(ok.name, "Bakery");
        for (tz, good) in [
            ("UTC", true),
            ("America/Argentina/Buenos_Aires", true),
            ("Paris", false),
            ("Europe/", false),
            ("GMT+2", false),
            ("Europe/Atlantis", false),
        ] {
            assert_eq!(is_timezone_name(tz), good, "{tz}");
        }
        assert!(LocationFields::parse("x", "", "UTC", Some("javascript:alert(1)"), None).is_err());
        assert!(
            LocationFields::parse(
                "x",
                "",
                "UTC",
                Some("https://evil.example/google.com"),
                None
            )
            .is_err()
        );
        assert!(LocationFields::parse("", "", "UTC", None, None).is_err());
    }
}
