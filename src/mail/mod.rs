//! Outgoing email: templates, the durable outbox and its worker, SMTP and file transports.

pub mod campaign;
pub mod dkim;
mod feedback_alert;
mod file;
pub mod gate;
pub mod message;
mod outbox;
pub mod probe;
pub mod signed_links;
mod smtp;
pub mod templates;
mod transport;

pub use feedback_alert::FeedbackAlert;
pub use message::Composer;
pub use outbox::{OutboxWorker, Outcome, message, queue};
pub use transport::{SendError, Transport};
