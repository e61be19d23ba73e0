//! Google's answers as Rust types, and what they map to. Path pieces are checked
//! here before they can reach a URL.

use crate::domain::{Author, Fetched, FetchedReply, Kind, Rating};
use crate::sources::wire::{ProviderError, parse_time};
use serde::Deserialize;
use time::OffsetDateTime;

#[derive(Deserialize)]
pub(super) struct TokenAnswer {
    pub(super) access_token: String,
    #[serde(default)]
    pub(super) expires_in: Option<i64>,
    #[serde(default)]
    pub(super) refresh_token: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct UserInfo {
    #[serde(default)]
    pub(super) email: Option<String>,
    #[serde(default)]
    pub(super) name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AccountsPage {
    #[serde(default)]
    pub(super) accounts: Vec<Account>,
    pub(super) next_page_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Account {
    pub(super) name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct LocationsPage {
    #[serde(default)]
    pub(super) locations: Vec<GLocation>,
    pub(super) next_page_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct GLocation {
    pub(super) name: String,
    #[serde(default)]
    pub(super) title: Option<String>,
    #[serde(default)]
    pub(super) metadata: Option<GMetadata>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct GMetadata {
    pub(super) new_review_uri: Option<String>,
    pub(super) maps_uri: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ReviewsPage {
    #[serde(default)]
    pub(super) reviews: Vec<Review>,
    pub(super) next_page_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Review {
    pub(super) review_id: String,
    #[serde(default)]
    pub(super) reviewer: Option<Reviewer>,
    #[serde(default)]
    pub(super) star_rating: Option<String>,
    #[serde(default)]
    pub(super) comment: Option<String>,
    pub(super) create_time: String,
    pub(super) update_time: Option<String>,
    #[serde(default)]
    pub(super) review_reply: Option<GReply>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Reviewer {
    #[serde(default)]
    pub(super) display_name: Option<String>,
    #[serde(default)]
    pub(super) profile_photo_url: Option<String>,
    #[serde(default)]
    pub(super) is_anonymous: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct GReply {
    #[serde(default)]
    pub(super) comment: String,
    pub(super) update_time: Option<String>,
}

/// One page of reviews, newest update first.
pub struct ReviewsBatch {
    pub items: Vec<Fetched>,
    pub next_page_token: Option<String>,
}

/// Path pieces we put into URLs come from the provider or the user: only safe characters.
/// An id that can be one URL path segment once percent-encoded: nothing that would change
/// the path's shape (`/`, `?`, `#`, `%`, `\`, spaces, controls, `.` and `..`). Google's ids are
/// letters, digits, `-` and `_` in practice; the rest is refused rather than guessed at.
pub(super) fn safe_segment(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 300
        && s.chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"/?#%\\".contains(c))
        && s != "."
        && s != ".."
}

const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A checked path (`accounts/1/locations/2/reviews/x`) with each segment percent-encoded.
pub(super) fn encoded(path: &str) -> String {
    path.split('/')
        .map(|seg| percent_encoding::utf8_percent_encode(seg, SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// `accounts/{a}/locations/{l}`, the shape of a Google feed id.
pub fn valid_feed(feed: &str) -> bool {
    let parts: Vec<&str> = feed.split('/').collect();
    parts.len() == 4
        && parts[0] == "accounts"
        && parts[2] == "locations"
        && safe_segment(parts[1])
        && safe_segment(parts[3])
}

pub(super) fn join(base: &url::Url, path: &str) -> String {
    format!("{}/{}", base.as_str().trim_end_matches('/'), path)
}

pub(super) fn stars(s: Option<&str>) -> Option<Rating> {
    let n = match s? {
        "ONE" => 1,
        "TWO" => 2,
        "THREE" => 3,
        "FOUR" => 4,
        "FIVE" => 5,
        _ => return None,
    };
    Some(Rating::Stars(n))
}

pub(super) fn time_of(s: &str, what: &str) -> Result<OffsetDateTime, ProviderError> {
    parse_time(s).ok_or_else(|| ProviderError::Malformed(format!("{what} `{s}` is not a time")))
}

pub(super) fn review(feed: &str, r: Review) -> Result<Fetched, ProviderError> {
    if !safe_segment(&r.review_id) {
        return Err(ProviderError::Malformed(
            "a review id has unsafe characters".into(),
        ));
    }
    let created = time_of(&r.create_time, "createTime")?;
    let updated = match &r.update_time {
        Some(u) => time_of(u, "updateTime")?,
        None => created,
    };
    let reply = match r.review_reply {
        Some(rr) => Some(FetchedReply {
            text: rr.comment,
            at: match rr.update_time.as_deref() {
                Some(t) => time_of(t, "reviewReply.updateTime")?,
                None => updated,
            },
            external_id: None,
        }),
        None => None,
    };
    let reviewer = r.reviewer.unwrap_or(Reviewer {
        display_name: None,
        profile_photo_url: None,
        is_anonymous: true,
    });
    Ok(Fetched {
        kind: Kind::Review,
        link: None,
        parent_external_id: None,
        author: Author {
            name: reviewer
                .display_name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| "A Google user".into()),
            photo_url: reviewer.profile_photo_url,
            anonymous: reviewer.is_anonymous,
            external_id: None,
        },
        rating: stars(r.star_rating.as_deref()),
        text: r.comment.unwrap_or_default(),
        created_at: created,
        updated_at: updated,
        reply,
        reply_authoritative: true,
        external_id: format!("{feed}/reviews/{}", r.review_id),
    })
}

/// `accounts/a/locations/l/reviews/r` → `.../reviews/r/reply`, refusing anything else.
pub(super) fn reply_path(review: &str) -> Result<String, ProviderError> {
    let (feed, id) = review
        .rsplit_once("/reviews/")
        .filter(|(f, id)| valid_feed(f) && safe_segment(id))
        .ok_or_else(|| ProviderError::Refused(format!("`{review}` is not a Google review")))?;
    Ok(encoded(&format!("{feed}/reviews/{id}/reply")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_and_review_ids_are_checked_before_they_reach_a_url() {
        assert!(valid_feed("accounts/123/locations/456"));
        for bad in [
            "accounts/1/locations/../x",
            "accounts/1/locations/2/reviews",
            "accounts/1/locations/2?x=1",
            "locations/2",
            "accounts//locations/2",
        ] {
            assert!(!valid_feed(bad), "{bad}");
        }
        assert_eq!(
            reply_path("accounts/1/locations/2/reviews/AbC").unwrap(),
            "accounts/1/locations/2/reviews/AbC/reply"
        );
        assert!(reply_path("accounts/1/locations/2/reviews/a/b").is_err());
        assert_eq!(
            reply_path("accounts/1/locations/2/reviews/Ab:C=").unwrap(),
            "accounts/1/locations/2/reviews/Ab%3AC%3D/reply"
        );
        assert!(reply_path("accounts/1/locations/2/reviews/a%2Fb").is_err());
    }

    #[test]
    fn a_review_maps_to_an_item() {
        let raw = r#"{"name":"accounts/1/locations/2/reviews/AbC","reviewId":"AbC",
            "reviewer":{"displayName":"Ana","profilePhotoUrl":"https://x/p.png","isAnonymous":false},
            "starRating":"FOUR","comment":"Great coffee","createTime":"2026-01-02T10:00:00Z",
            "updateTime":"2026-01-03T09:00:00.123Z","reviewReply":{"comment":"Thanks!","updateTime":"2026-01-04T00:00:00Z"}}"#;
        let r: Review = serde_json::from_str(raw).unwrap();
        let f = review("accounts/1/locations/2", r).unwrap();
        assert_eq!(f.external_id, "accounts/1/locations/2/reviews/AbC");
        assert_eq!(f.rating, Some(Rating::Stars(4)));
        assert_eq!(f.reply.unwrap().text, "Thanks!");
        let bare: Review = serde_json::from_str(
            r#"{"reviewId":"x","starRating":"STAR_RATING_UNSPECIFIED","createTime":"2026-01-02T10:00:00Z"}"#,
        )
        .unwrap();
        let f = review("accounts/1/locations/2", bare).unwrap();
        assert_eq!((f.rating, f.text.as_str(), f.reply), (None, "", None));
    }
}
