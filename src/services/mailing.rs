//! Mail that the instance itself sends (test emails now; verification and invitations later).

use crate::domain::{Email, OutboxMessage};
use crate::mail::{self, templates::TestEmail};
use crate::store::Store;
use lettre::message::Mailbox;
use time::OffsetDateTime;

/// Queues a test email to `to`. The caller flushes before acknowledging.
pub fn queue_test_email(
    store: &Store,
    from: &Mailbox,
    instance_url: &str,
    to: &str,
    requested_by: &str,
    now: OffsetDateTime,
) -> Result<OutboxMessage, String> {
    let to = Email::parse(to)?;
    let rendered = TestEmail {
        instance_url,
        requested_by,
    }
    .render()
    .map_err(|e| format!("rendering the test email: {e}"))?;
    mail::queue(store, now, from, &to, rendered, Vec::new()).map_err(|e| format!("{e:#}"))
}
