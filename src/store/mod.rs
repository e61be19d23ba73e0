//! The sled store: the only code that knows trees, key layouts and value encodings.

mod alerts;
mod audit;
mod auto_replies;
mod bans;
mod campaigns;
mod codec;
mod connections;
mod contacts;
mod counters;
mod credentials;
mod drafts;
mod durability;
pub mod engine;
#[cfg(test)]
mod fixtures;
mod handle;
mod invitations;
mod items;
pub mod journal;
mod keys;
pub mod kv;
pub mod leases;
mod locations;
mod meta;
mod reports;
/// The instance secret of a store on disk, for a restore that brings it back.
pub mod secrets {
    pub use super::meta::{instance_secret_of, mark_replay_pending, set_instance_secret};
}
pub mod migrations;
mod outbox;
mod page;
mod parts;
mod person_keys;
pub mod private;
mod purge;
mod records;
mod reseal;
mod retention;
mod sealing;
mod search;
mod showcases;
pub mod snapshot;
pub mod swap;

mod weight;
pub use weight::{TreeWeight, Weight};
mod traffic;
mod trees;
mod typed;
mod unseal_many;
mod users;
mod workspaces;

pub use alerts::{Alerts, Settled};
pub use audit::Audit;
pub use auto_replies::{AutoReplies, Cancelled};
pub use bans::{Ban, Bans};
pub use campaigns::{Campaigns, Queued};
pub use connections::Connections;
pub use contacts::{Contacts, Moved, Upserted};
pub use credentials::Access;
pub use drafts::Drafts;
pub use handle::{Engine, OpenError, SCHEMA_VERSION, Store, close, is_lock_error};
pub use invitations::{AcceptInvitation, Invitations, NewInvitation};
pub use items::{
    ALL, ComeBack, DayCounts, Destination, Ingested, ItemFilter, Items, RESPONSE_BOUNDS_MIN,
    mark_restored,
};
pub use locations::Locations;
pub use meta::SetupToken;
pub use outbox::{Outbox, OutboxCounts};
pub use page::{Order, Page, PageRequest};
pub use purge::{Deleted, Purge, PurgeStep, Undeleted};
pub use reports::{MAX_PLANS, Reports};
pub use reseal::Resealed;
pub use retention::Retention;
pub use sealing::PersonRef;
pub use search::{Matches, Polarity, Search, WordCount, month_number};
pub use showcases::{MAX_SHOWCASES, Showcases};
pub use traffic::{RequestRecord, Rollup, Traffic};
pub use users::{AdminFromSetup, ChangeEmail, InsertUser, Users};
pub use workspaces::{Counts, Refused, Workspaces};

#[cfg(test)]
pub(crate) use codec::{decode_for_tests, encode_for_tests};
