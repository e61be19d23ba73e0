//! The example config stays in step with the code: same keys, same defaults.

use super::{Config, EXAMPLE};
use std::collections::BTreeSet;

/// Every `key = value` line of the example, commented or not, as `section.key`.
fn documented_keys(uncomment: bool) -> (BTreeSet<String>, String) {
    let mut keys = BTreeSet::new();
    let mut section = String::new();
    let mut text = String::new();
    for line in EXAMPLE.lines() {
        let t = line.trim();
        if let Some(h) = t.strip_prefix('[') {
            section = h.trim_end_matches(']').to_string();
            text.push_str(line);
        } else if let Some(rest) = t.strip_prefix("# ").filter(|r| is_assignment(r)) {
            keys.insert(format!("{section}.{}", key_of(rest)));
            if uncomment {
                text.push_str(rest);
            }
        } else if is_assignment(t) {
            keys.insert(format!("{section}.{}", key_of(t)));
            text.push_str(line);
        }
        text.push('\n');
    }
    (keys, text)
}

fn is_assignment(s: &str) -> bool {
    s.split_once(" = ").is_some_and(|(k, _)| {
        !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
    })
}

fn key_of(s: &str) -> &str {
    s.split(" = ").next().unwrap_or_default()
}

/// The fields the code accepts, read from serde's own "expected one of" list.
fn accepted_keys() -> BTreeSet<String> {
    let probe = |section: &str| {
        let text = if section.is_empty() {
            "zz_probe = 1".to_string()
        } else {
            format!("[{section}]\nzz_probe = 1")
        };
        toml::from_str::<Config>(&text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    let mut keys = BTreeSet::new();
    let mut sections: Vec<String> = expected(&probe(""));
    while let Some(section) = sections.pop() {
        // Named tables ([plans.<name>]) are probed through their one documented name.
        let section = if section == "plans" {
            "plans.standard".to_string()
        } else {
            section
        };
        for key in expected(&probe(&section)) {
            let nested = format!("{section}.{key}");
            // A key that is itself a table (providers.google) is probed in turn.
            if probe(&nested).contains("unknown field `zz_probe`") {
                sections.push(nested);
            } else {
                keys.insert(nested);
            }
        }
    }
    keys
}

/// serde says "expected `a`", "expected `a` or `b`" or "expected one of `a`, `b`, ...".
fn expected(message: &str) -> Vec<String> {
    let list = message
        .split("unknown field `zz_probe`, expected ")
        .nth(1)
        .unwrap_or_default();
    let list = list.lines().next().unwrap_or_default();
    let list = list.strip_prefix("one of ").unwrap_or(list);
    list.split(", ")
        .flat_map(|s| s.split(" or "))
        .map(|s| s.trim().trim_matches('`').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

#[test]
fn example_documents_exactly_the_keys_the_code_accepts() {
    let (documented, _) = documented_keys(false);
    let accepted = accepted_keys();
    assert!(accepted.len() > 10, "probe failed: {accepted:?}");
    assert_eq!(documented, accepted);
}

#[test]
fn example_values_are_the_defaults_and_every_commented_key_parses() {
    let (_, plain) = documented_keys(false);
    assert_eq!(toml::from_str::<Config>(&plain).unwrap(), Config::default());
    let (_, uncommented) = documented_keys(true);
    toml::from_str::<Config>(&uncommented).unwrap();
}

#[test]
fn secrets_never_reach_debug_output() {
    let mut c = Config::default();
    c.smtp.password = Some(super::Secret::new("hunter2-secret"));
    assert!(!format!("{c:?}").contains("hunter2"));
}
