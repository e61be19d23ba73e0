//! The one typed configuration: defaults in code, TOML file, `PLAUDIT_SECTION__KEY` overrides.

mod access;
mod ai;
mod branding;
mod data;
mod files;
mod load;
mod validate;

pub use access::{
    AccountsConfig, FacebookConfig, ForwardedHeader, GoogleConfig, LimitsConfig, PlanConfig,
    ProvidersConfig, Registration, SecurityConfig, WafConfig, WafMode,
};

pub use ai::AiConfig;
pub use branding::BrandingConfig;
pub use data::{BackupConfig, PrivacyConfig, RetentionConfig, read_key as read_backup_key};
pub use load::{Check, ConfigError, LoadedConfig, load, resolve_path};

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
    pub limits: LimitsConfig,
    pub waf: WafConfig,
    pub smtp: SmtpConfig,
    pub outbox: OutboxConfig,
    pub poller: PollerConfig,
    pub logs: LogsConfig,
    pub backup: BackupConfig,
    pub retention: RetentionConfig,
    pub privacy: PrivacyConfig,
    pub ai: AiConfig,
    pub branding: BrandingConfig,
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
            limits: LimitsConfig::default(),
            waf: WafConfig::default(),
            smtp: SmtpConfig::default(),
            outbox: OutboxConfig::default(),
            poller: PollerConfig::default(),
            logs: LogsConfig::default(),
            backup: BackupConfig::default(),
            retention: RetentionConfig::default(),
            privacy: PrivacyConfig::default(),
            ai: AiConfig::default(),
            branding: BrandingConfig::default(),
        }
    }
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
    /// Largest CSV upload (the import pages and routes), in KiB; every other route takes
    /// `max_body_kb`.
    pub max_upload_kb: usize,
    /// A request body must keep arriving: at most this many seconds between two pieces...
    pub body_idle_secs: u64,
    /// ...and all of it within this many (four times as long for uploads).
    pub body_timeout_secs: u64,
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
            max_upload_kb: 5 * 1024,
            body_idle_secs: 10,
            body_timeout_secs: 30,
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
    /// Seconds without a store read answering before the watchdog exits the process (70).
    pub stuck_secs: u64,
    /// Rewrite the store at start when its folder is far above its live size (`workers::compaction`).
    pub compact_at_start: bool,
    /// Folders smaller than this (MiB) are never weighed for compaction.
    pub compact_min_mb: u64,
    /// Where the records live: the embedded sled store in `data_dir/db`, or a PostgreSQL-wire
    /// database (`postgres_url`).
    pub backend: Backend,
    /// `postgres://user:password@host:port/dbname?sslmode=verify-full` (backend "postgres").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postgres_url: Option<String>,
    /// A file holding that URL (kept out of the config file, as a secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postgres_url_file: Option<PathBuf>,
    /// Connections each instance keeps open to the database at most.
    pub postgres_max_connections: u32,
    /// With several instances on one database: how long a single-runner job or a
    /// connection's sync stays with an instance that stopped renewing its lease (it died).
    pub lease_secs: u64,
}

/// The store's engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    #[default]
    Sled,
    Postgres,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./plaudit-data"),
            cache_mb: 64,
            stuck_secs: 30,
            compact_at_start: true,
            compact_min_mb: 64,
            backend: Backend::Sled,
            postgres_url: None,
            postgres_url_file: None,
            postgres_max_connections: 16,
            lease_secs: 15,
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
    /// Extra CA certificate (PEM) to trust for the relay, e.g. a company's private CA.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// DKIM: the signing domain (`d=`), the selector (`s=`) and the RSA private key (PEM,
    /// PKCS#1 or PKCS#8). All three or none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dkim_domain: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dkim_selector: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dkim_key_file: Option<PathBuf>,
    /// The key read from `dkim_key_file` at load, as PKCS#1 PEM.
    #[serde(skip)]
    pub dkim_key: Option<Secret>,
    /// Messages a second at most (0: as fast as the relay takes them).
    pub rate_per_sec: u32,
    /// An address that also takes unsubscribe requests (`List-Unsubscribe: <mailto:...>`);
    /// whoever reads that mailbox suppresses the sender in Plaudit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsubscribe_mailto: Option<String>,
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
            ca_file: None,
            dkim_domain: None,
            dkim_selector: None,
            dkim_key_file: None,
            dkim_key: None,
            rate_per_sec: 0,
            unsubscribe_mailto: None,
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

/// The in-process poller that pulls reviews and comments, and the reply worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PollerConfig {
    /// Off: nothing is fetched or sent (connections can still be made).
    pub enabled: bool,
    /// Seconds between incremental syncs of one connection (a random 10 % is added).
    pub interval_secs: u64,
    /// Seconds between full reconciles (which find reviews removed at the provider).
    pub full_sync_secs: u64,
    /// Connections synced at the same time.
    pub concurrency: usize,
    /// Calls per minute to each provider, kept below the documented quota (Google: 300).
    pub google_per_minute: u32,
    pub facebook_per_minute: u32,
    /// First backoff after a 429 / 5xx without Retry-After; doubles per retry, with jitter.
    pub backoff_base_ms: u64,
    /// Retries of one call before the sync gives up until its next run.
    pub max_retries: u32,
    /// Longest Retry-After honoured inside a sync; longer ones end the sync until then.
    pub max_wait_secs: u64,
    pub timeout_secs: u64,
    /// Largest provider answer accepted.
    pub max_answer_kb: usize,
    /// How often the worker looks for due connections and replies.
    pub tick_ms: u64,
    /// Let webhooks reach loopback and private addresses (off: a workspace manager could
    /// otherwise make the server call services on its own network).
    pub webhooks_to_private_addresses: bool,
}

impl Default for PollerConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            interval_secs: 900,
            full_sync_secs: 6 * 3600,
            concurrency: 4,
            google_per_minute: 240,
            facebook_per_minute: 150,
            backoff_base_ms: 1000,
            max_retries: 5,
            max_wait_secs: 120,
            timeout_secs: 30,
            max_answer_kb: 8 * 1024,
            tick_ms: 1000,
            webhooks_to_private_addresses: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogsConfig {
    pub format: LogFormat,
    pub level: String,
    /// One line per request on stdout: "combined" (Apache/nginx style), "json" or "off".
    pub access_log: AccessLogFormat,
    /// Days the request log and its per-minute rollups are kept.
    pub retention_days: u64,
    /// Requests kept at most, whatever their age; the oldest go first. Each is at most about
    /// 2 KB (paths, user agents and referrers are cut to 512 bytes).
    pub max_requests: u64,
    /// Store client addresses only as a keyed hash in the request log.
    pub hash_ips: bool,
}

impl Default for LogsConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            level: "info".into(),
            access_log: AccessLogFormat::Combined,
            retention_days: 30,
            max_requests: 1_000_000,
            hash_ips: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccessLogFormat {
    Combined,
    Json,
    Off,
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
