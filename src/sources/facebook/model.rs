//! Facebook's answers as Rust types, and what they map to. Path pieces are checked
//! here before they can reach a URL.

use crate::domain::{Author, Fetched};
use crate::sources::wire::{ProviderError, parse_time};
use serde::Deserialize;
use time::OffsetDateTime;

#[derive(Deserialize)]
pub(super) struct TokenAnswer {
    pub(super) access_token: String,
    #[serde(default)]
    pub(super) expires_in: Option<i64>,
}

#[derive(Deserialize)]
pub(super) struct List<T> {
    #[serde(default = "Vec::new")]
    pub(super) data: Vec<T>,
    #[serde(default)]
    pub(super) paging: Option<Paging>,
}

#[derive(Deserialize)]
pub(super) struct Paging {
    pub(super) next: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct PageEntry {
    pub(super) id: String,
    pub(super) name: Option<String>,
    pub(super) access_token: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct Me {
    #[serde(default)]
    pub(super) name: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct From {
    pub(super) id: Option<String>,
    pub(super) name: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct RatingEntry {
    pub(super) created_time: String,
    #[serde(default)]
    pub(super) rating: Option<u8>,
    #[serde(default)]
    pub(super) recommendation_type: Option<String>,
    #[serde(default)]
    pub(super) review_text: Option<String>,
    #[serde(default)]
    pub(super) reviewer: Option<From>,
    #[serde(default)]
    pub(super) open_graph_story: Option<Story>,
}

#[derive(Deserialize)]
pub(super) struct Story {
    pub(super) id: String,
}

#[derive(Deserialize)]
pub(super) struct Post {
    pub(super) id: String,
    #[serde(default)]
    pub(super) message: Option<String>,
    pub(super) created_time: String,
    #[serde(default)]
    pub(super) from: Option<From>,
    #[serde(default)]
    pub(super) permalink_url: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct CommentEntry {
    pub(super) id: String,
    #[serde(default)]
    pub(super) from: Option<From>,
    #[serde(default)]
    pub(super) message: Option<String>,
    pub(super) created_time: String,
    #[serde(default)]
    pub(super) parent: Option<Parent>,
    #[serde(default)]
    pub(super) permalink_url: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct Parent {
    pub(super) id: String,
}

#[derive(Deserialize)]
pub(super) struct Created {
    pub(super) id: String,
}

/// A page of one Graph list and the URL of the next (absent on the last page).
pub struct Batch<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// A comment as read, before the page's own replies are folded into their parents.
pub struct Comment {
    pub fetched: Fetched,
    pub from_id: Option<String>,
    pub parent: Option<String>,
}

pub(super) fn safe_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 100 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub(super) fn time_of(s: &str) -> Result<OffsetDateTime, ProviderError> {
    parse_time(s)
        .ok_or_else(|| ProviderError::Malformed(format!("created_time `{s}` is not a time")))
}

pub(super) fn author(from: Option<From>) -> Author {
    match from {
        Some(f) => Author {
            anonymous: f.name.is_none(),
            name: f.name.unwrap_or_else(|| "A Facebook user".into()),
            photo_url: None,
            external_id: f.id,
        },
        None => Author {
            name: "A Facebook user".into(),
            photo_url: None,
            anonymous: true,
            external_id: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_go_into_paths_are_plain() {
        assert!(safe_id("123_456"));
        assert!(!safe_id("123/../me"));
        assert!(!safe_id("1?x=2"));
        assert!(!safe_id(""));
    }
}
