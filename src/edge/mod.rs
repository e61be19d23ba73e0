//! The edge guard, in front of every route: client address → bans → WAF → rate limits →
//! handler → security headers → request log and metrics.

pub mod bans;
pub mod cidr;
pub mod client_ip;
pub mod headers;
pub mod limits;
pub mod metrics;
pub mod request_log;
pub mod waf;

use crate::clock::SharedClock;
use crate::config::{Config, WafMode};
use crate::store::RequestRecord;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes, BytesMut};
use actix_web::{HttpMessage, HttpResponse};
use bans::Bans;
use cidr::{Cidr, any_contains, client_key};
use futures_util::StreamExt;
use limits::EdgeLimits;
use metrics::Metrics;
use rand::RngCore;
use request_log::RequestLog;
use serde_json::json;
use std::net::IpAddr;
use std::time::Instant;
use waf::Waf;

/// The client address the edge settled on; handlers read it from the request's extensions.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub IpAddr);

/// Who was signed in, noted by the auth extractors for the request log.
#[derive(Debug, Clone)]
pub struct LoggedUser(pub String);

pub struct Edge {
    pub enabled: bool,
    pub tls: bool,
    trusted: Vec<Cidr>,
    allow: Vec<Cidr>,
    pub waf: Waf,
    pub limits: EdgeLimits,
    pub bans: Bans,
    pub log: RequestLog,
    pub metrics: Metrics,
    clock: SharedClock,
    max_body: usize,
    /// With `logs.hash_ips`, the key that turns addresses into stable pseudonyms in the log.
    ip_hash_key: Option<Vec<u8>>,
}

fn cidrs(list: &[String]) -> Vec<Cidr> {
    list.iter().filter_map(|c| c.parse().ok()).collect()
}

impl Edge {
    pub fn new(
        config: &Config,
        clock: SharedClock,
        log: RequestLog,
        metrics: Metrics,
        instance_secret: &[u8],
    ) -> Self {
        Self {
            enabled: config.security.edge,
            tls: config.server.tls == crate::config::TlsMode::Static,
            trusted: cidrs(&config.security.trusted_proxies),
            allow: cidrs(&config.security.allow_list),
            waf: Waf::new(&config.waf),
            limits: EdgeLimits::new(&config.limits),
            bans: Bans::new(&config.limits),
            log,
            metrics,
            clock,
            max_body: config.server.max_body_kb * 1024,
            ip_hash_key: config.logs.hash_ips.then(|| instance_secret.to_vec()),
        }
    }

    /// The client as the request log stores it: the address, or its keyed hash.
    fn logged_client(&self, client: IpAddr) -> String {
        use hmac::Mac;
        match &self.ip_hash_key {
            None => client.to_string(),
            Some(key) => {
                let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(key)
                    .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
                mac.update(b"request-log ip ");
                mac.update(client.to_string().as_bytes());
                format!("ip-{}", hex::encode(&mac.finalize().into_bytes()[..8]))
            }
        }
    }

    /// Housekeeping: forget idle limiter keys, expired bans and stale strikes.
    pub fn forget_idle(&self) {
        self.limits.forget_idle();
        self.bans.forget_idle(self.clock.now());
        self.metrics
            .limiter_keys
            .set(i64::try_from(self.limits.keys()).unwrap_or(i64::MAX));
    }
}

fn request_id() -> String {
    let mut b = [0u8; 8];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

fn refusal(
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
    r.json(json!({"error": {"code": code, "message": message, "request_id": id}}))
}

/// Reads the body (bounded) so the WAF can see it, then puts it back for the handler.
async fn take_body(req: &mut ServiceRequest, limit: usize) -> Result<Option<Bytes>, ()> {
    let mut payload = req.take_payload();
    let mut buf = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ())?;
        if buf.len() + chunk.len() > limit {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk);
    }
    let bytes = buf.freeze();
    req.set_payload(actix_web::dev::Payload::from(bytes.clone()));
    Ok(Some(bytes))
}

