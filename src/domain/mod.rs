//! Plain types with their rules: ids, email addresses, passwords, users, queued mail.

mod alert;
mod auto_reply;
mod branding;
mod campaign;
pub mod cidr;
pub mod compact;
mod connection;
mod contact;
pub mod contrast;
mod credentials;
mod drafts;
mod email;
mod embed_look;
mod ids;
mod item;
pub mod language;
mod location;
mod notes;
mod outbox;
mod password;
mod provider;
mod rating_filter;
mod relay;
mod report_plan;
pub mod shapes;
mod showcase;
pub mod text;
mod user;
pub mod when;
mod workspace;

pub use alert::{AlertMode, AlertPrefs, Webhook, WebhookDelivery, WebhookFormat};
pub use auto_reply::{AutoRule, MAX_AUTO_RULES, MAX_DELAY_MINUTES, MIN_DELAY_MINUTES, QueuedReply};
pub use branding::{Brand, Branding, MAX_LOGO};
pub use campaign::{
    Audience, CAMPAIGN_PLACEHOLDERS, Campaign, CampaignMail, CampaignMessage, CampaignStatus,
    DEFAULT_ASK_CAP_DAYS, Feedback, FeedbackSettings, FeedbackVia, Funnel, Recipient, ScoreScale,
    parse_message, publish_consent_wording, substitute,
};
pub use connection::{Connection, ConnectionStatus, Feed, SyncState};
pub use contact::{
    Consent, Contact, ContactFields, Suppression, SuppressionReason, header_safe, without_addresses,
};
pub use credentials::{
    ApiKey, AuditEntry, Identity, Invitation, LinkPurpose, LinkToken, OAuthState, Session,
};
pub use drafts::{DraftSettings, DraftUsage, MAX_VOICE};
pub use email::Email;
pub use embed_look::{Layout, Theme, parse_colour, parse_origin};
pub use ids::{Id, IdParseError};
pub use item::{
    Author, Fetched, FetchedReply, Item, ItemStatus, Kind, Origin, Rating, Reply, ReplyState,
    Revision,
};
pub use location::{
    Location, LocationFields, date_day, day_date, is_timezone_name, local_day, timezone_names, zone,
};
pub use notes::{
    ItemNotes, MAX_NOTES, MAX_TAGS, Note, PLACEHOLDERS, ReplyTemplate, fill_template, parse_note,
    parse_tag, parse_template,
};
pub use outbox::{About, Attachment, DeliveryState, OutboxMessage};
pub use password::Password;
pub use provider::Provider;
pub use rating_filter::RatingFilter;
pub use relay::RelayHealth;
pub use report_plan::{
    Cadence, MAX_RECIPIENTS, RecipientTo, ReportPeriod, ReportPlan, ReportRecipient, local_date,
};
pub use showcase::{Approval, MAX_ORIGINS, MAX_PICKS, MAX_SHOWN, Pick, Rule, ShowSource, Showcase};
pub use user::User;
pub use workspace::{Access, Role, Scope, Workspace};
