//! Rate limits with governor: a global quota per client, a stricter one for the public pages,
//! one per API key. Idle keys are dropped by housekeeping so memory stays bounded.

use crate::config::LimitsConfig;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

type Keyed<K, C> =
    RateLimiter<K, DefaultKeyedStateStore<K>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// Which quota refused a request (the name shows in logs, metrics and the 429 body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitName {
    PerIp,
    Public,
    Showcase,
    ApiKey,
}

/// Which per-address quota a request draws on besides the API key's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    /// The global per-address quota only.
    Any,
    /// The global quota and the public pages' stricter one.
    PublicPage,
    /// The showcases' own generous quota instead of the global one: a business's site
    /// loads them for every visitor, and one office's visitors share an address.
    Showcase,
}

impl LimitName {
    pub fn name(self) -> &'static str {
        match self {
            Self::PerIp => "per_ip",
            Self::Public => "public_pages",
            Self::Showcase => "showcase",
            Self::ApiKey => "api_key",
        }
    }
}

pub struct EdgeLimits<C: Clock = DefaultClock> {
    per_ip: Keyed<IpAddr, C>,
    public: Keyed<IpAddr, C>,
    showcase: Keyed<IpAddr, C>,
    per_key: Keyed<String, C>,
    clock: C,
}

fn n(v: u32) -> NonZeroU32 {
    NonZeroU32::new(v).unwrap_or(NonZeroU32::MIN)
}

fn per_minute(count: u32, burst: u32) -> Quota {
    Quota::with_period(Duration::from_secs(60) / count.max(1))
        .unwrap_or_else(|| Quota::per_minute(NonZeroU32::MIN))
        .allow_burst(n(burst))
}

impl EdgeLimits<DefaultClock> {
    pub fn new(config: &LimitsConfig) -> Self {
        Self::with_clock(config, DefaultClock::default())
    }
}

impl<C: Clock + Clone> EdgeLimits<C> {
    /// With a clock of the caller's choosing (tests move a fake one by hand).
    pub fn with_clock(config: &LimitsConfig, clock: C) -> Self {
        let public = config.public_per_ip_per_minute;
        let keys = config.api_key_per_minute;
        let showcase = config.showcase_per_ip_per_minute;
        Self {
            per_ip: RateLimiter::new(
                per_minute(config.per_ip_per_minute, config.per_ip_burst),
                DefaultKeyedStateStore::default(),
                clock.clone(),
            ),
            public: RateLimiter::new(
                per_minute(public, (public / 4).max(1)),
                DefaultKeyedStateStore::default(),
                clock.clone(),
            ),
            showcase: RateLimiter::new(
                per_minute(showcase, (showcase / 4).max(1)),
                DefaultKeyedStateStore::default(),
                clock.clone(),
            ),
            per_key: RateLimiter::new(
                per_minute(keys, (keys / 4).max(1)),
                DefaultKeyedStateStore::default(),
                clock.clone(),
            ),
            clock: clock.clone(),
        }
    }

    fn verdict<K: Hash + Eq + Clone>(&self, limiter: &Keyed<K, C>, key: &K) -> Result<(), u64> {
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }

    /// Ok, or the quota that refused and the whole seconds until it allows one more.
    pub fn check(
        &self,
        client: IpAddr,
        door: Door,
        api_key: Option<&str>,
    ) -> Result<(), (LimitName, u64)> {
        if door == Door::Showcase {
            return self
                .verdict(&self.showcase, &client)
                .map_err(|s| (LimitName::Showcase, s));
        }
        self.verdict(&self.per_ip, &client)
            .map_err(|s| (LimitName::PerIp, s))?;
        if door == Door::PublicPage {
            self.verdict(&self.public, &client)
                .map_err(|s| (LimitName::Public, s))?;
        }
        if let Some(key) = api_key {
            self.verdict(&self.per_key, &key.to_string())
                .map_err(|s| (LimitName::ApiKey, s))?;
        }
        Ok(())
    }

    /// Keys currently held (for metrics and the memory bound).
    pub fn keys(&self) -> usize {
        self.per_ip.len() + self.public.len() + self.showcase.len() + self.per_key.len()
    }

    /// Forgets clients whose buckets are full again: they would be created fresh anyway.
    pub fn forget_idle(&self) {
        for l in [&self.per_ip, &self.public, &self.showcase] {
            l.retain_recent();
            l.shrink_to_fit();
        }
        self.per_key.retain_recent();
        self.per_key.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

    fn config(per_minute: u32, burst: u32) -> LimitsConfig {
        LimitsConfig {
            per_ip_per_minute: per_minute,
            per_ip_burst: burst,
            ..LimitsConfig::default()
        }
    }

    #[test]
    fn exhausting_a_quota_refuses_until_the_clock_moves_on() {
        let clock = FakeRelativeClock::default();
        let limits = EdgeLimits::with_clock(&config(60, 3), clock.clone());
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..3 {
            assert!(limits.check(ip, Door::Any, None).is_ok());
        }
        let (quota, retry) = limits.check(ip, Door::Any, None).unwrap_err();
        assert_eq!(
            (quota, retry),
            (LimitName::PerIp, 1),
            "one per second: retry in 1 s"
        );
        // Another client is untouched by the first one's flood.
        assert!(
            limits
                .check("192.0.2.2".parse().unwrap(), Door::Any, None)
                .is_ok()
        );
        clock.advance(Duration::from_secs(1));
        assert!(
            limits.check(ip, Door::Any, None).is_ok(),
            "service restored once the clock moves on"
        );
    }

    #[test]
    fn showcases_draw_on_their_own_quota_and_public_pages_on_both() {
        let clock = FakeRelativeClock::default();
        let mut c = config(60, 3);
        c.showcase_per_ip_per_minute = 600;
        c.public_per_ip_per_minute = 8;
        let limits = EdgeLimits::with_clock(&c, clock.clone());
        let office: IpAddr = "192.0.2.7".parse().unwrap();
        // An office's visitors load a client's site: far beyond the global burst of 3.
        for i in 0..150 {
            assert!(
                limits.check(office, Door::Showcase, None).is_ok(),
                "load {i}"
            );
        }
        let (quota, _) = limits.check(office, Door::Showcase, None).unwrap_err();
        assert_eq!(quota, LimitName::Showcase, "bounded all the same");
        // ...and none of it used the global quota this address has for everything else.
        assert!(limits.check(office, Door::Any, None).is_ok());
        // A public page draws on the global quota too.
        let other: IpAddr = "192.0.2.8".parse().unwrap();
        for _ in 0..2 {
            assert!(limits.check(other, Door::PublicPage, None).is_ok());
        }
        assert!(limits.check(other, Door::PublicPage, None).is_err());
    }

    #[test]
    fn a_million_clients_leave_no_trace_once_idle() {
        let clock = FakeRelativeClock::default();
        let limits = EdgeLimits::with_clock(&config(600, 100), clock.clone());
        for i in 0..1_000_000u32 {
            let ip = IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            let _ = limits.check(ip, Door::Any, None);
        }
        assert_eq!(limits.keys(), 1_000_000);
        clock.advance(Duration::from_secs(60));
        limits.forget_idle();
        assert_eq!(limits.keys(), 0, "idle keys evicted");
        // A client still inside its window is kept.
        let busy: IpAddr = "192.0.2.9".parse().unwrap();
        for _ in 0..50 {
            let _ = limits.check(busy, Door::Any, None);
        }
        limits.forget_idle();
        assert_eq!(limits.keys(), 1);
    }
}
