//! "Send test email": one message to the relay, stage by stage (DNS, connect, TLS,
//! authentication, sender, recipient, data), so the operator learns which stage failed and
//! what usually fixes it, instead of a queued message that silently retries.

use super::message::Composer;
use crate::config::{SmtpConfig, SmtpSecurity};
use crate::domain::OutboxMessage;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::ClientId;
use serde::Serialize;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Stage {
    /// dns, connect, tls, authentication, sender, recipient, data.
    pub stage: String,
    pub ok: bool,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Report {
    pub delivered: bool,
    pub relay: String,
    pub stages: Vec<Stage>,
    /// What usually fixes the failed stage.
    pub hint: Option<String>,
}

struct Run {
    stages: Vec<Stage>,
}

impl Run {
    fn ok(&mut self, stage: &str, detail: impl Into<String>) {
        self.stages.push(Stage {
            stage: stage.into(),
            ok: true,
            detail: detail.into(),
        });
    }

    fn fail(mut self, relay: String, stage: &str, detail: String, hint: String) -> Report {
        self.stages.push(Stage {
            stage: stage.into(),
            ok: false,
            detail,
        });
        Report {
            delivered: false,
            relay,
            stages: self.stages,
            hint: Some(hint),
        }
    }
}

fn tls_params(c: &SmtpConfig, host: &str) -> Result<TlsParameters, String> {
    let mut builder = TlsParameters::builder(host.to_string());
    if let Some(path) = &c.ca_file {
        let pem = std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        let cert = Certificate::from_pem(&pem).map_err(|e| format!("{}: {e}", path.display()))?;
        builder = builder.add_root_certificate(cert);
    }
    builder.build_rustls().map_err(|e| e.to_string())
}

fn tls_wrapper_hint(port: u16) -> String {
    format!(
        "the relay did not speak TLS on port {port}: if it is a submission port (587), use security = \"starttls\"; if the certificate is the problem, check that smtp.host is the name on it or set smtp.ca_file"
    )
}

/// Sends `msg` through the configured relay on a fresh connection, recording each stage.
pub async fn probe(c: &SmtpConfig, composer: &Composer, msg: &OutboxMessage) -> Report {
    stages(c, composer, Some(msg)).await
}

/// The relay's stages up to the sender (DNS, connect, TLS, authentication, MAIL FROM), then
/// a polite QUIT: no message is sent. What the outbox runs when deliveries start failing, to
/// tell which stage fails and its fix.
pub async fn diagnose(c: &SmtpConfig, composer: &Composer) -> Report {
    stages(c, composer, None).await
}

async fn stages(c: &SmtpConfig, composer: &Composer, msg: Option<&OutboxMessage>) -> Report {
    let host = c.host.clone().unwrap_or_default();
    let port = c.effective_port();
    let relay = format!("{host}:{port} ({:?})", c.security).to_lowercase();
    let timeout = Duration::from_secs(c.timeout_secs.min(30));
    let mut run = Run { stages: Vec::new() };

    let ip = match super::smtp::resolve(&host).await {
        Ok(ip) => ip,
        Err(e) => {
            let hint = format!(
                "check smtp.host (`{host}`) for typos, and that this machine can resolve names (/etc/resolv.conf)"
            );
            return run.fail(relay, "dns", e.to_string(), hint);
        }
    };
    run.ok("dns", format!("{host} is {ip}"));

    match tokio::time::timeout(timeout, tokio::net::TcpStream::connect((ip, port))).await {
        Ok(Ok(_)) => run.ok("connect", format!("{ip}:{port} accepts connections")),
        Ok(Err(e)) => {
            let hint = format!(
                "nothing accepts connections on port {port}: check smtp.port; the usual ports are 587 (starttls), 465 (tls) and 25 (none)"
            );
            return run.fail(relay, "connect", e.to_string(), hint);
        }
        Err(_) => {
            let hint = format!(
                "port {port} did not answer within {}s: a firewall or the hosting provider probably blocks it (many block 25); try 587 with security = \"starttls\" or 465 with security = \"tls\"",
                timeout.as_secs()
            );
            return run.fail(relay, "connect", "timed out".into(), hint);
        }
    }

    let wrapper = match c.security {
        SmtpSecurity::Tls => match tls_params(c, &host) {
            Ok(p) => Some(p),
            Err(e) => return run.fail(relay, "tls", e, "check smtp.ca_file".into()),
        },
        _ => None,
    };
    let hello = ClientId::default();
    let connected = tokio::time::timeout(
        timeout,
        AsyncSmtpConnection::connect_tokio1((ip, port), Some(timeout), &hello, wrapper, None),
    )
    .await;
    let mut conn = match (connected, c.security) {
        (Ok(Ok(conn)), SmtpSecurity::Tls) => {
            run.ok("tls", "implicit TLS established, certificate verified");
            conn
        }
        (Ok(Ok(conn)), _) => conn,
        (Ok(Err(e)), SmtpSecurity::Tls) => {
            return run.fail(relay, "tls", e.to_string(), tls_wrapper_hint(port));
        }
        (Err(_), SmtpSecurity::Tls) => {
            return run.fail(
                relay,
                "tls",
                "no TLS handshake".into(),
                tls_wrapper_hint(port),
            );
        }
        (Ok(Err(e)), _) => {
            let hint = if port == 465 {
                "port 465 expects TLS from the first byte: use security = \"tls\"".to_string()
            } else {
                "the server accepted the connection but did not greet as an SMTP server; check smtp.port".to_string()
            };
            return run.fail(relay, "connect", e.to_string(), hint);
        }
        (Err(_), _) => {
            let hint = if port == 465 {
                "port 465 expects TLS from the first byte: use security = \"tls\"".into()
            } else {
                "the server did not greet within the timeout; check smtp.port and smtp.security"
                    .into()
            };
            return run.fail(relay, "connect", "no SMTP greeting".into(), hint);
        }
    };

    if c.security == SmtpSecurity::Starttls {
        let params = match tls_params(c, &host) {
            Ok(p) => p,
            Err(e) => return run.fail(relay, "tls", e, "check smtp.ca_file".into()),
        };
        match conn.starttls(params, &hello).await {
            Ok(()) => run.ok("tls", "STARTTLS upgraded, certificate verified"),
            Err(e) => {
                let hint = if e.to_string().contains("not supported") {
                    "the relay does not offer STARTTLS here: use security = \"tls\" with port 465, or \"none\" only for a relay on this machine".to_string()
                } else {
                    "TLS failed: check that smtp.host is the name on the relay's certificate, or set smtp.ca_file for a private CA".to_string()
                };
                return run.fail(relay, "tls", e.to_string(), hint);
            }
        }
    }

    if let (Some(user), Some(pass)) = (&c.username, &c.password) {
        let creds = Credentials::new(user.clone(), pass.expose().to_string());
        match conn
            .auth(&[Mechanism::Plain, Mechanism::Login], &creds)
            .await
        {
            Ok(_) => run.ok("authentication", format!("signed in as {user}")),
            Err(e) => {
                let hint = "the relay refused smtp.username / smtp.password; some providers need an app password or SMTP access turned on".to_string();
                return run.fail(relay, "authentication", e.to_string(), hint);
            }
        }
    }

    let Some(msg) = msg else {
        let from = composer.from.email.clone();
        if let Err(e) = conn.command(Mail::new(Some(from), vec![])).await {
            let hint = format!(
                "the relay refuses the sender {}: set smtp.from to an address of a domain the relay (and its account) may send for",
                composer.from.email
            );
            return run.fail(relay, "sender", e.to_string(), hint);
        }
        run.ok("sender", format!("{} accepted", composer.from.email));
        let _ = conn.quit().await;
        return Report {
            delivered: false,
            relay,
            stages: run.stages,
            hint: None,
        };
    };
    let email = match composer.build(msg) {
        Ok(m) => m,
        Err(e) => return run.fail(relay, "data", e.to_string(), "check smtp.from".into()),
    };
    let envelope = email.envelope().clone();
    if let Err(e) = conn
        .command(Mail::new(envelope.from().cloned(), vec![]))
        .await
    {
        let hint = format!(
            "the relay refuses the sender {}: set smtp.from to an address of a domain the relay (and its account) may send for",
            composer.from.email
        );
        return run.fail(relay, "sender", e.to_string(), hint);
    }
    run.ok("sender", format!("{} accepted", composer.from.email));
    for to in envelope.to() {
        if let Err(e) = conn.command(Rcpt::new(to.clone(), vec![])).await {
            let hint = "the relay refuses this recipient: \"relay access denied\" means it wants authentication (smtp.username/password) or a sender of its own domain".to_string();
            return run.fail(relay, "recipient", e.to_string(), hint);
        }
    }
    run.ok("recipient", format!("{} accepted", msg.to));
    let sent = async {
        conn.command(Data).await?;
        conn.message(&email.formatted()).await
    };
    match sent.await {
        Ok(r) => {
            let detail = r.message().collect::<Vec<_>>().join(" ");
            run.ok("data", format!("message accepted: {detail}"));
        }
        Err(e) => {
            let hint = "the relay refused the message itself (size, content or sending limits); its answer says which".to_string();
            return run.fail(relay, "data", e.to_string(), hint);
        }
    }
    let _ = conn.quit().await;
    Report {
        delivered: true,
        relay,
        stages: run.stages,
        hint: None,
    }
}
