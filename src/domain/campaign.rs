//! Feedback-request campaigns: who is asked, what they are sent, and how far each one went.

use super::contact::header_safe;
use super::{Contact, Id, Location, Workspace};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Campaign {
    pub id: Id<Campaign>,
    pub workspace: Id<Workspace>,
    pub name: String,
    /// Asks only this location's contacts, and links to its review pages.
    pub location: Option<Id<Location>>,
    pub message: CampaignMessage,
    pub audience: Audience,
    /// One reminder to those who did not answer, this many days after the first pass ended.
    pub reminder_days: Option<u32>,
    /// At most this many first messages a day (UTC days).
    pub daily_cap: Option<u32>,
    pub status: CampaignStatus,
    #[serde(with = "crate::domain::when::rfc3339::option", default)]
    pub send_at: Option<OffsetDateTime>,
    /// The last contact the first pass considered: where it resumes.
    #[serde(default)]
    pub cursor: Option<Id<Contact>>,
    /// The reminder pass: `None` until it starts, then the last recipient it considered.
    #[serde(default)]
    pub reminder_cursor: Option<Option<Id<Contact>>>,
    /// (UTC day number, first messages queued that day), for the daily cap.
    #[serde(default)]
    pub sent_on_day: (i32, u32),
    #[serde(with = "crate::domain::when::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "crate::domain::when::rfc3339::option", default)]
    pub first_pass_done_at: Option<OffsetDateTime>,
    /// Contacts of the audience the frequency cap left out (asked lately, or waiting in
    /// another running campaign).
    #[serde(default)]
    pub capped: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignMessage {
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Audience {
    #[serde(with = "crate::domain::when::rfc3339::option", default)]
    pub added_since: Option<OffsetDateTime>,
    /// Skip contacts asked (by any campaign) within this many days.
    pub not_asked_days: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    Draft,
    /// Sending starts at `send_at`.
    Scheduled,
    Sending,
    Paused,
    /// First pass done; the reminder (if any) is still to come.
    WaitingReminder,
    Done,
}

impl CampaignStatus {
    /// Scheduled, sending or waiting for reminders: the campaign worker may have work.
    pub fn may_have_work(self) -> bool {
        matches!(
            self,
            Self::Scheduled | Self::Sending | Self::WaitingReminder
        )
    }
}

impl CampaignStatus {
    pub fn name(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Scheduled => "scheduled",
            Self::Sending => "sending",
            Self::Paused => "paused",
            Self::WaitingReminder => "waiting_reminder",
            Self::Done => "done",
        }
    }
}

/// One contact in one campaign: key (campaign, contact). Every stage is a time, set once.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Recipient {
    #[serde(with = "crate::domain::when::rfc3339::option", default)]
    pub queued_at: Option<OffsetDateTime>,
    #[serde(with = "crate::domain::when::rfc3339::option", default)]
    pub delivered_at: Option<OffsetDateTime>,
    #[serde(default)]
    pub bounced: Option<String>,
    /// Not sent: suppressed or restricted by the time its turn came.
    #[serde(default)]
    pub skipped: Option<String>,
    #[serde(with = "crate::domain::when::rfc3339::option", default)]
    pub reminded_at: Option<OffsetDateTime>,
    #[serde(with = "crate::domain::when::rfc3339::option", default)]
    pub opened_at: Option<OffsetDateTime>,
    #[serde(with = "crate::domain::when::rfc3339::option", default)]
    pub clicked_at: Option<OffsetDateTime>,
    #[serde(with = "crate::domain::when::rfc3339::option", default)]
    pub rated_at: Option<OffsetDateTime>,
    #[serde(with = "crate::domain::when::rfc3339::option", default)]
    pub unsubscribed_at: Option<OffsetDateTime>,
    #[serde(default)]
    pub feedback: Option<Id<Feedback>>,
    /// When managers were last alerted about this recipient's low score: a re-posted answer
    /// alerts nobody again, a changed one at most once an hour.
    #[serde(with = "crate::domain::when::rfc3339::option", default)]
    pub alerted_at: Option<OffsetDateTime>,
    /// The outbox gave up on it after retrying (the relay never took it).
    #[serde(default)]
    pub failed: Option<String>,
}

