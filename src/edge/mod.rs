//! The edge guard, in front of every route: client address → bans → WAF → rate limits →
//! handler → security headers → request log and metrics.

pub mod bans;
pub mod body;
pub mod client_ip;
mod gate;
pub use gate::RefusalPage;
pub mod headers;
pub mod inflight;
pub mod limits;
pub mod metrics;
pub mod request_log;
pub mod routes;
pub mod waf;

use crate::clock::SharedClock;
use crate::config::Config;
use crate::domain::cidr::{self, Cidr};
use crate::store::{RequestRecord, Store};
use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web;
use bans::Bans;
use limits::EdgeLimits;
use metrics::Metrics;
use rand::RngCore;
use request_log::RequestLog;
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
    csp: actix_web::http::header::HeaderValue,
    trusted: Vec<Cidr>,
    forwarded_header: crate::config::ForwardedHeader,
    allow: Vec<Cidr>,
    pub waf: Waf,
    pub limits: EdgeLimits,
    pub bans: Bans,
    pub log: RequestLog,
    pub metrics: Metrics,
    clock: SharedClock,
    max_body: usize,
    max_upload: usize,
    deadlines: body::Deadlines,
    pub inflight: inflight::InFlight,
    /// This instance's origin (`server.public_url`), against which `Origin` and `Referer` tell
    /// a cross-site request from browsers that send no `Sec-Fetch-Site`.
    origin: Option<url::Origin>,
    /// With `logs.hash_ips`, the key that turns addresses into stable pseudonyms in the log.
    ip_hash_key: Option<Vec<u8>>,
}

fn cidrs(list: &[String]) -> Vec<Cidr> {
    list.iter().filter_map(|c| c.parse().ok()).collect()
}

impl Edge {
    pub fn new(
        config: &Config,
        store: Store,
        clock: SharedClock,
        log: RequestLog,
        metrics: Metrics,
    ) -> anyhow::Result<Self> {
        let instance_secret = store.meta().instance_secret()?;
        Ok(Self {
            enabled: config.security.edge,
            tls: config.server.tls == crate::config::TlsMode::Static,
            csp: headers::csp(config),
            forwarded_header: config.security.forwarded_header,
            trusted: cidrs(&config.security.trusted_proxies),
            allow: cidrs(&config.security.allow_list),
            waf: Waf::new(&config.waf),
            limits: EdgeLimits::new(&config.limits),
            bans: Bans::persistent(&config.limits, store)?,
            log,
            metrics,
            clock,
            max_body: config.server.max_body_kb * 1024,
            max_upload: config.server.max_upload_kb * 1024,
            deadlines: body::Deadlines {
                idle: std::time::Duration::from_secs(config.server.body_idle_secs),
                total: std::time::Duration::from_secs(config.server.body_timeout_secs),
            },
            inflight: inflight::InFlight::new(config.limits.max_requests_per_client),
            ip_hash_key: config.logs.hash_ips.then(|| instance_secret.to_vec()),
            origin: None,
        })
    }

    /// The instance's own origin, once the address it serves is known.
    pub fn with_origin(mut self, instance_url: &str) -> Self {
        self.origin = url::Url::parse(instance_url).ok().map(|u| u.origin());
        self
    }

    pub fn allowed(&self, client: IpAddr) -> bool {
        cidr::any_contains(&self.allow, client)
    }

    /// The body size and deadlines of a route: uploads get their own size and four times the
    /// time; every other route the ordinary ones.
    fn body_bounds(
        &self,
        method: &actix_web::http::Method,
        path: &str,
    ) -> (usize, body::Deadlines) {
        if routes::upload(method, path) {
            let d = self.deadlines;
            (
                self.max_upload,
                body::Deadlines {
                    idle: d.idle,
                    total: d.total.saturating_mul(4),
                },
            )
        } else {
            (self.max_body, self.deadlines)
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
    let client = client_ip::client_ip(peer, req.headers(), &edge.trusted, edge.forwarded_header);
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
    let user_agent = request_log::bounded(header(header::USER_AGENT));
    let referrer = request_log::loggable_referrer(&header(header::REFERER));
    let mut acted = None;
    let aimed = gate::cross_site(req.headers(), edge.origin.as_ref());
    // Every body is bounded in size and time before anything reads it; a client with too many
    // requests in progress is refused before its body is touched.
    let (max_body, deadlines) = edge.body_bounds(req.method(), &path);
    let guarded = body::Guarded::wrap(&mut req, max_body, deadlines);
    let slot = if edge.enabled && !edge.allowed(client) {
        edge.inflight
            .enter(cidr::client_key(client))
            .map(Some)
            .ok_or(())
    } else {
        Ok(None)
    };
    let early = match &slot {
        Err(()) => {
            acted = Some("connections".into());
            edge.metrics
                .throttled
                .with_label_values(&["connections"])
                .inc();
            Some(gate::too_many_in_progress(&req, &id))
        }
        Ok(_) if edge.enabled => {
            gate::judge(&edge, &mut req, client, &id, aimed, max_body, &mut acted).await
        }
        Ok(_) => None,
    };
    let mut res = match early {
        Some(answer) => req.into_response(answer),
        None => next.call(req).await?.map_into_boxed_body(),
    };
    drop(slot);
    if let Some(g) = guarded {
        res = g.finish(res);
    }
    let is_api = routes::classify(&path).is_api();
    let private = is_api || res.request().extensions().get::<LoggedUser>().is_some();
    headers::apply(res.headers_mut(), &edge.csp, edge.tls, private);
    if routes::RouteClass::redacted_prefix(&path).is_some() {
        // The page's own URL holds a token: no request it makes (its stylesheet, a link)
        // may carry that URL anywhere in a Referer.
        res.headers_mut().insert(
            header::REFERRER_POLICY,
            header::HeaderValue::from_static("no-referrer"),
        );
    }
    if let Ok(v) = header::HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(header::HeaderName::from_static("x-request-id"), v);
    }
    let status = res.status().as_u16();
    let strike = res.response().extensions().get::<routes::Strike>().copied();
    if let Some(routes::Strike(quota)) = strike.filter(|_| acted.is_none()) {
        // Refused by the sign-in, registration or reset brakes behind the edge: counted like
        // the edge's own limits, and a strike towards a ban unless another site made the browser send
        // it. Other 429s are not strikes.
        edge.metrics.throttled.with_label_values(&[quota]).inc();
        acted = Some(format!("limit:{quota}"));
        if edge.enabled
            && !edge.allowed(client)
            && !aimed
            && edge
                .bans
                .strike(cidr::client_key(client), edge.clock.now(), quota)
        {
            edge.metrics.banned.inc();
        }
    }
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
        path: request_log::bounded(request_log::loggable_path(&path, &query)),
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
