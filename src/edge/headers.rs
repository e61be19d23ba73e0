//! Security headers on every response, errors included.

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};

/// Scripts only from our own origin (no inline script anywhere); styles too, except inline
/// `style` attributes in a few templates.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

pub fn apply(headers: &mut HeaderMap, tls: bool, no_store: bool) {
    let mut set = |name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(header::CONTENT_SECURITY_POLICY, CSP);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "same-origin");
    set(header::X_FRAME_OPTIONS, "DENY");
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
