//! Turns a queued message into the exact RFC 5322 message that goes on the wire, DKIM-signed
//! when the config has a key.

use super::SendError;
use crate::domain::{Attachment, OutboxMessage, header_safe};
use lettre::Message;
use lettre::message::dkim::DkimConfig;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use std::sync::Arc;

/// The Message-ID for a new message: `<id@domain of the sender>`.
pub fn message_id<T>(id: &crate::domain::Id<T>, from: &Mailbox) -> String {
    format!("<{id}@{}>", from.email.domain())
}

/// What every message shares: the sender address and the DKIM signer.
#[derive(Clone)]
pub struct Composer {
    pub from: Mailbox,
    pub dkim: Option<Arc<DkimConfig>>,
}

impl Composer {
    /// The sender and DKIM signer of a validated config.
    pub fn from_config(smtp: &crate::config::SmtpConfig) -> anyhow::Result<Self> {
        Ok(Self {
            from: smtp
                .from
                .parse()
                .map_err(|e| anyhow::anyhow!("smtp.from: {e}"))?,
            dkim: super::dkim::signer(smtp)?,
        })
    }

    pub fn build(&self, msg: &OutboxMessage) -> Result<Message, SendError> {
        let to: Mailbox = msg
            .to
            .parse()
            .map_err(|e| SendError::Permanent(format!("recipient `{}`: {e}", msg.to)))?;
        // A workspace's sender name with the instance's address: the name is one plain line
        // (lettre quotes or encodes it), the address is never the workspace's to choose.
        let from = match msg.from_name.as_deref().map(header_safe) {
            Some(name) if !name.is_empty() => Mailbox::new(Some(name), self.from.email.clone()),
            _ => self.from.clone(),
        };
        let mut builder = Message::builder()
            .from(from)
            .to(to)
            .subject(header_safe(&msg.subject))
            .message_id(Some(msg.message_id.clone()))
            .date(msg.created_at.into());
        if let Some(reply_to) = &msg.reply_to {
            let mailbox: Mailbox = reply_to
                .parse()
                .map_err(|e| SendError::Permanent(format!("reply-to `{reply_to}`: {e}")))?;
            builder = builder.reply_to(mailbox);
        }
        for (name, value) in &msg.headers {
            let name = HeaderName::new_from_ascii(name.clone())
                .map_err(|e| SendError::Permanent(format!("header `{name}`: {e}")))?;
            builder = builder.raw_header(header_value(name, value)?);
        }
        let body = match &msg.html {
            Some(html) => Body::Parts(MultiPart::alternative_plain_html(
                msg.text.clone(),
                html.clone(),
            )),
            None => Body::Single(SinglePart::plain(msg.text.clone())),
        };
        let result = if msg.attachments.is_empty() {
            match body {
                Body::Parts(p) => builder.multipart(p),
                Body::Single(s) => builder.singlepart(s),
            }
        } else {
            let mut mixed = match body {
                Body::Parts(p) => MultiPart::mixed().multipart(p),
                Body::Single(s) => MultiPart::mixed().singlepart(s),
            };
            for a in &msg.attachments {
                mixed = mixed.singlepart(attachment(a)?);
            }
            builder.multipart(mixed)
        };
        let mut message =
            result.map_err(|e| SendError::Permanent(format!("cannot build the message: {e}")))?;
        if let Some(dkim) = &self.dkim {
            message.sign(dkim);
        }
        Ok(message)
    }
}

enum Body {
    Parts(MultiPart),
    Single(SinglePart),
}

fn attachment(a: &Attachment) -> Result<SinglePart, SendError> {
    use base64::Engine;
    let data = base64::engine::general_purpose::STANDARD
        .decode(&a.data)
        .map_err(|_| SendError::Permanent(format!("attachment `{}` is damaged", a.filename)))?;
    let kind = ContentType::parse(&a.content_type)
        .map_err(|_| SendError::Permanent(format!("attachment type `{}`", a.content_type)))?;
    Ok(lettre::message::Attachment::new(header_safe(&a.filename)).body(data, kind))
}

/// Extra headers are ours (List-Unsubscribe, X-Plaudit-*): printable ASCII without line breaks,
/// which lettre would otherwise RFC 2047-encode, breaking `<url>` syntax. Folded by hand at
/// commas so no line passes 998 bytes.
fn header_value(name: HeaderName, value: &str) -> Result<HeaderValue, SendError> {
    if !value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(SendError::Permanent(format!(
            "header `{name}` holds characters other than printable ASCII"
        )));
    }
    let folded = value.replace(", ", ",\r\n ");
    Ok(HeaderValue::dangerous_new_pre_encoded(
        name,
        value.to_string(),
        folded,
    ))
}
