//! Rules a config must satisfy beyond its types: reachable files, usable folders, sane numbers.

use super::files;
use super::{Config, ConfigError};

pub(super) type Locate<'a> = &'a dyn Fn(&str) -> String;

pub(super) fn fail(locate: Locate, key: &str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        location: locate(key),
        key: key.to_string(),
        problem: problem.into(),
    }
}

pub(super) fn validate(config: &mut Config, locate: Locate) -> Result<(), ConfigError> {
    files::validate_server(config, locate)?;
    files::validate_storage(config, locate)?;
    files::validate_smtp(config, locate)?;
    validate_accounts(config, locate)?;
    files::validate_providers(config, locate)?;
    validate_numbers(config, locate)?;
    super::ai::validate(&config.ai, locate)?;
    super::branding::validate(&config.branding, locate)?;
    if let Some(path) = &config.backup.key_file {
        super::read_backup_key(path).map_err(|e| fail(locate, "backup.key_file", e))?;
    }
    if config.backup.interval_hours > 0 && config.backup.keep == 0 {
        return Err(fail(locate, "backup.keep", "keep at least 1 backup"));
    }
    validate_log_level(&config.logs.level).map_err(|bad| {
        fail(
            locate,
            "logs.level",
            format!(
                "expected a level such as `info` or a filter such as `plaudit=debug`, found `{bad}`"
            ),
        )
    })?;
    Ok(())
}

/// Each comma-separated part is a level or `target=level` (EnvFilter alone would take any word
/// as a target name and silently log nothing).
fn validate_log_level(filter: &str) -> Result<(), String> {
    const LEVELS: [&str; 6] = ["trace", "debug", "info", "warn", "error", "off"];
    for part in filter.split(',').map(str::trim) {
        let level = part.rsplit_once('=').map_or(part, |(target, level)| {
            if target.is_empty()
                || !target
                    .chars()
                    .all(|c| c.is_alphanumeric() || "_:-".contains(c))
            {
                ""
            } else {
                level
            }
        });
        if !LEVELS.contains(&level.to_ascii_lowercase().as_str()) {
            return Err(part.to_string());
        }
    }
    Ok(())
}

fn validate_accounts(config: &Config, locate: Locate) -> Result<(), ConfigError> {
    if !config.plans.contains_key(&config.accounts.default_plan) {
        let known: Vec<&str> = config.plans.keys().map(String::as_str).collect();
        return Err(fail(
            locate,
            "accounts.default_plan",
            format!(
                "no plan `{}` is defined; defined plans: {}",
                config.accounts.default_plan,
                known.join(", ")
            ),
        ));
    }
    for (key, list) in [
        ("security.trusted_proxies", &config.security.trusted_proxies),
        ("security.allow_list", &config.security.allow_list),
    ] {
        for entry in list {
            entry
                .parse::<crate::domain::cidr::Cidr>()
                .map_err(|problem| fail(locate, key, problem))?;
        }
    }
    for origin in &config.security.cors_origins {
        let ok = url::Url::parse(origin).is_ok_and(|u| {
            matches!(u.scheme(), "http" | "https")
                && u.host().is_some()
                && u.path() == "/"
                && !origin.ends_with('/')
                && u.query().is_none()
        });
        if !ok {
            return Err(fail(
                locate,
                "security.cors_origins",
                format!("`{origin}` is not an origin such as https://app.example.com"),
            ));
        }
    }
    Ok(())
}

