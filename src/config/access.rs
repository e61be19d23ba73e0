//! Config of who gets in: registration and sessions, plans, sign-in providers, CORS origins.

use super::Secret;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Registration {
    /// Only people invited to a workspace can create an account.
    Invite,
    Open,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccountsConfig {
    pub registration: Registration,
    pub session_hours: u64,
    pub default_plan: String,
    pub verify_link_hours: u64,
    pub reset_link_minutes: u64,
    pub invite_link_days: u64,
    /// Sign-in attempts per account per 15 minutes, from any number of addresses.
    pub login_attempts_per_account: u32,
    /// Attempts per client address per minute at each of sign-in, registration and reset.
    pub auth_attempts_per_ip: u32,
    /// Password hashes computed at once (each takes 19 MiB and a core for a moment).
    pub hash_concurrency: usize,
}

impl Default for AccountsConfig {
    fn default() -> Self {
        Self {
            registration: Registration::Invite,
            session_hours: 12,
            default_plan: "standard".into(),
            verify_link_hours: 48,
            reset_link_minutes: 60,
            invite_link_days: 7,
            login_attempts_per_account: 10,
            auth_attempts_per_ip: 30,
            hash_concurrency: 2,
        }
    }
}

/// What a workspace on this plan may do. Plans are named tables: `[plans.standard]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlanConfig {
    pub max_locations: u32,
    pub max_members: u32,
    pub campaigns: bool,
    /// Campaigns a workspace may keep (drafts and finished ones included).
    pub max_campaigns: u32,
    pub api: bool,
}

impl Default for PlanConfig {
    fn default() -> Self {
        Self {
            max_locations: 25,
            max_members: 20,
            campaigns: true,
            max_campaigns: 1000,
            api: true,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProvidersConfig {
    pub google: GoogleConfig,
    pub facebook: FacebookConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GoogleConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret_file: Option<PathBuf>,
    pub auth_url: url::Url,
    pub token_url: url::Url,
    pub userinfo_url: url::Url,
    pub revoke_url: url::Url,
    /// Business Profile account management (accounts list).
    pub accounts_api: url::Url,
    /// Business Profile business information (locations list).
    pub locations_api: url::Url,
    /// My Business API v4 (reviews and replies).
    pub reviews_api: url::Url,
}

fn fixed_url(s: &str) -> url::Url {
    url::Url::parse(s).unwrap_or_else(|_| unreachable!("built-in URL {s} parses"))
}

impl Default for GoogleConfig {
    fn default() -> Self {
        Self {
            client_id: None,
            client_secret: None,
            client_secret_file: None,
            auth_url: fixed_url("https://accounts.google.com/o/oauth2/v2/auth"),
            token_url: fixed_url("https://oauth2.googleapis.com/token"),
            userinfo_url: fixed_url("https://openidconnect.googleapis.com/v1/userinfo"),
            revoke_url: fixed_url("https://oauth2.googleapis.com/revoke"),
            accounts_api: fixed_url("https://mybusinessaccountmanagement.googleapis.com/v1"),
            locations_api: fixed_url("https://mybusinessbusinessinformation.googleapis.com/v1"),
            reviews_api: fixed_url("https://mybusiness.googleapis.com/v4"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FacebookConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret_file: Option<PathBuf>,
    /// Where the login dialog lives: `{dialog_url}/{graph_version}/dialog/oauth`.
    pub dialog_url: url::Url,
    pub graph_url: url::Url,
    pub graph_version: String,
}

impl Default for FacebookConfig {
    fn default() -> Self {
        Self {
            client_id: None,
            client_secret: None,
            client_secret_file: None,
            dialog_url: fixed_url("https://www.facebook.com"),
            graph_url: fixed_url("https://graph.facebook.com"),
            graph_version: "v23.0".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ForwardedHeader {
    #[serde(rename = "x-forwarded-for")]
    XForwardedFor,
    #[serde(rename = "forwarded")]
    Forwarded,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecurityConfig {
    /// Browser origins allowed to call /api/v1 from their own pages (CORS).
    pub cors_origins: Vec<String>,
    /// Reverse proxies (CIDRs) whose forwarding header is believed.
    pub trusted_proxies: Vec<String>,
    /// The one header those proxies write: `x-forwarded-for` (nginx, HAProxy, Caddy, Traefik
    /// append to it) or `forwarded` (RFC 7239). The other is ignored: proxies pass a client's
    /// own copy of it through untouched.
    pub forwarded_header: ForwardedHeader,
    /// Clients (CIDRs) that are never rate-limited or banned.
    pub allow_list: Vec<String>,
    /// Bearer token for GET /metrics from beyond loopback.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_token: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_token_file: Option<PathBuf>,
    /// The whole edge guard (WAF, limits, bans). Off only to measure its cost or to debug.
    pub edge: bool,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        Self {
            cors_origins: Vec::new(),
            trusted_proxies: Vec::new(),
            forwarded_header: ForwardedHeader::XForwardedFor,
            allow_list: Vec::new(),
            metrics_token: None,
            metrics_token_file: None,
            edge: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Requests per client address per minute, all routes together.
    pub per_ip_per_minute: u32,
    /// How many of those may come at once.
    pub per_ip_burst: u32,
    /// Requests per client address per minute to the public feedback and unsubscribe pages.
    pub public_per_ip_per_minute: u32,
    /// Requests per client address per minute to the showcases' embeds and walls (`/s/`),
    /// instead of `per_ip_per_minute`: visitors of a business's site load them.
    pub showcase_per_ip_per_minute: u32,
    /// Requests per API key per minute.
    pub api_key_per_minute: u32,
    /// A client with this many blocked or throttled requests within `ban_window_secs`...
    pub ban_after: u32,
    pub ban_window_secs: u64,
    /// ...is refused outright for this long.
    pub ban_secs: u64,
    /// Requests one client address may have in progress at once (slow bodies included); more
    /// are refused at once, before anything is read or inspected.
    pub max_requests_per_client: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            per_ip_per_minute: 1200,
            per_ip_burst: 200,
            public_per_ip_per_minute: 60,
            showcase_per_ip_per_minute: 1200,
            api_key_per_minute: 600,
            ban_after: 50,
            ban_window_secs: 300,
            ban_secs: 3600,
            max_requests_per_client: 64,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WafMode {
    Block,
    /// Rules match and are logged and counted, nothing is refused.
    LogOnly,
    Off,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WafConfig {
    pub mode: WafMode,
    /// Rule ids to skip, e.g. ["sqli-tautology"].
    pub disabled_rules: Vec<String>,
    pub max_headers: usize,
    pub max_header_bytes: usize,
}

impl Default for WafConfig {
    fn default() -> Self {
        Self {
            mode: WafMode::Block,
            disabled_rules: Vec::new(),
            max_headers: 64,
            max_header_bytes: 16 * 1024,
        }
    }
}
