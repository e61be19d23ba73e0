//! Where to send the browser after sign-in: one check for every redirect target taken from a
//! request (`next=`). Only a path on this instance is kept; anything a browser could read as
//! another host (`//x`, `/\x`, `/<tab>/x`, absolute URLs, encoded variants once decoded) falls
//! back to `fallback`.

/// The same-origin path (with query and fragment) `raw` names, resolved against `instance_url`;
/// else `fallback`.
pub fn safe_next(raw: Option<&str>, instance_url: &str, fallback: &str) -> String {
    raw.and_then(|n| resolve(n, instance_url))
        .unwrap_or_else(|| fallback.to_string())
}

fn resolve(raw: &str, instance_url: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    // A path, not a scheme-relative or backslash form, and nothing a browser strips or folds.
    if bytes.first() != Some(&b'/')
        || matches!(bytes.get(1), Some(b'/' | b'\\'))
        || raw.contains('\\')
        || raw.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return None;
    }
    let base = url::Url::parse(instance_url).ok()?;
    let joined = base.join(raw).ok()?;
    if joined.origin() != base.origin() {
        return None;
    }
    let mut out = joined.path().to_string();
    if let Some(q) = joined.query() {
        out.push('?');
        out.push_str(q);
    }
    if let Some(f) = joined.fragment() {
        out.push('#');
        out.push_str(f);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://reviews.example.test";

    #[test]
    fn only_paths_on_this_instance_are_kept() {
        for good in [
            "/w",
            "/w/abc/members?x=1#top",
            "/%2F/evil.example",
            "/a/../b",
        ] {
            let out = safe_next(Some(good), BASE, "/fallback");
            assert!(
                out.starts_with('/') && !out.starts_with("//"),
                "{good} → {out}"
            );
            assert_ne!(out, "/fallback", "{good}");
        }
        for bad in [
            "//evil.example/",
            "/\\evil.example/x",
            "\\\\evil.example",
            "/\t/evil.example/",
            "/\n/evil.example",
            "https://evil.example/",
            "http:evil.example",
            "javascript:alert(1)",
            "evil.example",
            "/ /evil.example",
            "",
        ] {
            assert_eq!(
                safe_next(Some(bad), BASE, "/fallback"),
                "/fallback",
                "{bad:?}"
            );
        }
        assert_eq!(safe_next(None, BASE, "/w"), "/w");
    }
}
