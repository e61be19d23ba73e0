//! Checks that touch the file system: TLS PEM files, the data folder, secrets kept in files.

use super::validate::{Locate, fail};
use super::{Config, ConfigError, Secret, TlsMode};
use std::path::Path;

pub(super) fn validate_server(config: &Config, locate: Locate) -> Result<(), ConfigError> {
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

pub(super) fn validate_storage(config: &Config, locate: Locate) -> Result<(), ConfigError> {
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

pub(super) fn validate_smtp(config: &mut Config, locate: Locate) -> Result<(), ConfigError> {
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
    if let Some(path) = &smtp.ca_file {
        let pem = std::fs::read_to_string(path).map_err(|e| {
            fail(
                locate,
                "smtp.ca_file",
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        if !pem.contains("-----BEGIN CERTIFICATE-----") {
            return Err(fail(
                locate,
                "smtp.ca_file",
                format!("{} is not a PEM certificate", path.display()),
            ));
        }
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

pub(super) fn validate_providers(config: &mut Config, locate: Locate) -> Result<(), ConfigError> {
    let security = &mut config.security;
    if let Some(path) = &security.metrics_token_file {
        let token = std::fs::read_to_string(path).map_err(|e| {
            fail(
                locate,
                "security.metrics_token_file",
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        security.metrics_token = Some(Secret::new(token.trim_end_matches(['\r', '\n'])));
    }
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
