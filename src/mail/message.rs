//! Turns a queued message into the exact RFC 5322 message that goes on the wire.

use super::SendError;
use crate::domain::OutboxMessage;
use lettre::Message;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};

/// The Message-ID for a new message: `<id@domain of the sender>`.
pub fn message_id<T>(id: &crate::domain::Id<T>, from: &Mailbox) -> String {
    format!("<{id}@{}>", from.email.domain())
}

pub fn build(msg: &OutboxMessage, from: &Mailbox) -> Result<Message, SendError> {
    let to: Mailbox = msg
        .to
        .parse()
        .map_err(|e| SendError::Permanent(format!("recipient `{}`: {e}", msg.to)))?;
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(msg.subject.clone())
        .message_id(Some(msg.message_id.clone()))
        .date(msg.created_at.into());
    for (name, value) in &msg.headers {
        let name = HeaderName::new_from_ascii(name.clone())
            .map_err(|e| SendError::Permanent(format!("header `{name}`: {e}")))?;
        builder = builder.raw_header(HeaderValue::new(name, value.clone()));
    }
    let result = match &msg.html {
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(
            msg.text.clone(),
            html.clone(),
        )),
        None => builder.singlepart(SinglePart::plain(msg.text.clone())),
    };
    result.map_err(|e| SendError::Permanent(format!("cannot build the message: {e}")))
}
