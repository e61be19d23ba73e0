//! The one typed configuration: defaults in code, TOML file, `PLAUDIT_SECTION__KEY` overrides.

mod load;
mod validate;

pub use load::{ConfigError, LoadedConfig, load, resolve_path};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub storage: StorageConfig,
    pub accounts: AccountsConfig,
    pub plans: BTreeMap<String, PlanConfig>,
    pub providers: ProvidersConfig,
    pub security: SecurityConfig,
    pub smtp: SmtpConfig,
    pub outbox: OutboxConfig,
    pub logs: LogsConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            server: ServerConfig::default(),
            storage: StorageConfig::default(),
            accounts: AccountsConfig::default(),
            plans: BTreeMap::from([("standard".to_string(), PlanConfig::default())]),
            providers: ProvidersConfig::default(),
            security: SecurityConfig::default(),
            smtp: SmtpConfig::default(),
            outbox: OutboxConfig::default(),
            logs: LogsConfig::default(),
        }
    }
}

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
    /// Sign-in, registration and reset attempts per client address per minute.
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
    pub api: bool,
}

impl Default for PlanConfig {
    fn default() -> Self {
        Self {
            max_locations: 25,
            max_members: 20,
            campaigns: true,
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

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecurityConfig {
    /// Browser origins allowed to call /api/v1 from their own pages (CORS).
    pub cors_origins: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<url::Url>,
    pub tls: TlsMode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_cert: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_key: Option<PathBuf>,
    pub shutdown_timeout_secs: u64,
    pub max_body_kb: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            tls: TlsMode::Off,
            tls_cert: None,
            tls_key: None,
            shutdown_timeout_secs: 10,
            max_body_kb: 256,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    Off,
    Static,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    pub data_dir: PathBuf,
    pub cache_mb: u64,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./plaudit-data"),
            cache_mb: 64,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// 0 means the usual port for `security`: 587, 465 or 25.
    pub port: u16,
    pub security: SmtpSecurity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_file: Option<PathBuf>,
    pub from: String,
    pub timeout_secs: u64,
    pub pool_size: u32,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            host: None,
            port: 0,
            security: SmtpSecurity::Starttls,
            username: None,
            password: None,
            password_file: None,
            from: "Plaudit <plaudit@localhost>".into(),
            timeout_secs: 30,
            pool_size: 4,
        }
    }
}

impl SmtpConfig {
    pub fn effective_port(&self) -> u16 {
        match (self.port, self.security) {
            (0, SmtpSecurity::Starttls) => 587,
            (0, SmtpSecurity::Tls) => 465,
            (0, SmtpSecurity::None) => 25,
            (port, _) => port,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    Starttls,
    Tls,
    None,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutboxConfig {
    pub max_attempts: u32,
    pub retry_base_secs: u64,
    pub lease_secs: u64,
    pub concurrency: usize,
    pub poll_interval_ms: u64,
}

impl Default for OutboxConfig {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            retry_base_secs: 60,
            lease_secs: 300,
            concurrency: 4,
            poll_interval_ms: 1000,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogsConfig {
    pub format: LogFormat,
    pub level: String,
}

impl Default for LogsConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            level: "info".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// A value that must never reach a log line or a debug dump.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// The documented example config, also what `plaudit init` writes.
pub const EXAMPLE: &str = include_str!("../../config.example.toml");

#[cfg(test)]
mod tests;
