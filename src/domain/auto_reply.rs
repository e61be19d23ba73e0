//! Auto-response rules: a template reply queued for a new star-only review, sent after a delay
//! unless a person cancels it or answers first.

use super::{Id, Item, Kind, Location, Origin, ReplyTemplate};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Most rules of one workspace.
pub const MAX_AUTO_RULES: usize = 20;
/// The shortest delay: long enough for someone watching the inbox to cancel.
pub const MIN_DELAY_MINUTES: u32 = 5;
/// The longest delay, a week.
pub const MAX_DELAY_MINUTES: u32 = 7 * 24 * 60;

/// "Answer new N-star reviews without text with this template, after this delay."
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoRule {
    pub id: Id<AutoRule>,
    pub name: String,
    /// The star ratings it answers (a Facebook recommendation counts as 5, a "does not
    /// recommend" as 1, as the dashboards count them).
    pub stars: Vec<u8>,
    pub template: Id<ReplyTemplate>,
    pub delay_minutes: u32,
    /// Empty: every location of the workspace.
    pub locations: Vec<Id<Location>>,
    pub enabled: bool,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl AutoRule {
    /// Whether this rule answers `item`: a review with one of its ratings and no text, not yet
    /// answered, at one of its locations, on a provider that takes replies to it.
    pub fn answers(&self, item: &Item) -> bool {
        self.enabled
            && item.kind == Kind::Review
            && item.text.trim().is_empty()
            && item.reply.is_none()
            && item.rating.is_some_and(|r| self.stars.contains(&r.stars()))
            && (self.locations.is_empty() || self.locations.contains(&item.location))
            && item.origin != Origin::Import
            // Facebook gives no way to answer a rating without a story (services::items).
            && !(item.origin == Origin::Facebook && item.external_id.starts_with("rating:"))
    }
}

/// A reply a rule queued for one item: visible in the inbox, cancellable until it is sent.
/// It holds no text: the template is filled in when it is sent (and when it is shown), so the
/// queue keeps nothing about the reviewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedReply {
    pub item: Id<Item>,
    pub rule: Id<AutoRule>,
    pub rule_name: String,
    pub template: Id<ReplyTemplate>,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub due_at: OffsetDateTime,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub queued_at: OffsetDateTime,
    /// Taken by the sender: too late to cancel. After a crash the sender finishes it (the item
    /// then has a reply, or gets this one).
    pub sending: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Author, ItemStatus, Rating, Workspace};
    use time::macros::datetime;

    fn review(stars: u8, text: &str, origin: Origin, external: &str) -> Item {
        let now = datetime!(2027-01-15 08:00 UTC);
        Item {
            id: Id::generate(now),
            workspace: Id::<Workspace>::generate(now),
            location: Id::from_bytes([7; 16]),
            origin,
            kind: Kind::Review,
            external_id: external.into(),
            feed: String::new(),
            connection: None,
            parent_external_id: None,
            author: Author::default(),
            rating: Some(Rating::Stars(stars)),
            text: text.into(),
            link: None,
            created_at: now,
            updated_at: now,
            reply: None,
            status: ItemStatus::Live,
            history: vec![],
            ingested_at: now,
            removed_at: None,
        }
    }

    #[test]
    fn a_rule_answers_only_textless_reviews_with_its_stars_where_it_applies() {
        let now = datetime!(2027-01-15 08:00 UTC);
        let mut rule = AutoRule {
            id: Id::generate(now),
            name: "Thanks".into(),
            stars: vec![4, 5],
            template: Id::generate(now),
            delay_minutes: 60,
            locations: vec![],
            enabled: true,
            created_at: now,
        };
        assert!(rule.answers(&review(5, "", Origin::Google, "r1")));
        assert!(rule.answers(&review(4, "  \n", Origin::Google, "r1")));
        assert!(!rule.answers(&review(3, "", Origin::Google, "r1")), "stars");
        assert!(
            !rule.answers(&review(5, "Great!", Origin::Google, "r1")),
            "text"
        );
        assert!(
            !rule.answers(&review(5, "", Origin::Import, "r1")),
            "import"
        );
        assert!(!rule.answers(&review(5, "", Origin::Facebook, "rating:1")));
        assert!(rule.answers(&review(5, "", Origin::Facebook, "story_1")));
        let mut comment = review(5, "", Origin::Google, "r1");
        comment.kind = Kind::Comment;
        assert!(!rule.answers(&comment), "comments are not reviews");
        rule.locations = vec![Id::from_bytes([8; 16])];
        assert!(
            !rule.answers(&review(5, "", Origin::Google, "r1")),
            "location"
        );
        rule.locations.push(Id::from_bytes([7; 16]));
        assert!(rule.answers(&review(5, "", Origin::Google, "r1")));
        rule.enabled = false;
        assert!(!rule.answers(&review(5, "", Origin::Google, "r1")), "off");
    }
}