/// A campaign's funnel, counted over its recipients.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Funnel {
    pub queued: u64,
    pub sent: u64,
    pub delivered: u64,
    pub bounced: u64,
    /// Given up after every retry: the relay never took them.
    pub failed: u64,
    /// Queued and not yet delivered, bounced, failed or dropped: still in the outbox.
    pub waiting: u64,
    pub skipped: u64,
    pub reminded: u64,
    /// Only counted when the workspace turned open tracking on.
    pub opened: u64,
    pub clicked: u64,
    pub rated: u64,
    pub unsubscribed: u64,
}

impl Funnel {
    pub fn add(&mut self, r: &Recipient) {
        let n = |b: bool| u64::from(b);
        self.queued += n(r.queued_at.is_some());
        self.sent += n(r.delivered_at.is_some() || r.bounced.is_some() || r.failed.is_some());
        self.delivered += n(r.delivered_at.is_some());
        self.bounced += n(r.bounced.is_some());
        self.failed += n(r.failed.is_some());
        self.waiting += n(r.queued_at.is_some()
            && r.delivered_at.is_none()
            && r.bounced.is_none()
            && r.failed.is_none()
            && r.skipped.is_none());
        self.skipped += n(r.skipped.is_some());
        self.reminded += n(r.reminded_at.is_some());
        self.opened += n(r.opened_at.is_some());
        self.clicked += n(r.clicked_at.is_some());
        self.rated += n(r.rated_at.is_some());
        self.unsubscribed += n(r.unsubscribed_at.is_some());
    }
}

/// What a customer said on the feedback page. Private to the business.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feedback {
    pub id: Id<Feedback>,
    pub workspace: Id<Workspace>,
    /// The campaign and contact an emailed link named; both `None` for an answer through a
    /// location's public link or QR code (`via` = `Link`).
    pub campaign: Option<Id<Campaign>>,
    pub contact: Option<Id<Contact>>,
    #[serde(default)]
    pub via: FeedbackVia,
    /// The first name a customer gave on the public link's page (emailed answers take the
    /// contact's); empty when none.
    #[serde(default)]
    pub name: String,
    pub location: Option<Id<Location>>,
    pub scale: ScoreScale,
    pub score: u8,
    pub comment: String,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub at: OffsetDateTime,
    /// The words the customer ticked to let the business publish this answer (on its
    /// website, a showcase), exactly as shown; None: not to be published.
    #[serde(default)]
    pub publish_consent: Option<String>,
}

/// How an answer reached the feedback page.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackVia {
    /// The link in a campaign email.
    #[default]
    Email,
    /// A location's public link or its QR code, with no contact behind it.
    Link,
}

impl Feedback {
    /// The answer as stars for a showcase: NPS halved (10 is five stars, 8–9 four, 0–3 one).
    pub fn stars(&self) -> u8 {
        match self.scale {
            ScoreScale::Stars => self.score.clamp(1, 5),
            ScoreScale::Nps => (self.score / 2).clamp(1, 5),
        }
    }
}

/// The consent to publish a feedback answer, as the feedback page words it.
pub fn publish_consent_wording(business: &str) -> String {
    format!("{business} may show my rating and comment, with my first name, on its website.")
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ScoreScale {
    /// 1 to 5 stars.
    #[default]
    Stars,
    /// Net Promoter Score, 0 to 10.
    Nps,
}

impl ScoreScale {
    pub fn range(self) -> std::ops::RangeInclusive<u8> {
        match self {
            Self::Stars => 1..=5,
            Self::Nps => 0..=10,
        }
    }

    /// Low enough that the business should hear of it at once.
    pub fn is_low(self, score: u8) -> bool {
        match self {
            Self::Stars => score <= 3,
            Self::Nps => score <= 6,
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "stars" => Ok(Self::Stars),
            "nps" => Ok(Self::Nps),
            _ => Err("scale is `stars` or `nps`".into()),
        }
    }
}

/// The workspace's feedback-request template and branding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackSettings {
    /// Shown as the sender's name; the address stays the instance's `smtp.from`.
    pub sender_name: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    /// An https URL of the logo shown in emails and on the feedback page.
    pub logo_url: Option<String>,
    /// `#rrggbb`.
    pub brand_color: String,
    /// The business's postal address, in every email's footer.
    pub postal_address: String,
    pub scale: ScoreScale,
    /// Count opens with a tracking image (off by default).
    pub track_opens: bool,
    /// Email the workspace's managers when a low score arrives.
    pub alert_on_low_score: bool,
    /// The frequency cap: a contact asked by any campaign within this many days is not asked
    /// again (a campaign may set its own).
    #[serde(default = "default_ask_cap_days")]
    pub ask_cap_days: u32,
}

