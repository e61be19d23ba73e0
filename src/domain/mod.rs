//! Plain types with their rules: ids, email addresses, passwords, users, queued mail.

mod access;
mod email;
mod ids;
mod location;
mod outbox;
mod password;
mod user;
mod workspace;

pub use access::{
    ApiKey, AuditEntry, Identity, Invitation, LinkPurpose, LinkToken, OAuthState, Session,
};
pub use email::Email;
pub use ids::{Id, IdParseError};
pub use location::{Location, LocationFields};
pub use outbox::{DeliveryState, OutboxMessage};
pub use password::Password;
pub use user::User;
pub use workspace::{Access, Role, Scope, Workspace};
