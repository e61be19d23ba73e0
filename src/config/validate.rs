//! Rules a config must satisfy beyond its types: reachable files, usable folders, sane numbers.

use super::{Config, ConfigError, Secret, TlsMode};
use std::path::Path;

type Locate<'a> = &'a dyn Fn(&str) -> String;

fn fail(locate: Locate, key: &str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        location: locate(key),
        key: key.to_string(),
        problem: problem.into(),
    }
}

pub(super) fn validate(config: &mut Config, locate: Locate) -> Result<(), ConfigError> {
    validate_server(config, locate)?;
    validate_storage(config, locate)?;
    validate_smtp(config, locate)?;
    validate_accounts(config, locate)?;
    validate_providers(config, locate)?;
    validate_numbers(config, locate)?;
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

fn validate_server(config: &Config, locate: Locate) -> Result<(), ConfigError> {
    if let Some(url) = &config.server.public_url {
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(fail(
                locate,
                "server.public_url",
                format!(
                    "expected an absolute http(s) URL such as https://reviews.example.com, found `{url}`"
                ),
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(fail(
                locate,
                "server.public_url",
                "must not carry a query or a fragment",
            ));
        }
    }
    if config.server.tls == TlsMode::Static {
        for (key, path, label) in [
            ("server.tls_cert", &config.server.tls_cert, "CERTIFICATE"),
            ("server.tls_key", &config.server.tls_key, "PRIVATE KEY"),
        ] {
            let Some(path) = path else {
                return Err(fail(locate, key, "required when server.tls = \"static\""));
            };
            let pem = std::fs::read_to_string(path)
                .map_err(|e| fail(locate, key, format!("cannot read {}: {e}", path.display())))?;
            if !pem.contains("-----BEGIN ") || !pem.contains(label) {
                return Err(fail(
                    locate,
                    key,
                    format!("{} is not a PEM file holding a {label}", path.display()),
                ));
            }
        }
    }
    Ok(())
}

fn validate_storage(config: &Config, locate: Locate) -> Result<(), ConfigError> {
    let key = "storage.data_dir";
    let dir = &config.storage.data_dir;
    if dir.as_os_str().is_empty() {
        return Err(fail(locate, key, "must not be empty"));
    }
    if dir.exists() {
        if !dir.is_dir() {
            return Err(fail(
                locate,
                key,
                format!("{} is not a directory", dir.display()),
            ));
        }
        return probe_writable(dir).map_err(|e| {
            fail(
                locate,
                key,
                format!("{} is not readable and writable: {e}", dir.display()),
            )
        });
    }
    // Not created yet: the nearest existing ancestor must let us create it.
    let mut ancestor = dir.parent();
    while let Some(a) = ancestor {
        let a = if a.as_os_str().is_empty() {
            Path::new(".")
        } else {
            a
        };
        if a.exists() {
            if !a.is_dir() {
                return Err(fail(
                    locate,
                    key,
                    format!(
                        "cannot create {}: {} is not a directory",
                        dir.display(),
                        a.display()
                    ),
                ));
            }
            return probe_writable(a).map_err(|e| {
                fail(
                    locate,
                    key,
                    format!(
                        "cannot create {}: {} is not writable: {e}",
                        dir.display(),
                        a.display()
                    ),
                )
            });
        }
        ancestor = a.parent();
    }
    Ok(())
}

fn probe_writable(dir: &Path) -> std::io::Result<()> {
    std::fs::read_dir(dir)?;
    let probe = dir.join(format!(".plaudit-probe-{}", std::process::id()));
    std::fs::write(&probe, b"")?;
    std::fs::remove_file(probe)
}

fn validate_smtp(config: &mut Config, locate: Locate) -> Result<(), ConfigError> {
    let smtp = &mut config.smtp;
    if let Some(path) = &smtp.password_file {
        if smtp.password.is_some() {
            return Err(fail(
                locate,
                "smtp.password_file",
                "set either smtp.password or smtp.password_file, not both",
            ));
        }
        let secret = std::fs::read_to_string(path).map_err(|e| {
            fail(
                locate,
                "smtp.password_file",
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        smtp.password = Some(Secret::new(secret.trim_end_matches(['\r', '\n'])));
    }
    if smtp.username.is_some() != smtp.password.is_some() {
        return Err(fail(
            locate,
            "smtp.username",
            "smtp.username and smtp.password go together",
        ));
    }
    if let Some(host) = &smtp.host
        && (host.trim().is_empty()
            || host.contains(['/', ' ', ':']) && host.parse::<std::net::Ipv6Addr>().is_err())
    {
        return Err(fail(
            locate,
            "smtp.host",
            format!("expected a host name or IP address, found `{host}`"),
        ));
    }
    smtp.from.parse::<lettre::message::Mailbox>().map_err(|_| {
        fail(
            locate,
            "smtp.from",
            format!(
                "expected an address such as `Plaudit <reviews@example.com>`, found `{}`",
                smtp.from
            ),
        )
    })?;
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

/// Reads `client_secret_file` into `client_secret`; an id needs its secret.
fn provider_secret(
    locate: Locate,
    name: &str,
    id: &Option<String>,
    secret: &mut Option<Secret>,
    file: &Option<std::path::PathBuf>,
) -> Result<(), ConfigError> {
    let key = |k: &str| format!("providers.{name}.{k}");
    if let Some(path) = file {
        if secret.is_some() {
            return Err(fail(
                locate,
                &key("client_secret_file"),
                "set either client_secret or client_secret_file, not both",
            ));
        }
        let value = std::fs::read_to_string(path).map_err(|e| {
            fail(
                locate,
                &key("client_secret_file"),
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        *secret = Some(Secret::new(value.trim_end_matches(['\r', '\n'])));
    }
    if id.is_some() != secret.is_some() {
        return Err(fail(
            locate,
            &key("client_id"),
            "client_id and client_secret go together",
        ));
    }
    Ok(())
}

fn validate_providers(config: &mut Config, locate: Locate) -> Result<(), ConfigError> {
    let g = &mut config.providers.google;
    provider_secret(
        locate,
        "google",
        &g.client_id,
        &mut g.client_secret,
        &g.client_secret_file,
    )?;
    let f = &mut config.providers.facebook;
    provider_secret(
        locate,
        "facebook",
        &f.client_id,
        &mut f.client_secret,
        &f.client_secret_file,
    )?;
    let version = &config.providers.facebook.graph_version;
    if !version.starts_with('v') || version[1..].parse::<f32>().is_err() {
        return Err(fail(
            locate,
            "providers.facebook.graph_version",
            format!("expected a version such as v23.0, found `{version}`"),
        ));
    }
    Ok(())
}

fn validate_numbers(config: &Config, locate: Locate) -> Result<(), ConfigError> {
    let a = &config.accounts;
    let checks: [(&str, u64, u64, u64); 16] = [
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
        ("storage.cache_mb", config.storage.cache_mb, 1, 64 * 1024),
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
