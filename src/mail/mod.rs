//! Outgoing email: templates, the durable outbox and its worker, SMTP and file transports.

pub mod campaign;
pub mod dkim;
mod file;
pub mod links;
mod message;
mod outbox;
mod smtp;
pub mod templates;
mod transport;

pub use outbox::{OutboxWorker, Outcome, message, queue};
pub use transport::{SendError, Transport};
