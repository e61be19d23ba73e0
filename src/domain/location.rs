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
    #[serde(with = "time::serde::rfc3339")]
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
        if address.chars().count() > 500 || address.chars().any(|c| c.is_control() && c != '\n') {
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

/// IANA names (`Area/City`, `Area/Sub/City`) or `UTC`. The full database is not embedded; the
/// shape check refuses typos like `Paris` or `GMT+2` that would silently mis-bucket days.
fn is_timezone_name(tz: &str) -> bool {
    const AREAS: [&str; 10] = [
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    ];
    if tz == "UTC" {
        return true;
    }
    let mut parts = tz.split('/');
    let area = parts.next().unwrap_or_default();
    let rest: Vec<&str> = parts.collect();
    AREAS.contains(&area)
        && (1..=2).contains(&rest.len())
        && rest.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 40
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-+".contains(c))
        })
}

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
