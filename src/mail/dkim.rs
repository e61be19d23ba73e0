//! DKIM signing: the key checked when the config loads, one signer shared by every send.

use crate::config::{Secret, SmtpConfig};
use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm,
    DkimSigningKey,
};
use lettre::message::header::HeaderName;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use std::sync::Arc;

/// The headers every signature covers. Absent ones are signed as absent, so nobody can add
/// them in transit (RFC 6376 §5.4).
/// Not Content-Type: lettre writes it with the body part, after signing, so it cannot be in the
/// signature (a verifier would hash a header the signer never saw).
const SIGNED: [&str; 8] = [
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "MIME-Version",
];

/// Checks the three DKIM keys and reads the key into `dkim_key`; an error names the key.
/// The config check (`config::Check`): DKIM's settings go together and the key reads.
pub fn check_config(config: &mut crate::Config) -> Result<(), (&'static str, String)> {
    validate(&mut config.smtp)
}

pub fn validate(smtp: &mut SmtpConfig) -> Result<(), (&'static str, String)> {
    let set = [
        smtp.dkim_domain.is_some(),
        smtp.dkim_selector.is_some(),
        smtp.dkim_key_file.is_some(),
    ];
    if set.iter().all(|s| !s) {
        return Ok(());
    }
    if set.iter().any(|s| !s) {
        return Err((
            "smtp.dkim_domain",
            "smtp.dkim_domain, smtp.dkim_selector and smtp.dkim_key_file go together".into(),
        ));
    }
    let label = |s: &str| {
        !s.is_empty()
            && s.len() <= 253
            && s.split('.').all(|l| {
                !l.is_empty()
                    && l.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            })
    };
    let domain = smtp.dkim_domain.as_deref().unwrap_or_default();
    if !label(domain) {
        return Err((
            "smtp.dkim_domain",
            format!("`{domain}` is not a domain name"),
        ));
    }
    let selector = smtp.dkim_selector.as_deref().unwrap_or_default();
    if !label(selector) {
        return Err((
            "smtp.dkim_selector",
            format!("`{selector}` is not a DNS label"),
        ));
    }
    let path = smtp.dkim_key_file.clone().unwrap_or_default();
    let pem = std::fs::read_to_string(&path).map_err(|e| {
        (
            "smtp.dkim_key_file",
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    let pkcs1 = pkcs1_pem(&pem).map_err(|e| {
        (
            "smtp.dkim_key_file",
            format!(
                "{}: {e} (expected an RSA private key in PEM, e.g. from `openssl genrsa 2048`)",
                path.display()
            ),
        )
    })?;
    smtp.dkim_key = Some(Secret::new(pkcs1));
    Ok(())
}

/// lettre reads PKCS#1 only; OpenSSL 3 writes PKCS#8 by default. Take either.
fn pkcs1_pem(pem: &str) -> Result<String, String> {
    if pem.contains("BEGIN RSA PRIVATE KEY") {
        DkimSigningKey::new(pem, DkimSigningAlgorithm::Rsa).map_err(|e| e.to_string())?;
        return Ok(pem.to_string());
    }
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(pem).map_err(|e| e.to_string())?;
    let out = key
        .to_pkcs1_pem(rsa::pkcs8::LineEnding::LF)
        .map_err(|e| e.to_string())?;
    Ok(out.to_string())
}

/// The signer for a validated config, if DKIM is on.
pub fn signer(smtp: &SmtpConfig) -> anyhow::Result<Option<Arc<DkimConfig>>> {
    let (Some(domain), Some(selector), Some(key)) =
        (&smtp.dkim_domain, &smtp.dkim_selector, &smtp.dkim_key)
    else {
        return Ok(None);
    };
    let key = DkimSigningKey::new(key.expose(), DkimSigningAlgorithm::Rsa)
        .map_err(|e| anyhow::anyhow!("smtp.dkim_key_file: {e}"))?;
    let headers = SIGNED
        .iter()
        .map(|h| HeaderName::new_from_ascii_str(h))
        .collect();
    // relaxed/relaxed: lettre's default simple header canonicalization fails verification
    // once a relay refolds a header.
    let canon = DkimCanonicalization {
        header: DkimCanonicalizationType::Relaxed,
        body: DkimCanonicalizationType::Relaxed,
    };
    Ok(Some(Arc::new(DkimConfig::new(
        selector.clone(),
        domain.clone(),
        key,
        headers,
        canon,
    ))))
}
