//! `[branding]`: the agency's default look for client reports and public pages; a workspace
//! may override each field on its Branding page.

use super::ConfigError;
use super::validate::{Locate, fail};
use crate::domain::{Branding, Email, MAX_LOGO};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BrandingConfig {
    pub agency_name: String,
    /// `#rrggbb`.
    pub primary_colour: String,
    pub accent_colour: String,
    /// The name reports are sent under (the address is `smtp.from`'s).
    pub sender_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// A PNG or JPEG file, at most 200 KB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo_file: Option<PathBuf>,
    /// false hides "Powered by Plaudit" on reports and public pages.
    pub powered_by: Option<bool>,
}

impl BrandingConfig {
    /// As the default every workspace's branding falls back to (the logo read from its file).
    pub fn branding(&self) -> Branding {
        use base64::Engine;
        Branding {
            agency_name: self.agency_name.trim().to_string(),
            primary: self.primary_colour.trim().to_string(),
            accent: self.accent_colour.trim().to_string(),
            sender_name: self.sender_name.trim().to_string(),
            reply_to: self.reply_to.as_deref().and_then(|r| Email::parse(r).ok()),
            logo: self
                .logo_file
                .as_ref()
                .and_then(|p| std::fs::read(p).ok())
                .map(|b| base64::engine::general_purpose::STANDARD.encode(b)),
            powered_by: self.powered_by,
        }
    }
}

pub(super) fn validate(b: &BrandingConfig, locate: Locate) -> Result<(), ConfigError> {
    for (key, v) in [
        ("branding.primary_colour", &b.primary_colour),
        ("branding.accent_colour", &b.accent_colour),
    ] {
        if !v.trim().is_empty() && crate::pdf::Rgb::parse(v.trim()).is_none() {
            return Err(fail(locate, key, "expected a colour as #rrggbb"));
        }
    }
    if let Some(r) = &b.reply_to {
        Email::parse(r).map_err(|e| fail(locate, "branding.reply_to", e))?;
    }
    if let Some(path) = &b.logo_file {
        let bytes = std::fs::read(path)
            .map_err(|e| fail(locate, "branding.logo_file", format!("cannot read it: {e}")))?;
        if bytes.len() > MAX_LOGO {
            return Err(fail(locate, "branding.logo_file", "at most 200 KB"));
        }
        crate::pdf::Image::read(&bytes)
            .map_err(|e| fail(locate, "branding.logo_file", e.to_string()))?;
    }
    Ok(())
}
