//! Request logging off the request path: records go through a bounded channel to one writer
//! task that batches them into the store; one access-log line per request goes to stdout.

use crate::config::AccessLogFormat;
use crate::store::{RequestRecord, Store};
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use time::format_description::well_known::Rfc3339;
use tokio::sync::{mpsc, watch};

/// Query keys whose values are secrets, and path prefixes whose last segment is one.
const SECRET_KEYS: &[&str] = &[
    "token",
    "key",
    "code",
    "state",
    "password",
    "secret",
    "access_token",
    "invitation",
    "api_key",
];

/// Query keys whose values may name a person (search words, addresses, names): the request
/// log, kept for weeks and outside any erasure, must not hold them.
const PERSONAL_KEYS: &[&str] = &[
    "q",
    "search",
    "email",
    "name",
    "author",
    "to",
    "provider_id",
    "new_email",
];

/// The path and query as logged: secrets and personal values replaced, control characters
/// escaped.
pub fn loggable_path(path: &str, query: &str) -> String {
    let mut out = match super::routes::RouteClass::redacted_prefix(path) {
        Some(prefix) => format!("{prefix}REDACTED"),
        None => path.to_string(),
    };
    if !query.is_empty() {
        let parts: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _))
                    if SECRET_KEYS
                        .iter()
                        .chain(PERSONAL_KEYS)
                        .any(|s| s.eq_ignore_ascii_case(k)) =>
                {
                    format!("{k}=REDACTED")
                }
                _ => pair.to_string(),
            })
            .collect();
        out.push('?');
        out.push_str(&parts.join("&"));
    }
    escape(&out)
}

/// Longest path, user agent or referrer kept (bytes): a 60 KB header is an attack on the disk,
/// not information.
pub const FIELD_MAX: usize = 512;

/// `s` cut to `FIELD_MAX` bytes at a character boundary, marked when cut.
pub fn bounded(s: String) -> String {
    if s.len() <= FIELD_MAX {
        return s;
    }
    let mut end = FIELD_MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// A Referer as logged: its path and query redacted like ours (a page's URL can hold a token,
/// ours or another site's), bounded.
pub fn loggable_referrer(raw: &str) -> String {
    if raw.is_empty() {
        return String::new();
    }
    match url::Url::parse(raw) {
        Ok(u) => {
            let origin = u.origin().ascii_serialization();
            bounded(format!(
                "{origin}{}",
                loggable_path(u.path(), u.query().unwrap_or(""))
            ))
        }
        Err(_) => bounded(escape(raw)),
    }
}

/// Control characters, quotes and backslashes escaped so one request is one line.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// Apache/nginx "combined" format, which fail2ban and log shippers read.
pub fn combined(r: &RequestRecord) -> String {
    let at = r.at.format(&time::macros::format_description!(
        "[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000"
    ));
    format!(
        "{} - {} [{}] \"{} {} HTTP/1.1\" {} {} \"{}\" \"{}\"{}",
        r.client,
        r.user.as_deref().unwrap_or("-"),
        at.unwrap_or_default(),
        escape(&r.method),
        r.path,
        r.status,
        r.bytes,
        escape(&r.referrer),
        escape(&r.user_agent),
        r.acted
            .as_deref()
            .map(|a| format!(" acted={}", escape(a)))
            .unwrap_or_default()
    )
}

#[derive(Clone)]
pub struct RequestLog {
    tx: mpsc::Sender<RequestRecord>,
    pub dropped: Arc<AtomicU64>,
}

impl RequestLog {
    /// Starts the writer; it drains and exits when `shutdown` turns true.
    pub fn start(
        store: Store,
        format: AccessLogFormat,
        shutdown: watch::Receiver<bool>,
    ) -> (Self, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(10_000);
        let handle = tokio::spawn(write_batches(store, format, rx, shutdown));
        (
            Self {
                tx,
                dropped: Arc::new(AtomicU64::new(0)),
            },
            handle,
        )
    }

    /// Never blocks the request and does no I/O on its path: the writer task prints the access
    /// line and stores the record. When the writer falls behind, the record is counted and dropped.
    pub fn record(&self, r: RequestRecord) {
        if self.tx.try_send(r).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// One access-log line in the configured format (None when the access log is off).
fn access_line(format: AccessLogFormat, r: &RequestRecord) -> Option<String> {
    match format {
        AccessLogFormat::Off => None,
        AccessLogFormat::Combined => Some(combined(r)),
        AccessLogFormat::Json => serde_json::to_string(&serde_json::json!({
            "time": r.at.format(&Rfc3339).unwrap_or_default(), "client": r.client, "user": r.user,
            "method": r.method, "path": r.path, "status": r.status, "bytes": r.bytes,
            "latency_us": r.latency_us, "user_agent": r.user_agent, "referrer": r.referrer, "acted": r.acted,
        }))
        .ok(),
    }
}

async fn write_batches(
    store: Store,
    format: AccessLogFormat,
    mut rx: mpsc::Receiver<RequestRecord>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut batch = Vec::with_capacity(512);
    loop {
        let stop = tokio::select! {
            n = rx.recv_many(&mut batch, 512) => n == 0,
            _ = shutdown.changed() => true,
        };
        if stop {
            while let Ok(r) = rx.try_recv() {
                batch.push(r);
            }
        }
        if !batch.is_empty() {
            // One locked, buffered write for the whole batch of access lines.
            let lines: String = batch
                .iter()
                .filter_map(|r| access_line(format, r))
                .map(|l| l + "\n")
                .collect();
            if !lines.is_empty() {
                let _ = std::io::stdout().lock().write_all(lines.as_bytes());
            }
            let (s, b) = (store.clone(), std::mem::take(&mut batch));
            match tokio::task::spawn_blocking(move || s.traffic().append(&b)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    tracing::error!(error = %format!("{e:#}"), "request log write failed")
                }
                Err(e) => tracing::error!(error = %e, "request log writer panicked"),
            }
        }
        if stop {
            return;
        }
        // Let a burst accumulate into one batch.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_control_characters_never_reach_the_log() {
        assert_eq!(loggable_path("/reset/abc123", ""), "/reset/REDACTED");
        assert_eq!(
            loggable_path("/auth/google/callback", "code=xyz&state=s1&x=1"),
            "/auth/google/callback?code=REDACTED&state=REDACTED&x=1"
        );
        assert_eq!(
            loggable_referrer("https://reviews.example.com/reset/abc123?x=1"),
            "https://reviews.example.com/reset/REDACTED?x=1"
        );
        assert_eq!(
            loggable_referrer("https://other.example/cb?code=s3cret"),
            "https://other.example/cb?code=REDACTED"
        );
        assert_eq!(
            loggable_path(
                "/api/v1/workspaces/w/items",
                "q=Zelda+Quill&limit=5&EMAIL=z%40q.org"
            ),
            "/api/v1/workspaces/w/items?q=REDACTED&limit=5&EMAIL=REDACTED"
        );
        assert_eq!(
            loggable_referrer("https://reviews.example.com/w/x/inbox?q=Zelda"),
            "https://reviews.example.com/w/x/inbox?q=REDACTED"
        );
        let long = bounded("é".repeat(400));
        assert!(long.len() <= FIELD_MAX + 3 && long.ends_with('…'));
        assert_eq!(
            escape("evil\r\n127.0.0.1 - - \"GET"),
            "evil\\x0d\\x0a127.0.0.1 - - \\\"GET"
        );
    }
}
