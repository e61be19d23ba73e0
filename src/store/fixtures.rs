//! What the store's tests feed it, written once: where fetched items go and what a plain
//! review looks like.

use super::Destination;
use crate::domain::{Author, Fetched, Id, Kind, Location, Origin, Rating, Workspace};
use time::OffsetDateTime;

/// Items synced from Google into one location, with no connection and no alerts.
pub fn google(ws: Id<Workspace>, loc: Id<Location>) -> Destination<'static> {
    Destination {
        workspace: ws,
        location: loc,
        origin: Origin::Google,
        feed: "f",
        connection: None,
        alert: false,
    }
}

/// A review as a provider sends it: anonymous, unanswered, written and last changed `at`.
pub fn review(external_id: &str, stars: u8, text: &str, at: OffsetDateTime) -> Fetched {
    Fetched {
        kind: Kind::Review,
        external_id: external_id.into(),
        parent_external_id: None,
        author: Author::default(),
        rating: Some(Rating::Stars(stars)),
        text: text.into(),
        link: None,
        created_at: at,
        updated_at: at,
        reply: None,
        reply_authoritative: true,
    }
}
