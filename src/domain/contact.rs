//! A business's customer who may be asked for feedback, and why they may (not) be mailed.

use super::{Email, Id, Location, Workspace};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub id: Id<Contact>,
    pub workspace: Id<Workspace>,
    pub email: Email,
    pub name: String,
    pub location: Option<Id<Location>>,
    /// Where the contact came from: `api`, `csv`, `form`, or what an integration says.
    pub source: String,
    pub consent: Consent,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "crate::domain::when::rfc3339::option", default)]
    pub last_asked_at: Option<OffsetDateTime>,
    /// Kept but not processed (a data-subject restriction): never mailed while set.
    #[serde(default)]
    pub restricted: bool,
    /// When they last answered any campaign: nobody who answered is reminded.
    #[serde(with = "crate::domain::when::rfc3339::option", default)]
    pub last_answered_at: Option<OffsetDateTime>,
    /// The campaign that asked them last (with `last_asked_at`): no address is in two running
    /// campaigns' queues at once.
    #[serde(default)]
    pub last_campaign: Option<Id<super::Campaign>>,
}

/// The lawful basis for asking: a customer after a visit (soft opt-in, the default), or an
/// explicit opt-in. Either may be asked; the basis is kept for the record.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Consent {
    #[default]
    ExistingCustomer,
    OptIn,
}

impl Consent {
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw
            .trim()
            .to_ascii_lowercase()
            .replace(['-', ' '], "_")
            .as_str()
        {
            "" | "existing_customer" => Ok(Self::ExistingCustomer),
            "opt_in" | "optin" | "yes" => Ok(Self::OptIn),
            other => Err(format!(
                "consent `{other}` is not one of existing_customer, opt_in"
            )),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::ExistingCustomer => "existing_customer",
            Self::OptIn => "opt_in",
        }
    }
}

/// Why an address is never mailed again. Kept by a keyed hash of the address, apart from the
/// contact, so deleting or re-importing the contact cannot undo it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suppression {
    pub reason: SuppressionReason,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressionReason {
    Unsubscribed,
    /// The relay refused the address permanently (a 5xx).
    Bounced,
    /// Added by someone in the workspace.
    Manual,
    /// The person asked to be erased: only this keyed hash of the address remains.
    Erased,
    /// The person objected to being emailed (a data-subject request).
    Objected,
}

impl SuppressionReason {
    pub fn name(self) -> &'static str {
        match self {
            Self::Unsubscribed => "unsubscribed",
            Self::Bounced => "bounced",
            Self::Manual => "manual",
            Self::Erased => "erased",
            Self::Objected => "objected",
        }
    }
}

/// A contact's editable fields, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactFields {
    pub email: Email,
    pub name: String,
    pub consent: Consent,
}

impl ContactFields {
    pub fn parse(email: &str, name: &str, consent: &str) -> Result<Self, String> {
        let email = Email::parse(email)?;
        let name = header_safe(name);
        if name.chars().count() > 120 {
            return Err("a name has at most 120 characters".into());
        }
        Ok(Self {
            email,
            name,
            consent: Consent::parse(consent)?,
        })
    }
}

/// Text that may end up in a mail header (a name, a subject): one line, no control characters,
/// whitespace runs folded. Header encoding is lettre's; this keeps the meaning plain too.
pub fn header_safe(raw: &str) -> String {
    raw.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A relay's text (a bounce reason) with every email address in it replaced: it is stored
/// outside the records sealed with the person's key, so it must not name them.
pub fn without_addresses(text: &str) -> String {
    fn flush(word: &mut String, out: &mut String) {
        out.push_str(if word.contains('@') {
            "[address]"
        } else {
            word
        });
        word.clear();
    }
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    for c in text.chars() {
        if c.is_whitespace() || "<>()[]\"',;:".contains(c) {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

impl Contact {
    /// The first word of the name, or "there" ("Hi there").
    pub fn first_name(&self) -> &str {
        self.name.split_whitespace().next().unwrap_or("there")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn relay_texts_lose_their_addresses() {
        assert_eq!(
            without_addresses("550 5.1.1 <zelda.quill@example.org>: Recipient unknown (zq@x.io)"),
            "550 5.1.1 <[address]>: Recipient unknown ([address])"
        );
        assert_eq!(without_addresses("mailbox full"), "mailbox full");
    }

    use super::*;

    #[test]
    fn header_bound_text_loses_line_breaks_and_controls() {
        assert_eq!(
            header_safe("Ana\r\nBcc: evil@x.com\u{0}\u{85}x"),
            "Ana Bcc: evil@x.com x"
        );
        let f = ContactFields::parse(" Ana@Example.com ", "Ana\nLopez", "").unwrap();
        assert_eq!(f.email.as_str(), "ana@example.com");
        assert_eq!(f.name, "Ana Lopez");
        assert_eq!(f.consent, Consent::ExistingCustomer);
        assert!(ContactFields::parse("x@y.com", "", "maybe").is_err());
        assert!(ContactFields::parse("not an address", "", "").is_err());
    }
}
