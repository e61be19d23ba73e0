//! Where to send the browser after sign-in: one check for every redirect target taken from a
//! request (`next=`). Only a path on this instance is kept; anything a browser could read as
//! another host (`//x`, `/\x`, `/<tab>/x`, absolute URLs, encoded variants once decoded) falls
//! back to `fallback`. The check is made on the value the browser will follow: the target is
//! resolved (dot segments, percent-encoded dots), and the result must still read as a path on
//! this origin (`/.//evil` resolves to `//evil`, which a browser reads as another host).

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
    followed_here(&out, &base).then_some(out)
}

/// Whether a browser given `location` as a redirect stays on `base`'s origin and path space:
/// it must read as an absolute path (never `//host` or `/\host`), and resolving it again
/// (as the browser does) must land on the same origin.
fn followed_here(location: &str, base: &url::Url) -> bool {
    let b = location.as_bytes();
    b.first() == Some(&b'/')
        && !matches!(b.get(1), Some(b'/' | b'\\'))
        && !location.contains('\\')
        && base
            .join(location)
            .is_ok_and(|again| again.origin() == base.origin())
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
            // Spellings that resolve to `//host` or `/\host` once dot segments are applied.
            "/.//evil.example/",
            "/%2e//evil.example/",
            "/%2E//evil.example/",
            "/./%2e//evil.example",
            "/a/..//evil.example/",
            "/a/%2e%2e//evil.example/",
            "/%2e%2e//evil.example/",
            "/.%2e//evil.example/",
            "/x/.././/evil.example",
            "/./\\evil.example",
            "/%2e/\\evil.example",
        ] {
            assert_eq!(
                safe_next(Some(bad), BASE, "/fallback"),
                "/fallback",
                "{bad:?}"
            );
        }
        assert_eq!(safe_next(None, BASE, "/w"), "/w");
        // Whatever is kept, a browser resolving it again stays here.
        let base = url::Url::parse(BASE).unwrap();
        for a in [
            "/",
            ".",
            "%2e",
            "%2E",
            "a",
            "..",
            "%2e%2e",
            "\\",
            "%2f",
            "%5c",
            "evil.example",
        ] {
            for b in ["/", ".", "%2e", "..", "\\", "evil.example", "%2f"] {
                for c in ["/", "evil.example", "/evil.example/", "."] {
                    let raw = format!("/{a}/{b}{c}");
                    let out = safe_next(Some(&raw), BASE, "/fallback");
                    let followed = base.join(&out).unwrap();
                    assert_eq!(followed.origin(), base.origin(), "{raw} → {out}");
                    assert!(!out.starts_with("//"), "{raw} → {out}");
                }
            }
        }
    }
}
