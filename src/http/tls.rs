//! HTTPS with rustls from PEM files (`server.tls = "static"`).

use crate::config::Config;
use anyhow::Context;

pub fn server_config(config: &Config) -> anyhow::Result<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let cert_path = config
        .server
        .tls_cert
        .as_ref()
        .context("server.tls_cert is required")?;
    let key_path = config
        .server
        .tls_key
        .as_ref()
        .context("server.tls_key is required")?;
    let certs = CertificateDer::pem_file_iter(cert_path)
        .with_context(|| format!("reading {}", cert_path.display()))?
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("parsing {}", cert_path.display()))?;
    let key = PrivateKeyDer::from_pem_file(key_path)
        .with_context(|| format!("reading {}", key_path.display()))?;
    rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("the TLS certificate and key do not match")
}
