//! Security headers on every response, errors included.

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};

/// Scripts only from our own origin (no inline script anywhere); styles too, except inline
/// `style` attributes in a few templates. Forms post to this origin, or (connecting an
/// account: our POST answers with a redirect there) to the providers' consent pages.
pub fn csp(config: &crate::config::Config) -> HeaderValue {
    let p = &config.providers;
    let mut targets: Vec<String> = Vec::new();
    for url in [&p.google.auth_url, &p.facebook.dialog_url] {
        let origin = url.origin().ascii_serialization();
        if origin != "null" && !targets.contains(&origin) {
            targets.push(origin);
        }
    }
    let value = format!(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; \
         form-action 'self' {}; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        targets.join(" ")
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| {
        HeaderValue::from_static("default-src 'self'; form-action 'self'; frame-ancestors 'none'")
    })
}

/// A response that brings its own policy (a showcase's embeds, which other sites may frame or
/// fetch) keeps it; every other gets the instance's, framing denied.
pub fn apply(headers: &mut HeaderMap, csp: &HeaderValue, tls: bool, no_store: bool) {
    let own_policy = headers.contains_key(header::CONTENT_SECURITY_POLICY);
    if !own_policy {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp.clone());
    }
    let mut set = |name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "same-origin");
    if !own_policy {
        set(header::X_FRAME_OPTIONS, "DENY");
    }
    set(
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    );
    set(
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    if tls {
        set(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    if no_store {
        set(header::CACHE_CONTROL, "no-store");
    }
}
