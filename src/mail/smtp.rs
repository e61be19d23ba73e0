//! SMTP delivery through a pooled lettre transport over rustls.
//!
//! The relay's name is resolved here with hickory (pure Rust, reads /etc/hosts and
//! /etc/resolv.conf) rather than by the C library, so the static binary needs no NSS modules;
//! TLS still verifies the certificate against the configured host name.

use super::SendError;
use super::message::Composer;
use crate::config::{SmtpConfig, SmtpSecurity};
use crate::domain::OutboxMessage;
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::net::IpAddr;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// How long a resolved relay address is reused before looking it up again.
const RESOLVE_TTL: Duration = Duration::from_secs(300);

pub struct SmtpSender {
    config: SmtpConfig,
    composer: Composer,
    transport: Mutex<Option<(Instant, AsyncSmtpTransport<Tokio1Executor>)>>,
}

impl SmtpSender {
    pub fn new(config: SmtpConfig, composer: Composer) -> Self {
        Self {
            config,
            composer,
            transport: Mutex::new(None),
        }
    }

    pub async fn diagnose(&self) -> super::probe::Report {
        super::probe::diagnose(&self.config, &self.composer).await
    }

    pub fn describe(&self) -> String {
        format!(
            "smtp://{}:{} ({:?})",
            self.config.host.as_deref().unwrap_or("?"),
            self.config.effective_port(),
            self.config.security
        )
    }

    pub async fn send(&self, msg: &OutboxMessage) -> Result<(), SendError> {
        let email = self.composer.build(msg)?;
        let transport = self.transport().await?;
        match transport.send(email).await {
            Ok(_) => Ok(()),
            Err(e) => {
                // A broken connection may mean the relay moved: look it up again next time.
                if !e.is_response() {
                    *self.transport.lock().await = None;
                }
                Err(classify(&e))
            }
        }
    }

    async fn transport(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, SendError> {
        let mut cached = self.transport.lock().await;
        if let Some((at, t)) = cached.as_ref()
            && at.elapsed() < RESOLVE_TTL
        {
            return Ok(t.clone());
        }
        let host = self.config.host.clone().unwrap_or_default();
        let ip = resolve(&host).await?;
        let t = self.build(&host, ip)?;
        *cached = Some((Instant::now(), t.clone()));
        Ok(t)
    }

    fn build(
        &self,
        host: &str,
        ip: IpAddr,
    ) -> Result<AsyncSmtpTransport<Tokio1Executor>, SendError> {
        let c = &self.config;
        let tls_params = || {
            let mut builder = TlsParameters::builder(host.to_string());
            if let Some(path) = &c.ca_file {
                let pem = std::fs::read(path).map_err(|e| {
                    SendError::Transient(format!("reading smtp.ca_file {}: {e}", path.display()))
                })?;
                let cert = Certificate::from_pem(&pem).map_err(|e| {
                    SendError::Permanent(format!("smtp.ca_file {}: {e}", path.display()))
                })?;
                builder = builder.add_root_certificate(cert);
            }
            builder
                .build_rustls()
                .map_err(|e| SendError::Permanent(format!("TLS setup for {host}: {e}")))
        };
        let tls = match c.security {
            SmtpSecurity::Starttls => Tls::Required(tls_params()?),
            SmtpSecurity::Tls => Tls::Wrapper(tls_params()?),
            SmtpSecurity::None => Tls::None,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(ip.to_string())
            .port(c.effective_port())
            .tls(tls)
            .timeout(Some(Duration::from_secs(c.timeout_secs)))
            .pool_config(PoolConfig::new().max_size(c.pool_size));
        if let (Some(user), Some(pass)) = (&c.username, &c.password) {
            builder =
                builder.credentials(Credentials::new(user.clone(), pass.expose().to_string()));
        }
        Ok(builder.build())
    }
}

pub(super) async fn resolve(host: &str) -> Result<IpAddr, SendError> {
    if let Ok(ip) = host.trim_matches(['[', ']']).parse::<IpAddr>() {
        return Ok(ip);
    }
    if host.eq_ignore_ascii_case("localhost") {
        return Ok(IpAddr::from([127, 0, 0, 1]));
    }
    let resolver = hickory_resolver::TokioResolver::builder_tokio()
        .map_err(|e| SendError::Transient(format!("cannot read the resolver configuration: {e}")))?
        .build();
    let found = resolver
        .lookup_ip(host)
        .await
        .map_err(|e| SendError::Transient(format!("cannot resolve {host}: {e}")))?;
    found
        .iter()
        .next()
        .ok_or_else(|| SendError::Transient(format!("{host} has no address")))
}

/// 5xx replies are final; everything else (4xx, timeouts, refused connections) is retried.
fn classify(e: &lettre::transport::smtp::Error) -> SendError {
    let text = e.to_string();
    if e.is_permanent() {
        SendError::Permanent(text)
    } else {
        SendError::Transient(text)
    }
}
