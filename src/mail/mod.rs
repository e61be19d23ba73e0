//! Outgoing email: templates, the durable outbox and its worker, SMTP and file transports.

mod file;
mod message;
mod outbox;
mod smtp;
pub mod templates;
mod transport;

pub use outbox::{OutboxWorker, Outcome, message, queue};
pub use transport::{SendError, Transport};