fn validate_numbers(config: &Config, locate: Locate) -> Result<(), ConfigError> {
    let a = &config.accounts;
    let checks: [(&str, u64, u64, u64); 35] = [
        ("accounts.session_hours", a.session_hours, 1, 720),
        (
            "accounts.verify_link_hours",
            a.verify_link_hours,
            1,
            24 * 30,
        ),
        (
            "accounts.reset_link_minutes",
            a.reset_link_minutes,
            5,
            24 * 60,
        ),
        ("accounts.invite_link_days", a.invite_link_days, 1, 90),
        (
            "accounts.login_attempts_per_account",
            u64::from(a.login_attempts_per_account),
            1,
            10_000,
        ),
        (
            "accounts.auth_attempts_per_ip",
            u64::from(a.auth_attempts_per_ip),
            1,
            100_000,
        ),
        (
            "accounts.hash_concurrency",
            a.hash_concurrency as u64,
            1,
            64,
        ),
        (
            "server.shutdown_timeout_secs",
            config.server.shutdown_timeout_secs,
            1,
            300,
        ),
        (
            "server.max_body_kb",
            config.server.max_body_kb as u64,
            1,
            1024 * 1024,
        ),
        (
            "server.max_upload_kb",
            config.server.max_upload_kb as u64,
            1,
            1024 * 1024,
        ),
        (
            "server.body_idle_secs",
            config.server.body_idle_secs,
            1,
            3600,
        ),
        (
            "server.body_timeout_secs",
            config.server.body_timeout_secs,
            1,
            3600,
        ),
        (
            "limits.max_requests_per_client",
            u64::from(config.limits.max_requests_per_client),
            1,
            100_000,
        ),
        ("storage.cache_mb", config.storage.cache_mb, 1, 64 * 1024),
        ("storage.stuck_secs", config.storage.stuck_secs, 2, 3600),
        (
            "storage.postgres_max_connections",
            u64::from(config.storage.postgres_max_connections),
            1,
            1000,
        ),
        ("storage.lease_secs", config.storage.lease_secs, 2, 600),
        ("smtp.timeout_secs", config.smtp.timeout_secs, 1, 600),
        ("smtp.pool_size", u64::from(config.smtp.pool_size), 1, 64),
        (
            "outbox.max_attempts",
            u64::from(config.outbox.max_attempts),
            1,
            100,
        ),
        (
            "outbox.retry_base_secs",
            config.outbox.retry_base_secs,
            1,
            86_400,
        ),
        (
            "outbox.concurrency",
            config.outbox.concurrency as u64,
            1,
            64,
        ),
        (
            "outbox.poll_interval_ms",
            config.outbox.poll_interval_ms,
            10,
            60_000,
        ),
        (
            "logs.max_requests",
            config.logs.max_requests,
            1_000,
            100_000_000,
        ),
        (
            "poller.interval_secs",
            config.poller.interval_secs,
            10,
            86_400 * 7,
        ),
        (
            "poller.full_sync_secs",
            config.poller.full_sync_secs,
            60,
            86_400 * 30,
        ),
        (
            "poller.concurrency",
            config.poller.concurrency as u64,
            1,
            64,
        ),
        (
            "poller.google_per_minute",
            u64::from(config.poller.google_per_minute),
            1,
            300,
        ),
        (
            "poller.facebook_per_minute",
            u64::from(config.poller.facebook_per_minute),
            1,
            6000,
        ),
        (
            "poller.backoff_base_ms",
            config.poller.backoff_base_ms,
            1,
            600_000,
        ),
        (
            "poller.max_retries",
            u64::from(config.poller.max_retries),
            0,
            20,
        ),
        ("poller.max_wait_secs", config.poller.max_wait_secs, 1, 3600),
        ("poller.timeout_secs", config.poller.timeout_secs, 1, 600),
        (
            "poller.max_answer_kb",
            config.poller.max_answer_kb as u64,
            64,
            1024 * 1024,
        ),
        ("poller.tick_ms", config.poller.tick_ms, 10, 60_000),
    ];
    for (key, value, min, max) in checks {
        if value < min || value > max {
            return Err(fail(
                locate,
                key,
                format!("expected a number from {min} to {max}, found {value}"),
            ));
        }
    }
    if config.outbox.lease_secs < config.smtp.timeout_secs * 2 {
        return Err(fail(
            locate,
            "outbox.lease_secs",
            format!(
                "must be at least twice smtp.timeout_secs ({}), found {}",
                config.smtp.timeout_secs, config.outbox.lease_secs
            ),
        ));
    }
    Ok(())
}
