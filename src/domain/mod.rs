//! Plain types with their rules: ids, email addresses, passwords, users, queued mail.

mod email;
mod ids;
mod outbox;
mod password;
mod user;

pub use email::Email;
pub use ids::{Id, IdParseError};
pub use outbox::{DeliveryState, OutboxMessage};
pub use password::Password;
pub use user::User;
