//! Prometheus metrics: requests, latency, WAF blocks, throttling, and a registry where every
//! background worker adds its own counters.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    pub requests: IntCounterVec,
    pub latency: HistogramVec,
    pub waf_blocks: IntCounterVec,
    pub throttled: IntCounterVec,
    pub banned: IntCounter,
    pub limiter_keys: IntGauge,
    pub bans_active: IntGauge,
    pub outbox_depth: IntGauge,
    pub outbox_deliveries: IntCounterVec,
    pub job_steps: IntCounterVec,
    pub store_bytes: IntGauge,
    /// A count, kept as a gauge because it is read from the store's pool when scraped.
    pub store_round_trips: IntGauge,
    pub log_dropped: IntGauge,
}

fn must<T>(r: prometheus::Result<T>) -> T {
    r.unwrap_or_else(|e| unreachable!("static metric definitions are valid: {e}"))
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("plaudit".into()), None).unwrap_or_default();
        let counter_vec = |name: &str, help: &str, labels: &[&str]| {
            let c = must(IntCounterVec::new(Opts::new(name, help), labels));
            must(registry.register(Box::new(c.clone())));
            c
        };
        let gauge = |name: &str, help: &str| {
            let g = must(IntGauge::new(name, help));
            must(registry.register(Box::new(g.clone())));
            g
        };
        let latency = must(HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "Time to answer, by route")
                .buckets(vec![
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                ]),
            &["route"],
        ));
        must(registry.register(Box::new(latency.clone())));
        let banned = must(IntCounter::new("bans_total", "Clients banned"));
        must(registry.register(Box::new(banned.clone())));
        Self {
            requests: counter_vec(
                "http_requests_total",
                "Requests by route and status",
                &["route", "status"],
            ),
            latency,
            waf_blocks: counter_vec(
                "waf_blocks_total",
                "Requests the WAF matched, by rule",
                &["rule"],
            ),
            throttled: counter_vec("rate_limited_total", "429 answers, by quota", &["quota"]),
            banned,
            limiter_keys: gauge("limiter_keys", "Clients and keys the rate limiter holds"),
            bans_active: gauge("bans_active", "Clients banned right now"),
            outbox_depth: gauge("outbox_depth", "Mail waiting to be delivered"),
            outbox_deliveries: counter_vec(
                "outbox_deliveries_total",
                "Delivery attempts by result",
                &["result"],
            ),
            job_steps: counter_vec(
                "job_steps_total",
                "Steps of the background jobs, by job and outcome (worked, idle, failed)",
                &["job", "outcome"],
            ),
            store_bytes: gauge("store_size_bytes", "Size of the store on disk"),
            store_round_trips: gauge(
                "store_round_trips",
                "Round trips made to the database server since start (0 on sled)",
            ),
            log_dropped: gauge(
                "request_log_dropped",
                "Request log records dropped because the writer fell behind",
            ),
            registry,
        }
    }

    /// Where a background worker registers its own counters.
    pub fn counter(
        &self,
        name: &str,
        help: &str,
        labels: &[&str],
    ) -> prometheus::Result<IntCounterVec> {
        let c = IntCounterVec::new(Opts::new(name, help), labels)?;
        self.registry.register(Box::new(c.clone()))?;
        Ok(c)
    }

    pub fn render(&self) -> String {
        let mut out = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
