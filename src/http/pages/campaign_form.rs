//! The campaign form (new and edit) as the browser posts it, read into the service's input.

use crate::services::campaigns::CampaignInput;
use serde::Deserialize;

#[derive(Deserialize, Clone, Default)]
pub(super) struct CampaignForm {
    pub(super) csrf: String,
    pub(super) name: String,
    #[serde(default)]
    pub(super) location: String,
    #[serde(default)]
    pub(super) subject: String,
    #[serde(default)]
    pub(super) body_text: String,
    #[serde(default)]
    pub(super) body_html: String,
    #[serde(default)]
    pub(super) not_asked_days: String,
    #[serde(default)]
    pub(super) reminder_days: String,
    #[serde(default)]
    pub(super) daily_cap: String,
    #[serde(default)]
    pub(super) send_at: String,
}

/// A number field: empty is none; anything else must be a whole number.
fn number(name: &str, raw: &str) -> Result<Option<u32>, String> {
    match raw.trim() {
        "" => Ok(None),
        n => n
            .parse()
            .map(Some)
            .map_err(|_| format!("{name}: a whole number")),
    }
}

/// `<input type="datetime-local">` sends `2026-12-01T09:30`: taken as UTC.
fn send_at(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    Some(if raw.len() == 16 {
        format!("{raw}:00Z")
    } else {
        raw.to_string()
    })
}

pub(super) fn input(f: &CampaignForm) -> Result<CampaignInput, String> {
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.to_string());
    Ok(CampaignInput {
        name: f.name.clone(),
        location: opt(&f.location),
        subject: opt(&f.subject),
        body_text: opt(&f.body_text),
        body_html: opt(&f.body_html),
        added_since: None,
        not_asked_days: number("Ask again only after (days)", &f.not_asked_days)?,
        reminder_days: number("Reminder after (days)", &f.reminder_days)?,
        daily_cap: number("Daily cap", &f.daily_cap)?,
        send_at: send_at(&f.send_at),
    })
}

super::form_post::proof!(CampaignForm);
