//! The decision before the handler: ban, WAF, body size, rate limits. `Some(answer)` refuses.

use super::Edge;
use crate::config::WafMode;
use crate::domain::cidr::{any_contains, client_key};
use actix_web::HttpMessage;
use actix_web::HttpResponse;
use actix_web::dev::ServiceRequest;
use actix_web::error::PayloadError;
use actix_web::http::{StatusCode, header};
use actix_web::web::{Bytes, BytesMut};
use futures_util::StreamExt;
use serde_json::json;
use std::net::IpAddr;

/// How a refused page request is drawn: the HTTP layer puts it inside the site's layout
/// with a way back (the edge knows no templates). Arguments: status, message, request id.
#[derive(Clone)]
pub struct RefusalPage(pub std::sync::Arc<DrawRefusal>);

/// Draws a refused page request: status, message, request id → the page's HTML.
pub type DrawRefusal = dyn Fn(StatusCode, &str, &str) -> String + Send + Sync;

/// A refusal: JSON under /api, a readable page elsewhere; both carry the request id.
fn refusal(
    req: &ServiceRequest,
    status: StatusCode,
    code: &str,
    message: &str,
    id: &str,
    retry_after: Option<u64>,
) -> HttpResponse {
    let mut r = HttpResponse::build(status);
    if let Some(s) = retry_after {
        r.insert_header((header::RETRY_AFTER, s.max(1).to_string()));
    }
    if super::routes::classify(req.path()).is_api() {
        return r.json(json!({"error": {"code": code, "message": message, "request_id": id}}));
    }
    if let Some(page) = req.app_data::<actix_web::web::Data<RefusalPage>>() {
        return r
            .content_type("text/html; charset=utf-8")
            .body((page.0)(status, message, id));
    }
    let title = status.canonical_reason().unwrap_or("Refused");
    r.content_type("text/html; charset=utf-8").body(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;color:#1f2933\">\
         <h1>{title}</h1><p>{message}.</p><p style=\"color:#616e7c\">Request id: {id}</p></body></html>"
    ))
}

/// 413, naming the limit of the route.
fn too_large(req: &ServiceRequest, limit: usize, id: &str) -> HttpResponse {
    let message = format!(
        "the request body is too large: this address takes at most {} KB",
        limit / 1024
    );
    refusal(
        req,
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        &message,
        id,
        None,
    )
}

/// Why a body could not be read whole.
enum BodyError {
    TooLarge,
    TooSlow,
    Broken,
}

/// Reads the body (bounded in size and time by `body::bounded`) so the WAF can see it, then
/// puts it back for the handler.
async fn take_body(req: &mut ServiceRequest, limit: usize) -> Result<Bytes, BodyError> {
    let mut payload = req.take_payload();
    let mut buf = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| match e {
            PayloadError::Overflow => BodyError::TooLarge,
            e if super::body::is_too_slow(&e) => BodyError::TooSlow,
            _ => BodyError::Broken,
        })?;
        if buf.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge);
        }
        buf.extend_from_slice(&chunk);
    }
    let bytes = buf.freeze();
    req.set_payload(actix_web::dev::Payload::from(bytes.clone()));
    Ok(bytes)
}

/// The answer to a client with `limits.max_requests_per_client` requests in progress already.
/// Not a strike: an office behind one address may simply be busy.
pub(super) fn too_many_in_progress(req: &ServiceRequest, id: &str) -> HttpResponse {
    refusal(
        req,
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_requests",
        "too many requests in progress from this address; try again in a moment",
        id,
        Some(1),
    )
}

/// Bodies the WAF reads: every type but CSV uploads (data for the import, checked row by row
/// there). Multipart forms are read when they declare a length within the body limit: their
/// fields are inspected and their files by name; a bigger upload (the import page's CSV file,
/// up to 5 MB, behind sign-in and CSRF) goes to its handler uninspected.
fn inspected_body(content_type: &str, declared: Option<usize>, max: usize) -> bool {
    if content_type.starts_with("multipart/") {
        return declared.is_some_and(|n| n <= max);
    }
    !content_type.starts_with("text/csv")
}

/// Whether another site made the browser send this request: `Sec-Fetch-Site` says
/// `cross-site` (or `same-site`, which a sibling subdomain can be); or, from a browser too old
/// to send it, an `Origin` or `Referer` from another origin than `ours`. Such a request may be
/// refused or throttled but never counts towards a ban: any page can make its visitors'
/// browsers send it (an `<img>`, an iframe, an auto-submitted form).
pub(super) fn cross_site(headers: &header::HeaderMap, ours: Option<&url::Origin>) -> bool {
    let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = value("sec-fetch-site") {
        return site.eq_ignore_ascii_case("cross-site") || site.eq_ignore_ascii_case("same-site");
    }
    let Some(ours) = ours else {
        return false;
    };
    let foreign = |v: &str| url::Url::parse(v).map_or(true, |u| &u.origin() != ours);
    value("origin").is_some_and(foreign) || value("referer").is_some_and(foreign)
}

