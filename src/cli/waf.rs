//! `plaudit waf test FILE`: replays a JSON-lines corpus of requests (the format of
//! shared/waf-corpus: family, expect "block"/"pass", method, uri, headers, body) against the WAF
//! rules in-process and prints, per family, how many attacks were caught and how many
//! look-alikes were wrongly caught. Operators can check their own traffic samples this way.

use super::Failed;
use crate::config::Config;
use crate::edge::waf::Waf;
use actix_web::http::Method;
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use std::collections::BTreeMap;
use std::path::Path;

/// (caught, total) for attacks and for look-alikes, per family.
#[derive(Default)]
struct Rates {
    attacks: (usize, usize),
    lookalikes: (usize, usize),
}

fn pct(n: usize, of: usize) -> String {
    if of == 0 {
        "-".into()
    } else {
        format!("{:.1} %", 100.0 * n as f64 / of as f64)
    }
}

/// Whether the WAF refuses one request as CRS's runner sends it: a body without a
/// Content-Type is read as form data, as CRS does.
fn caught(waf: &Waf, v: &serde_json::Value) -> Option<Option<&'static str>> {
    let method = Method::from_bytes(v["method"].as_str().unwrap_or("GET").as_bytes()).ok()?;
    let uri = v["uri"].as_str().unwrap_or("/");
    let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
    let mut headers = HeaderMap::new();
    if let Some(h) = v["headers"].as_object() {
        for (k, val) in h {
            if let (Ok(name), Some(Ok(value))) = (
                HeaderName::from_bytes(k.as_bytes()),
                val.as_str().map(HeaderValue::from_str),
            ) {
                headers.append(name, value);
            }
        }
    }
    if let Some(f) = waf.inspect_head(&method, path, query, &headers) {
        return Some(Some(f.rule));
    }
    let body = v["body"].as_str().unwrap_or("");
    if body.is_empty() {
        return Some(None);
    }
    let ctype = headers
        .get("content-type")
        .and_then(|c| c.to_str().ok())
        .unwrap_or("application/x-www-form-urlencoded")
        .to_string();
    Some(waf.inspect_body(&ctype, body.as_bytes()).map(|f| f.rule))
}

pub fn test(config: &Config, file: &Path, misses: bool) -> Result<(), Failed> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| Failed::Usage(format!("cannot read {}: {e}", file.display())))?;
    let waf = Waf::new(&config.waf);
    let mut rates: BTreeMap<String, Rates> = BTreeMap::new();
    let mut skipped = 0;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| Failed::Usage(format!("{}:{}: not JSON: {e}", file.display(), i + 1)))?;
        let Some(by) = caught(&waf, &v).filter(|_| v.get("raw_b64").is_none()) else {
            skipped += 1;
            continue;
        };
        let hit = by.is_some();
        if misses && hit == (v["expect"] == "pass") {
            let what = match by {
                Some(rule) => format!("caught look-alike (rule {rule})"),
                None => "missed".into(),
            };
            let mut body: String = v["body"].as_str().unwrap_or("").chars().take(160).collect();
            if body.is_empty() {
                // The attack is in a header: show the unusual ones.
                body = v["headers"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter(|(k, _)| {
                        ![
                            "host",
                            "accept",
                            "accept-encoding",
                            "accept-language",
                            "connection",
                            "user-agent",
                            "keep-alive",
                            "proxy-connection",
                            "content-length",
                        ]
                        .contains(&k.to_ascii_lowercase().as_str())
                    })
                    .map(|(k, v)| {
                        format!(
                            "{k}: {}",
                            v.as_str()
                                .unwrap_or("")
                                .chars()
                                .take(120)
                                .collect::<String>()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" | ");
            }
            println!(
                "{what} {} {}: {} {}",
                v["family"], v["rule"], v["uri"], body
            );
        }
        let r = rates
            .entry(v["family"].as_str().unwrap_or("?").to_string())
            .or_default();
        let slot = if v["expect"] == "pass" {
            &mut r.lookalikes
        } else {
            &mut r.attacks
        };
        slot.0 += usize::from(hit);
        slot.1 += 1;
    }
    println!(
        "{:<8} {:>18} {:>22}",
        "family", "attacks caught", "look-alikes caught"
    );
    let mut all = Rates::default();
    for (family, r) in &rates {
        println!(
            "{family:<8} {:>9} {:>8} {:>13} {:>8}",
            format!("{}/{}", r.attacks.0, r.attacks.1),
            pct(r.attacks.0, r.attacks.1),
            format!("{}/{}", r.lookalikes.0, r.lookalikes.1),
            pct(r.lookalikes.0, r.lookalikes.1)
        );
        all.attacks.0 += r.attacks.0;
        all.attacks.1 += r.attacks.1;
        all.lookalikes.0 += r.lookalikes.0;
        all.lookalikes.1 += r.lookalikes.1;
    }
    println!(
        "{:<8} {:>9} {:>8} {:>13} {:>8}",
        "all",
        format!("{}/{}", all.attacks.0, all.attacks.1),
        pct(all.attacks.0, all.attacks.1),
        format!("{}/{}", all.lookalikes.0, all.lookalikes.1),
        pct(all.lookalikes.0, all.lookalikes.1)
    );
    if skipped > 0 {
        println!("({skipped} raw or unreadable requests skipped: replay those against a server)");
    }
    Ok(())
}
