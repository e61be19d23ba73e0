//! How an agency presents itself to its clients: the name, colours and logo on reports, their
//! emails and the public pages, per workspace over an instance-wide default.

use super::Email;
use serde::{Deserialize, Serialize};

/// The largest logo, in bytes.
pub const MAX_LOGO: usize = 200 * 1024;

/// A workspace's branding; an empty or absent field takes the instance's default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branding {
    pub agency_name: String,
    /// `#rrggbb`.
    pub primary: String,
    pub accent: String,
    /// The display name reports are sent under (the address stays the instance's).
    pub sender_name: String,
    pub reply_to: Option<Email>,
    /// PNG or JPEG bytes, base64.
    pub logo: Option<String>,
    /// `None` follows the instance; `Some(false)` hides "Powered by Plaudit".
    pub powered_by: Option<bool>,
}

/// Branding with every field decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Brand {
    pub agency_name: String,
    pub primary: String,
    pub accent: String,
    pub sender_name: String,
    pub reply_to: Option<Email>,
    #[serde(skip)]
    pub logo: Option<Vec<u8>>,
    pub has_logo: bool,
    pub powered_by: bool,
}

impl Brand {
    /// `ws` over `instance`, over Plaudit's own.
    pub fn resolve(instance: &Branding, ws: &Branding) -> Brand {
        let pick = |w: &str, i: &str, d: &str| {
            [w, i]
                .into_iter()
                .map(str::trim)
                .find(|s| !s.is_empty())
                .unwrap_or(d)
                .to_string()
        };
        let agency_name = pick(&ws.agency_name, &instance.agency_name, "Plaudit");
        let logo = ws.logo.as_ref().or(instance.logo.as_ref()).and_then(|b| {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.decode(b).ok()
        });
        Brand {
            sender_name: pick(&ws.sender_name, &instance.sender_name, &agency_name),
            primary: pick(&ws.primary, &instance.primary, "#2563eb"),
            accent: pick(&ws.accent, &instance.accent, "#f59e0b"),
            reply_to: ws.reply_to.clone().or(instance.reply_to.clone()),
            has_logo: logo.is_some(),
            logo,
            powered_by: ws.powered_by.or(instance.powered_by).unwrap_or(true),
            agency_name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workspace_overrides_the_instance_field_by_field() {
        let instance = Branding {
            agency_name: "North Agency".into(),
            primary: "#111111".into(),
            powered_by: Some(false),
            ..Default::default()
        };
        let ws = Branding {
            primary: "#222222".into(),
            sender_name: "Reports".into(),
            ..Default::default()
        };
        let b = Brand::resolve(&instance, &ws);
        assert_eq!(b.agency_name, "North Agency");
        assert_eq!(b.primary, "#222222");
        assert_eq!(b.accent, "#f59e0b");
        assert_eq!(b.sender_name, "Reports");
        assert!(!b.powered_by);
        let plain = Brand::resolve(&Branding::default(), &Branding::default());
        assert_eq!(plain.agency_name, "Plaudit");
        assert_eq!(plain.sender_name, "Plaudit");
        assert!(plain.powered_by);
    }
}
