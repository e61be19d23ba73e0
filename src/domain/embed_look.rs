//! How a showcase looks where it is embedded, and where it may be: layout, theme, the brand
//! colour, the sites allowed to frame it.

use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    #[default]
    List,
    /// A grid that becomes a swipeable row on narrow screens.
    Grid,
    /// The average and the count, one line.
    Badge,
}

impl Layout {
    pub const ALL: [Self; 3] = [Self::List, Self::Grid, Self::Badge];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::List => "list",
            Self::Grid => "grid",
            Self::Badge => "badge",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    Light,
    Dark,
    /// Follows the visitor's system setting.
    #[default]
    Auto,
}

impl Theme {
    pub const ALL: [Self; 3] = [Self::Light, Self::Dark, Self::Auto];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Light => "light",
            Self::Dark => "dark",
            Self::Auto => "auto",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// A brand colour as `#rrggbb` (lower case), or why not.
pub fn parse_colour(s: &str) -> Result<String, String> {
    let s = s.trim();
    let hex = s.strip_prefix('#').unwrap_or(s);
    if hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(format!("#{}", hex.to_ascii_lowercase()))
    } else {
        Err(format!("`{s}` is not a colour like #1f6feb"))
    }
}

/// An origin a set may be framed by: `https://host[:port]` (http only for loopback, for
/// trying a site locally), normalised; or why not.
pub fn parse_origin(s: &str) -> Result<String, String> {
    let bad = || {
        format!(
            "`{}` is not a site address like https://example.com",
            s.trim()
        )
    };
    let url = url::Url::parse(s.trim()).map_err(|_| bad())?;
    let host = url.host_str().ok_or_else(bad)?;
    let loopback = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
    let ok_scheme = url.scheme() == "https" || (url.scheme() == "http" && loopback);
    if !ok_scheme || !url.username().is_empty() || url.password().is_some() {
        return Err(bad());
    }
    if !matches!(url.path(), "" | "/") || url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "`{}`: give the site only (scheme and host), without a path",
            s.trim()
        ));
    }
    Ok(url.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_sites_only() {
        assert_eq!(
            parse_origin("https://Example.com/").unwrap(),
            "https://example.com"
        );
        assert_eq!(
            parse_origin("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        for bad in [
            "http://example.com",
            "https://example.com/page",
            "javascript:alert(1)",
            "https://user@example.com",
            "example.com",
            "https://example.com?x=1",
        ] {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn colours_are_six_hex_digits() {
        assert_eq!(parse_colour("1F6FEB").unwrap(), "#1f6feb");
        assert!(parse_colour("red").is_err());
    }
}
