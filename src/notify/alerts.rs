//! Alerts: pending new items become instant emails, digest entries, webhook deliveries and
//! auto-response rules' queued replies (one transaction per batch); digests go out once a day.

use super::Alerts;
use crate::domain::{
    AlertMode, AlertPrefs, Id, Item, Location, Rating, WebhookDelivery, WebhookFormat, Workspace,
};
use crate::mail::templates::{AlertLine, NewItemsEmail};
use crate::store::{PageRequest, Settled, Store};
use std::collections::BTreeMap;
use time::{Duration, OffsetDateTime};

/// Pending alerts handled per tick.
const BATCH: usize = 500;
/// Items listed in one email; the rest are counted.
const LISTED: usize = 20;

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
                slack_text(&item.author.name),
                item.origin.as_str(),
                slack_text(location),
                slack_text(&short(&item.text)),
                inbox
            )
        })
        .to_string(),
    }
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

impl Alerts {
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
            // A restricted reviewer's items are kept but raise nothing (privacy restriction).
            if let Some(i) = store.items().get(ws, item)?
                && !store.items().reviewer_restricted(ws, &i)?
            {
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
            out.auto_replies
                .extend(crate::services::auto_replies::queue_for_new(
                    store, &ws_id, &items, now,
                )?);
            let (inbox, _) = self.links(&ws_id);
            for hook in store.alerts().webhooks(&ws_id)? {
                for item in &items {
                    let loc = locations.get(&item.location).cloned().unwrap_or_default();
                    out.deliveries.push(WebhookDelivery {
                        id: Id::generate(now),
                        workspace: ws_id,
                        webhook: hook.id,
                        item: Some(item.id),
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
    /// Walks every member's prefs only when some digest holds items, and at most once a
    /// minute: the poller ticks every second.
    pub fn digest_step(&self) -> anyhow::Result<usize> {
        let store = &self.ctx.store;
        let now = self.ctx.clock.now();
        {
            let mut last = self.digest_ran.lock().unwrap_or_else(|p| p.into_inner());
            if last.is_some_and(|t| now - t < Duration::minutes(1))
                || !store.alerts().any_digest()?
            {
                return Ok(0);
            }
            *last = Some(now);
        }
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
}

/// Text as Slack shows it literally: `&`, `<` and `>` escaped, so a review holding
/// `<https://evil.example|Verify your account>` or `<!channel>` is not a link or a mention.
fn slack_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod slack_tests {
    #[test]
    fn slack_control_sequences_in_reviews_stay_text() {
        let t = super::slack_text("<https://evil.example|Verify> <!channel> & co");
        assert_eq!(
            t,
            "&lt;https://evil.example|Verify&gt; &lt;!channel&gt; &amp; co"
        );
    }
}