/// Decides before the handler: Some(answer) refuses the request, None lets it through.
pub(super) async fn judge(
    edge: &Edge,
    req: &mut ServiceRequest,
    client: IpAddr,
    id: &str,
    aimed: bool,
    max_body: usize,
    acted: &mut Option<String>,
) -> Option<HttpResponse> {
    let now = edge.clock.now();
    let key = client_key(client);
    let allowed = any_contains(&edge.allow, client);
    if !allowed && let Some(left) = edge.bans.banned(key, now) {
        *acted = Some("ban".into());
        return Some(refusal(
            req,
            StatusCode::FORBIDDEN,
            "banned",
            "this address is temporarily banned",
            id,
            Some(left),
        ));
    }
    let mut finding =
        edge.waf
            .inspect_head(req.method(), req.path(), req.query_string(), req.headers());
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|n| n > max_body) {
        *acted = Some("body-size".into());
        return Some(too_large(req, max_body, id));
    }
    // The whole header: a multipart boundary is a parameter, and case-sensitive.
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .trim()
        .to_string();
    if finding.is_none()
        && edge.waf.mode != WafMode::Off
        && inspected_body(&content_type.to_ascii_lowercase(), declared, edge.max_body)
    {
        match take_body(req, max_body).await {
            Ok(body) => finding = edge.waf.inspect_body(&content_type, &body),
            Err(BodyError::TooLarge) => {
                *acted = Some("body-size".into());
                return Some(too_large(req, max_body, id));
            }
            Err(BodyError::TooSlow) => {
                *acted = Some("body-slow".into());
                return Some(refusal(
                    req,
                    StatusCode::REQUEST_TIMEOUT,
                    "body_too_slow",
                    "the request body arrived too slowly",
                    id,
                    None,
                ));
            }
            Err(BodyError::Broken) => {
                return Some(refusal(
                    req,
                    StatusCode::BAD_REQUEST,
                    "bad_body",
                    "the request body could not be read",
                    id,
                    None,
                ));
            }
        }
    }
    if let Some(f) = finding {
        edge.metrics.waf_blocks.with_label_values(&[f.rule]).inc();
        *acted = Some(f.rule.to_string());
        tracing::warn!(rule = f.rule, family = f.family.name(), location = %f.location, %client, request_id = id, "WAF match");
        if edge.waf.mode == WafMode::Block {
            // A page anywhere can make visitors' browsers send attack-looking requests (an
            // <img>, an auto-submitted form): those are refused but never count towards a ban,
            // or anyone could get an office's shared address banned.
            if !allowed && !aimed && edge.bans.strike(key, now, f.rule) {
                edge.metrics.banned.inc();
            }
            return Some(refusal(
                req,
                StatusCode::FORBIDDEN,
                "blocked",
                &format!("this request was blocked by rule {}", f.rule),
                id,
                None,
            ));
        }
    }
    if allowed {
        return None;
    }
    let path = req.path();
    let unsubscribe = super::routes::unsubscribe_link(path);
    let class = super::routes::classify(path);
    let door = match class {
        super::routes::RouteClass::PublicLink if !unsubscribe => super::limits::Door::PublicPage,
        super::routes::RouteClass::Showcase => super::limits::Door::Showcase,
        _ => super::limits::Door::Any,
    };
    // Loads a business's site makes for its visitors never count towards a ban.
    let never_strike = unsubscribe || class == super::routes::RouteClass::Showcase;
    let api_key = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .filter(|t| t.starts_with("plk_"))
        .map(str::to_string);
    if let Err((quota, retry)) = edge.limits.check(key, door, api_key.as_deref()) {
        edge.metrics
            .throttled
            .with_label_values(&[quota.name()])
            .inc();
        *acted = Some(format!("limit:{}", quota.name()));
        // Throttled like any other client, but never banned for what another page made the
        // browser load (120 cross-site <img> loads of one link must not ban an office).
        if !aimed && !never_strike && edge.bans.strike(key, now, quota.name()) {
            edge.metrics.banned.inc();
        }
        return Some(refusal(
            req,
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            "too many requests; slow down",
            id,
            Some(retry),
        ));
    }
    None
}