/// Decides before the handler: Some(answer) refuses the request, None lets it through.
async fn judge(
    edge: &Edge,
    req: &mut ServiceRequest,
    client: IpAddr,
    id: &str,
    acted: &mut Option<String>,
) -> Option<HttpResponse> {
    let now = edge.clock.now();
    let key = client_key(client);
    let allowed = any_contains(&edge.allow, client);
    if !allowed && let Some(left) = edge.bans.banned(key, now) {
        *acted = Some("ban".into());
        return Some(refusal(
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
    if declared.is_some_and(|n| n > edge.max_body) {
        *acted = Some("body-size".into());
        return Some(refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "the request body is too large",
            id,
            None,
        ));
    }
    let content_type = req.content_type().to_ascii_lowercase();
    if finding.is_none()
        && edge.waf.mode != WafMode::Off
        && (content_type.contains("json") || content_type.contains("form-urlencoded"))
    {
        match take_body(req, edge.max_body).await {
            Ok(Some(body)) => finding = edge.waf.inspect_body(&content_type, &body),
            Ok(None) => {
                *acted = Some("body-size".into());
                return Some(refusal(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    "the request body is too large",
                    id,
                    None,
                ));
            }
            Err(()) => {
                return Some(refusal(
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
            if !allowed && edge.bans.strike(key, now, f.rule) {
                edge.metrics.banned.inc();
            }
            return Some(refusal(
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
    let public = path.starts_with("/u/") || path.starts_with("/f/");
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
    if let Err((quota, retry)) = edge.limits.check(key, public, api_key.as_deref()) {
        edge.metrics
            .throttled
            .with_label_values(&[quota.name()])
            .inc();
        *acted = Some(format!("limit:{}", quota.name()));
        if edge.bans.strike(key, now, quota.name()) {
            edge.metrics.banned.inc();
        }
        return Some(refusal(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            "too many requests; slow down",
            id,
            Some(retry),
        ));
    }
    None
}

/// The middleware (`middleware::from_fn(edge::guard)`).
pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(edge) = req.app_data::<web::Data<Edge>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let started = Instant::now();
    let peer = req
        .peer_addr()
        .map_or(IpAddr::from([0, 0, 0, 0]), |a| a.ip());
    let client = client_ip::client_ip(peer, req.headers(), &edge.trusted);
    req.extensions_mut().insert(ClientAddr(client));
    let id = request_id();
    let (method, path, query) = (
        req.method().to_string(),
        req.path().to_string(),
        req.query_string().to_string(),
    );
    let header = |name| {
        req.headers()
            .get(name)
            .and_then(|v: &header::HeaderValue| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let (user_agent, referrer) = (header(header::USER_AGENT), header(header::REFERER));
    let mut acted = None;
    let early = if edge.enabled {
        judge(&edge, &mut req, client, &id, &mut acted).await
    } else {
        None
    };
    let mut res = match early {
        Some(answer) => req.into_response(answer),
        None => next.call(req).await?.map_into_boxed_body(),
    };
    let is_api = path.starts_with("/api/");
    let private = is_api || res.request().extensions().get::<LoggedUser>().is_some();
    headers::apply(res.headers_mut(), edge.tls, private);
    if let Ok(v) = header::HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(header::HeaderName::from_static("x-request-id"), v);
    }
    let status = res.status().as_u16();
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".into());
    let elapsed = started.elapsed();
    edge.metrics
        .requests
        .with_label_values(&[&route, &status.to_string()])
        .inc();
    edge.metrics
        .latency
        .with_label_values(&[&route])
        .observe(elapsed.as_secs_f64());
    let bytes = match res.response().body().size() {
        actix_web::body::BodySize::Sized(n) => n,
        _ => 0,
    };
    let user = res
        .request()
        .extensions()
        .get::<LoggedUser>()
        .map(|u| u.0.clone());
    edge.log.record(RequestRecord {
        at: edge.clock.now(),
        client: edge.logged_client(client),
        method,
        path: request_log::loggable_path(&path, &query),
        status,
        bytes,
        latency_us: u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
        user_agent,
        referrer,
        user,
        acted,
    });
    Ok(res)
}
