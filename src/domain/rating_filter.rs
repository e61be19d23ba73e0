//! Filtering lists by rating: stars, or a Facebook recommendation, never mixed.

use super::Rating;

/// What a list filters ratings by: stars, or a Facebook recommendation (yes or no). A
/// recommendation is never a star rating here, although averages count it as 5 or 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatingFilter {
    Stars(u8),
    Recommends(bool),
}

impl RatingFilter {
    /// `1`–`5`, `recommends` or `not_recommended`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "recommends" => Some(Self::Recommends(true)),
            "not_recommended" => Some(Self::Recommends(false)),
            _ => s
                .parse()
                .ok()
                .filter(|n| (1..=5).contains(n))
                .map(Self::Stars),
        }
    }

    pub fn matches(self, rating: Option<Rating>) -> bool {
        match (self, rating) {
            (Self::Stars(s), Some(Rating::Stars(x))) => x.clamp(1, 5) == s,
            (Self::Recommends(a), Some(Rating::Recommends(b))) => a == b,
            _ => false,
        }
    }

    /// The stars matching items count as (what location lists keep beside each stamp).
    pub fn stars(self) -> u8 {
        match self {
            Self::Stars(s) => s,
            Self::Recommends(yes) => Rating::Recommends(yes).stars(),
        }
    }
}