/// A customer is asked at most once a quarter unless the workspace says otherwise.
pub const DEFAULT_ASK_CAP_DAYS: u32 = 90;

fn default_ask_cap_days() -> u32 {
    DEFAULT_ASK_CAP_DAYS
}

impl FeedbackSettings {
    pub fn default_for(workspace_name: &str) -> Self {
        Self {
            sender_name: header_safe(workspace_name),
            subject: "How was your visit to {location}?".into(),
            body_text: "Hi {first_name},\n\nThank you for visiting {location}. Would you tell us how it went? It takes a minute:\n\n{feedback_link}\n\nThank you!".into(),
            body_html: None,
            logo_url: None,
            brand_color: "#2563eb".into(),
            postal_address: String::new(),
            scale: ScoreScale::Stars,
            track_opens: false,
            alert_on_low_score: true,
            ask_cap_days: DEFAULT_ASK_CAP_DAYS,
        }
    }
}

/// The placeholders a campaign's subject and bodies may hold.
pub const CAMPAIGN_PLACEHOLDERS: [&str; 5] = [
    "{first_name}",
    "{name}",
    "{location}",
    "{business}",
    "{feedback_link}",
];

/// Replaces each placeholder once, in one pass, so a value holding a placeholder is not
/// substituted again. `escape` is applied to every value (HTML bodies escape, text does not).
pub fn substitute(body: &str, values: &[(&str, &str)], escape: fn(&str) -> String) -> String {
    let mut out = String::with_capacity(body.len() + 64);
    let mut rest = body;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        match values.iter().find(|(p, _)| tail.starts_with(p)) {
            Some((p, v)) => {
                out.push_str(&escape(v));
                rest = &tail[p.len()..];
            }
            None => {
                out.push('{');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A campaign's name, subject and bodies, checked; subjects become one header-safe line.
pub fn parse_message(
    subject: &str,
    text: &str,
    html: Option<&str>,
) -> Result<CampaignMessage, String> {
    let subject = header_safe(subject);
    if subject.is_empty() || subject.chars().count() > 200 {
        return Err("a subject has 1 to 200 characters".into());
    }
    if text.trim().is_empty() || text.len() > 20_000 {
        return Err("the text body has 1 to 20,000 bytes".into());
    }
    let html = html.map(str::trim).filter(|h| !h.is_empty());
    if html.is_some_and(|h| h.len() > 100_000) {
        return Err("the HTML body has at most 100,000 bytes".into());
    }
    for field in [Some(text), html].into_iter().flatten() {
        if field
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err("control characters are not allowed in a message".into());
        }
    }
    Ok(CampaignMessage {
        subject,
        body_text: text.replace("\r\n", "\n"),
        body_html: html.map(str::to_string),
    })
}

/// What links a queued message back to its campaign: checked again just before it is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignMail {
    pub workspace: Id<Workspace>,
    pub campaign: Id<Campaign>,
    pub contact: Id<Contact>,
    pub reminder: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_once_and_escaped_as_asked() {
        let html = |s: &str| s.replace('<', "&lt;");
        let out = substitute(
            "Hi {first_name} {x} {name}",
            &[("{first_name}", "<b>{name}"), ("{name}", "Ana")],
            html,
        );
        assert_eq!(out, "Hi &lt;b>{name} {x} Ana");
    }

    #[test]
    fn subjects_are_one_line() {
        let m = parse_message("Hello\r\nBcc: x@y.z", "body", None).unwrap();
        assert_eq!(m.subject, "Hello Bcc: x@y.z");
        assert!(parse_message(" ", "body", None).is_err());
        assert!(parse_message("s", "a\u{1b}b", None).is_err());
    }
}
