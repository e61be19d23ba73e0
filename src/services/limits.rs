//! Brute-force brakes for sign-in, registration and reset: per client address and per account.

use super::Error;
use crate::config::AccountsConfig;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

/// Which door an attempt knocks on; each has its own per-address quota, so a flood of
/// registrations does not lock people out of signing in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Door {
    SignIn,
    Register,
    Reset,
}

/// Shared by every worker thread.
#[derive(Clone)]
pub struct AuthLimits {
    per_ip: Arc<DefaultKeyedRateLimiter<(Door, IpAddr)>>,
    /// Keyed by (account, client address): an attacker's failures slow the attacker's
    /// address only, never the owner signing in from elsewhere.
    per_account: Arc<DefaultKeyedRateLimiter<(String, IpAddr)>>,
    /// Every address together, at ten times the per-address allowance: slows guessing spread
    /// over many addresses, while one attacker's address (held to the per-address pace) can
    /// never use it up.
    per_account_all: Arc<DefaultKeyedRateLimiter<String>>,
    clock: DefaultClock,
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN)
}

impl AuthLimits {
    pub fn new(config: &AccountsConfig) -> Self {
        let per_account = config.login_attempts_per_account.max(1);
        // N attempts per 15 minutes: a burst of N, then one every 15 min / N.
        let account_quota = Quota::with_period(Duration::from_secs(900) / per_account)
            .unwrap_or_else(|| Quota::per_minute(NonZeroU32::MIN))
            .allow_burst(nonzero(per_account));
        let all = per_account.saturating_mul(10);
        let all_quota = Quota::with_period(Duration::from_secs(900) / all)
            .unwrap_or_else(|| Quota::per_minute(NonZeroU32::MIN))
            .allow_burst(nonzero(all));
        Self {
            per_ip: Arc::new(RateLimiter::keyed(Quota::per_minute(nonzero(
                config.auth_attempts_per_ip,
            )))),
            per_account: Arc::new(RateLimiter::keyed(account_quota)),
            per_account_all: Arc::new(RateLimiter::keyed(all_quota)),
            clock: DefaultClock::default(),
        }
    }

    fn verdict(
        &self,
        result: Result<(), governor::NotUntil<governor::clock::QuantaInstant>>,
    ) -> Result<(), Error> {
        result.map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            Error::Throttled {
                retry_after: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            }
        })
    }

    /// One attempt from `ip` at `door`.
    pub fn check_ip(&self, door: Door, ip: IpAddr) -> Result<(), Error> {
        self.verdict(
            self.per_ip
                .check_key(&(door, crate::edge::cidr::client_key(ip))),
        )
    }

    /// One sign-in attempt at `email` from `ip`. Counted per (account, address): someone
    /// hammering an account cannot lock its owner out (a correct password from an address
    /// that has not failed still gets in); and per account over every address at ten times
    /// that, against guessing spread over many addresses. Reset has no account brake at all.
    pub fn check_account(&self, email: &str, ip: IpAddr) -> Result<(), Error> {
        let email = email.to_ascii_lowercase();
        let key = (email.clone(), crate::edge::cidr::client_key(ip));
        self.verdict(self.per_account.check_key(&key))?;
        self.verdict(self.per_account_all.check_key(&email))
    }

    /// Drops idle keys so memory stays bounded (called by housekeeping).
    pub fn forget_idle(&self) {
        self.per_ip.retain_recent();
        self.per_account.retain_recent();
        self.per_account_all.retain_recent();
    }
}
