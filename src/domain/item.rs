//! One item model for everything people write about a location: Google reviews, Facebook
//! ratings, comments, visitor posts and mentions, and imported rows.

use super::{Id, Location, User, Workspace};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::Connection;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    Google,
    Facebook,
    Import,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Google => "google",
            Self::Facebook => "facebook",
            Self::Import => "import",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "google" => Some(Self::Google),
            "facebook" => Some(Self::Facebook),
            "import" => Some(Self::Import),
            _ => None,
        }
    }

    /// One byte for keys.
    pub fn tag(self) -> u8 {
        match self {
            Self::Google => b'g',
            Self::Facebook => b'f',
            Self::Import => b'i',
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A Google review or a Facebook rating / recommendation.
    Review,
    /// A comment under one of the page's posts.
    Comment,
    /// A visitor's post on the page.
    Post,
    /// A post elsewhere that tags the page.
    Mention,
    /// A question (imported; Google closed its Q&A API in 2025).
    Question,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Review => "review",
            Self::Comment => "comment",
            Self::Post => "post",
            Self::Mention => "mention",
            Self::Question => "question",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Review,
            Self::Comment,
            Self::Post,
            Self::Mention,
            Self::Question,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Stars(u8),
    /// Facebook's recommendation: true = recommends.
    Recommends(bool),
}

impl Rating {
    /// Stars for averages: a recommendation counts as 5 or 1, as Facebook itself does.
    pub fn stars(self) -> u8 {
        match self {
            Self::Stars(s) => s.clamp(1, 5),
            Self::Recommends(true) => 5,
            Self::Recommends(false) => 1,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    pub name: String,
    pub photo_url: Option<String>,
    pub anonymous: bool,
    /// The provider's id for the author, when it gives one (Facebook `from.id`).
    pub external_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ReplyState {
    /// Stored, not yet confirmed by the provider.
    Sending,
    Published,
    Failed {
        reason: String,
    },
    /// Published, and asked to be deleted at the provider: removed once it confirms.
    Deleting,
    /// Still published: the provider refused to delete it.
    DeleteFailed {
        reason: String,
    },
}

impl ReplyState {
    /// The worker has this reply in hand (sending or deleting): a sync must not overwrite it.
    pub fn in_flight(&self) -> bool {
        matches!(self, ReplyState::Sending | ReplyState::Deleting)
    }

    /// The reply is (still) at the provider as far as Plaudit knows.
    pub fn live(&self) -> bool {
        matches!(
            self,
            ReplyState::Published | ReplyState::DeleteFailed { .. }
        )
    }

    /// Its name in the API and pages.
    pub fn name(&self) -> &'static str {
        match self {
            ReplyState::Sending => "sending",
            ReplyState::Published => "published",
            ReplyState::Failed { .. } => "failed",
            ReplyState::Deleting => "deleting",
            ReplyState::DeleteFailed { .. } => "delete_failed",
        }
    }

    /// Why the provider refused, for a failed state.
    pub fn error(&self) -> Option<&str> {
        match self {
            ReplyState::Failed { reason } | ReplyState::DeleteFailed { reason } => Some(reason),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub text: String,
    pub state: ReplyState,
    /// None when the reply was written at the provider, not in Plaudit.
    pub author: Option<Id<User>>,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub written_at: OffsetDateTime,
    #[serde(default, with = "crate::domain::when::rfc3339::option")]
    pub published_at: Option<OffsetDateTime>,
    /// The provider's id of the reply (Facebook comment id).
    #[serde(default)]
    pub external_id: Option<String>,
    /// When an attempt to post began. For Facebook a crash after this moment means the
    /// comment may exist: look for it before posting again.
    #[serde(default, with = "crate::domain::when::rfc3339::option")]
    pub attempt_started_at: Option<OffsetDateTime>,
    #[serde(default)]
    pub attempts: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Live,
    Edited,
    /// No longer at the provider (seen missing by a full reconcile). Kept for
    /// `retention.removed_items_days`, then erased.
    Removed,
}

/// An earlier version of an edited item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    pub text: String,
    pub rating: Option<Rating>,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Both left out of the store's encoding: the item's key holds them (`store::items`).
    #[serde(with = "crate::domain::ids::elided")]
    pub id: Id<Item>,
    #[serde(with = "crate::domain::ids::elided")]
    pub workspace: Id<Workspace>,
    /// Left out of the store's encoding (with `feed` and `connection`) when the item's block
    /// keeps it (`store::items::placement`).
    #[serde(with = "crate::domain::ids::zero_elided")]
    pub location: Id<Location>,
    #[serde(with = "crate::domain::compact::unit")]
    pub origin: Origin,
    #[serde(with = "crate::domain::compact::unit")]
    pub kind: Kind,
    pub external_id: String,
    /// The remote location or page this came from (Google `accounts/1/locations/2`, a page id).
    pub feed: String,
    pub connection: Option<Id<Connection>>,
    /// The post a comment belongs to.
    pub parent_external_id: Option<String>,
    pub author: Author,
    #[serde(with = "crate::domain::compact::rating")]
    pub rating: Option<Rating>,
    pub text: String,
    pub link: Option<String>,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub reply: Option<Reply>,
    #[serde(with = "crate::domain::compact::unit")]
    pub status: ItemStatus,
    pub history: Vec<Revision>,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub ingested_at: OffsetDateTime,
    /// When a full reconcile found it gone from the provider (retention counts from here).
    #[serde(default, with = "crate::domain::when::rfc3339::option")]
    pub removed_at: Option<OffsetDateTime>,
}

/// What a connector read at the provider, before it is matched with what is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub kind: Kind,
    pub external_id: String,
    pub parent_external_id: Option<String>,
    pub author: Author,
    pub rating: Option<Rating>,
    pub text: String,
    pub link: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// The reply as the provider shows it (Google `reviewReply`, the page's own comment).
    pub reply: Option<FetchedReply>,
    /// Whether `reply: None` means "no reply" (Google shows it inline) or only "not seen in
    /// this read" (Facebook replies are comments fetched separately).
    pub reply_authoritative: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedReply {
    pub text: String,
    pub at: OffsetDateTime,
    pub external_id: Option<String>,
}

impl Item {
    /// The item a first sighting becomes. Its id sorts by the provider's creation time, so
    /// the workspace's items list newest first by key.
    pub fn first_seen(
        f: &Fetched,
        ws: Id<Workspace>,
        location: Id<Location>,
        origin: Origin,
        feed: &str,
        connection: Option<Id<Connection>>,
        now: OffsetDateTime,
    ) -> Self {
        Self {
            id: Id::generate(f.created_at),
            workspace: ws,
            location,
            origin,
            kind: f.kind,
            external_id: f.external_id.clone(),
            feed: feed.to_string(),
            connection,
            parent_external_id: f.parent_external_id.clone(),
            author: f.author.clone(),
            rating: f.rating,
            text: f.text.clone(),
            link: f.link.clone(),
            created_at: f.created_at,
            updated_at: f.updated_at,
            reply: f.reply.as_ref().map(published),
            status: ItemStatus::Live,
            history: Vec::new(),
            ingested_at: now,
            removed_at: None,
        }
    }

    /// Folds a later sighting in; returns whether anything changed. An edit keeps the old
    /// text in `history`; a reply Plaudit is still sending is not overwritten by the
    /// provider's view (the worker settles it).
    pub fn merge(&mut self, f: &Fetched) -> bool {
        // Seen at the provider: whatever happens below, it is not removed (any more).
        self.removed_at = None;
        let mut changed = false;
        if f.text != self.text || f.rating != self.rating {
            self.history.push(Revision {
                text: std::mem::take(&mut self.text),
                rating: self.rating,
                updated_at: self.updated_at,
            });
            self.text = f.text.clone();
            self.rating = f.rating;
            self.status = ItemStatus::Edited;
            changed = true;
        } else if self.status == ItemStatus::Removed {
            self.status = if self.history.is_empty() {
                ItemStatus::Live
            } else {
                ItemStatus::Edited
            };
            changed = true;
        }
        if f.updated_at != self.updated_at {
            self.updated_at = f.updated_at;
            changed = true;
        }
        if f.author != self.author || f.link != self.link {
            self.author = f.author.clone();
            self.link = f.link.clone();
            changed = true;
        }
        let in_flight = self.reply.as_ref().is_some_and(|r| r.state.in_flight());
        match (&f.reply, &self.reply) {
            // A deletion the provider already shows done.
            (None, Some(ours)) if ours.state == ReplyState::Deleting && f.reply_authoritative => {
                self.reply = None;
                changed = true;
            }
            _ if in_flight => {}
            (Some(theirs), Some(ours)) if ours.text == theirs.text && ours.state.live() => {}
            (Some(theirs), _) => {
                self.reply = Some(published(theirs));
                changed = true;
            }
            // Deleted at the provider: a failed reply stays visible so it can be retried.
            (None, Some(ours)) if ours.state.live() && f.reply_authoritative => {
                self.reply = None;
                changed = true;
            }
            (None, _) => {}
        }
        changed
    }

    pub fn replied(&self) -> bool {
        self.reply.as_ref().is_some_and(|r| r.state.live())
    }

    /// Whether it waits for someone: unanswered and not happy (three stars or fewer, or no
    /// rating), or a reply that failed. One rule for the filter, its count and the badge.
    pub fn needs_attention(&self) -> bool {
        if self.status == ItemStatus::Removed {
            return false;
        }
        match self.reply.as_ref().map(|r| &r.state) {
            Some(ReplyState::Failed { .. } | ReplyState::DeleteFailed { .. }) => true,
            Some(_) => false,
            None => self.rating.is_none_or(|r| r.stars() <= 3),
        }
    }
}

fn published(r: &FetchedReply) -> Reply {
    Reply {
        text: r.text.clone(),
        state: ReplyState::Published,
        author: None,
        written_at: r.at,
        published_at: Some(r.at),
        external_id: r.external_id.clone(),
        attempt_started_at: None,
        attempts: 0,
    }
}

impl crate::domain::compact::Numbered for Origin {
    const ALL: &'static [Self] = &[Origin::Google, Origin::Facebook, Origin::Import];
}

impl crate::domain::compact::Numbered for Kind {
    const ALL: &'static [Self] = &[
        Kind::Review,
        Kind::Comment,
        Kind::Post,
        Kind::Mention,
        Kind::Question,
    ];
}

impl crate::domain::compact::Numbered for ItemStatus {
    const ALL: &'static [Self] = &[ItemStatus::Live, ItemStatus::Edited, ItemStatus::Removed];
}
