//! API views of connections and items.

use super::views::{IdView, Timestamp};
use crate::domain::{Connection, ConnectionStatus, Item, ItemStatus, Kind, Origin, Rating};
use schemars::JsonSchema;
use serde::Serialize;

#[derive(Serialize, JsonSchema)]
pub struct FeedView {
    pub external_id: String,
    pub name: String,
    pub location_id: IdView,
    pub last_full_sync_at: Option<Timestamp>,
    /// Facebook stopped giving ratings for this page (error 12).
    pub ratings_off: bool,
    /// This feed's last problem or notice, in plain words.
    pub error: Option<String>,
}

#[derive(Serialize, JsonSchema)]
pub struct ConnectionView {
    pub id: IdView,
    pub provider: String,
    pub status: ConnectionStatus,
    /// The provider account (email or name).
    pub account: Option<String>,
    pub created_at: Timestamp,
    /// Last successful sync.
    pub last_sync_at: Option<Timestamp>,
    pub last_attempt_at: Option<Timestamp>,
    pub last_error: Option<String>,
    pub next_run_at: Option<Timestamp>,
    /// Items fetched by the last sync.
    pub items_fetched: u64,
    pub sync_requested: bool,
    /// Syncs completed so far, successful or not.
    pub syncs_completed: u64,
    /// Sync requests so far ("sync now", new mappings): a request's number.
    pub sync_requests: u64,
    /// The highest request number a completed sync has served.
    pub sync_requests_served: u64,
    pub feeds: Vec<FeedView>,
}

pub fn connection(c: &Connection) -> ConnectionView {
    ConnectionView {
        id: c.id.into(),
        provider: c.provider.to_string(),
        status: c.status,
        account: c.account.clone(),
        created_at: c.created_at.into(),
        last_sync_at: c.sync.last_success_at.map(Into::into),
        last_attempt_at: c.sync.last_attempt_at.map(Into::into),
        last_error: c.sync.last_error.clone(),
        next_run_at: c.sync.next_run_at.map(Into::into),
        items_fetched: c.sync.items_fetched,
        sync_requested: c.sync.requested,
        syncs_completed: c.sync.runs,
        sync_requests: c.sync.tickets,
        sync_requests_served: c.sync.served,
        feeds: c
            .feeds
            .iter()
            .map(|f| FeedView {
                external_id: f.external_id.clone(),
                name: f.name.clone(),
                location_id: f.location.into(),
                last_full_sync_at: f.last_full_at.map(Into::into),
                ratings_off: f.ratings_off,
                error: f.error.clone(),
            })
            .collect(),
    }
}

#[derive(Serialize, JsonSchema)]
pub struct StartedConnectionView {
    pub id: IdView,
    /// Send the browser here; the provider returns it to `/oauth/{provider}/callback`.
    pub authorize_url: String,
}

#[derive(Serialize, JsonSchema)]
pub struct RemoteLocationView {
    pub external_id: String,
    pub name: String,
    pub link: Option<String>,
    pub review_url: Option<String>,
}

#[derive(Serialize, JsonSchema)]
pub struct RemoteLocationsView {
    pub items: Vec<RemoteLocationView>,
}

#[derive(Serialize, JsonSchema)]
pub struct AuthorView {
    pub name: String,
    pub photo_url: Option<String>,
    pub anonymous: bool,
}

#[derive(Serialize, JsonSchema)]
pub struct ReplyView {
    pub text: String,
    /// `sending`, `published`, `failed`, `deleting` or `delete_failed`.
    pub state: String,
    /// The provider's reason when it refused (to publish or to delete).
    pub error: Option<String>,
    pub written_at: Timestamp,
    pub published_at: Option<Timestamp>,
    pub author_id: Option<IdView>,
}

#[derive(Serialize, JsonSchema)]
pub struct RevisionView {
    pub text: String,
    pub rating: Option<u8>,
    pub updated_at: Timestamp,
}

#[derive(Serialize, JsonSchema)]
pub struct ItemView {
    pub id: IdView,
    pub location_id: IdView,
    pub source: Origin,
    pub kind: Kind,
    pub external_id: String,
    pub author: AuthorView,
    /// 1–5 stars (a Facebook recommendation counts 5, a non-recommendation 1).
    pub rating: Option<u8>,
    /// Facebook recommendations: true / false; null for star ratings.
    pub recommends: Option<bool>,
    pub text: String,
    pub link: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub status: ItemStatus,
    pub reply: Option<ReplyView>,
    /// Earlier texts of an edited item, oldest first.
    pub history: Vec<RevisionView>,
}

pub fn item(i: &Item) -> ItemView {
    ItemView {
        id: i.id.into(),
        location_id: i.location.into(),
        source: i.origin,
        kind: i.kind,
        external_id: i.external_id.clone(),
        author: AuthorView {
            name: i.author.name.clone(),
            photo_url: i.author.photo_url.clone(),
            anonymous: i.author.anonymous,
        },
        rating: i.rating.map(Rating::stars),
        recommends: match i.rating {
            Some(Rating::Recommends(r)) => Some(r),
            _ => None,
        },
        text: i.text.clone(),
        link: i.link.clone(),
        created_at: i.created_at.into(),
        updated_at: i.updated_at.into(),
        status: i.status,
        reply: i.reply.as_ref().map(|r| ReplyView {
            text: r.text.clone(),
            state: r.state.name().into(),
            error: r.state.error().map(str::to_string),
            written_at: r.written_at.into(),
            published_at: r.published_at.map(Into::into),
            author_id: r.author.map(Into::into),
        }),
        history: i
            .history
            .iter()
            .map(|h| RevisionView {
                text: h.text.clone(),
                rating: h.rating.map(Rating::stars),
                updated_at: h.updated_at.into(),
            })
            .collect(),
    }
}
