//! TLS to the database as libpq's `sslmode` asks: the server's certificate checked against a
//! CA file or the web's roots (`verify-full`), or only the handshake's signature (`require`,
//! `prefer`).

use super::target::Tls;
use super::wire::{PgError, Result};
use bytes::BytesMut;
use postgres_protocol::message::frontend;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

/// Asks for TLS (SSLRequest); `Ok(Err(tcp))` when the server declines and `mode` allows that.
pub(super) fn start_tls(
    mut tcp: TcpStream,
    host: &str,
    mode: &Tls,
) -> Result<std::result::Result<rustls::StreamOwned<rustls::ClientConnection, TcpStream>, TcpStream>>
{
    let mut out = BytesMut::new();
    frontend::ssl_request(&mut out);
    tcp.write_all(&out)?;
    let mut answer = [0u8; 1];
    tcp.read_exact(&mut answer)?;
    if answer[0] != b'S' {
        return match mode {
            Tls::Prefer => Ok(Err(tcp)),
            _ => Err(PgError::Protocol(
                "the server does not offer TLS and sslmode asks for it".into(),
            )),
        };
    }
    let config = client_config(mode)?;
    let name = rustls::pki_types::ServerName::try_from(host.to_string())
        .map_err(|e| PgError::Protocol(format!("{host}: {e}")))?;
    let conn = rustls::ClientConnection::new(Arc::new(config), name)
        .map_err(|e| PgError::Protocol(format!("TLS: {e}")))?;
    Ok(Ok(rustls::StreamOwned::new(conn, tcp)))
}

fn client_config(mode: &Tls) -> Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| PgError::Protocol(format!("TLS: {e}")))?;
    Ok(match mode {
        Tls::VerifyFull { root } => {
            let mut roots = rustls::RootCertStore::empty();
            match root {
                Some(path) => {
                    use rustls::pki_types::{CertificateDer, pem::PemObject};
                    for cert in CertificateDer::pem_file_iter(path)
                        .map_err(|e| PgError::Protocol(format!("sslrootcert {path}: {e}")))?
                    {
                        let cert = cert
                            .map_err(|e| PgError::Protocol(format!("sslrootcert {path}: {e}")))?;
                        roots
                            .add(cert)
                            .map_err(|e| PgError::Protocol(format!("sslrootcert {path}: {e}")))?;
                    }
                }
                None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        // libpq's `require` and `prefer`: encrypted, the certificate not checked.
        _ => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unchecked(provider)))
            .with_no_client_auth(),
    })
}

/// Accepts any certificate, checking only that the handshake is signed by it (sslmode
/// require/prefer, as libpq does).
#[derive(Debug)]
struct Unchecked(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> std::result::Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
