//! Brute-force brakes for sign-in, registration and reset: per client address and per account.

use super::Error;
use crate::config::AccountsConfig;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Which door an attempt knocks on; each has its own per-address quota, so a flood of
/// registrations does not lock people out of signing in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Door {
    SignIn,
    Register,
    Reset,
}

/// A leaky bucket of failures per key: each failure adds one, the level drains at `burst` per
/// `period`; at `burst` the key is braked until it drains. Only failures fill it, so signing in
/// correctly never counts against anyone.
struct FailureBrake<K> {
    burst: f64,
    per_sec: f64,
    levels: Mutex<HashMap<K, (f64, Instant)>>,
}

impl<K: Eq + Hash + Clone> FailureBrake<K> {
    fn new(burst: u32, period: Duration) -> Self {
        let burst = f64::from(burst.max(1));
        Self {
            burst,
            per_sec: burst / period.as_secs_f64().max(1.0),
            levels: Mutex::new(HashMap::new()),
        }
    }

    fn drained(&self, (level, at): (f64, Instant), now: Instant) -> f64 {
        (level - now.saturating_duration_since(at).as_secs_f64() * self.per_sec).max(0.0)
    }

    /// How long `key` must wait before its next attempt counts, if it is braked.
    fn braked(&self, key: &K, now: Instant) -> Option<Duration> {
        let levels = self.levels.lock().unwrap_or_else(|p| p.into_inner());
        let level = self.drained(*levels.get(key)?, now);
        (level > self.burst - 1.0)
            .then(|| Duration::from_secs_f64((level - (self.burst - 1.0)) / self.per_sec))
    }

    fn add(&self, key: K, now: Instant) {
        let mut levels = self.levels.lock().unwrap_or_else(|p| p.into_inner());
        let level = levels.get(&key).map_or(0.0, |l| self.drained(*l, now));
        levels.insert(key, ((level + 1.0).min(self.burst * 2.0), now));
    }

    fn forget_idle(&self, now: Instant) {
        let mut levels = self.levels.lock().unwrap_or_else(|p| p.into_inner());
        levels.retain(|_, l| self.drained(*l, now) > 0.0);
    }
}

/// At most this many answers an hour through public feedback links from one address (a
/// shop's guest Wi-Fi shares one: generous, but a script cannot flood a location).
pub const LINK_ANSWERS_PER_HOUR: u32 = 20;

/// At most this many reset mails an hour to one account, whoever asks for them.
const RESET_MAILS_PER_HOUR: u32 = 3;
/// What the account-wide brake costs every sign-in at that account while it holds: a wait,
/// never a refusal, so failures from many addresses cannot lock the owner out.
pub const ACCOUNT_WIDE_DELAY: Duration = Duration::from_secs(2);

/// Shared by every worker thread.
#[derive(Clone)]
pub struct AuthLimits {
    per_ip: Arc<DefaultKeyedRateLimiter<(Door, IpAddr)>>,
    /// Failures per (account, client address): an attacker's failures slow the attacker's
    /// address only, never the owner signing in from elsewhere.
    per_account: Arc<FailureBrake<(String, IpAddr)>>,
    /// Failures per account over every address, at ten times the per-address allowance: while
    /// full, every attempt at that account waits `ACCOUNT_WIDE_DELAY` first (slowing guessing
    /// spread over many addresses) but the right password still gets in.
    per_account_all: Arc<FailureBrake<String>>,
    /// Reset mails per account, whatever the number of addresses asking.
    reset_mails: Arc<FailureBrake<String>>,
    /// Answers through locations' public feedback links per client address (every answer
    /// fills it): a printed QR code is an open door, this bounds what one address can pour in.
    link_answers: Arc<FailureBrake<IpAddr>>,
    clock: DefaultClock,
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN)
}

const BRAKE_PERIOD: Duration = Duration::from_secs(900);

impl AuthLimits {
    pub fn new(config: &AccountsConfig) -> Self {
        let per_account = config.login_attempts_per_account.max(1);
        Self {
            per_ip: Arc::new(RateLimiter::keyed(Quota::per_minute(nonzero(
                config.auth_attempts_per_ip,
            )))),
            per_account: Arc::new(FailureBrake::new(per_account, BRAKE_PERIOD)),
            per_account_all: Arc::new(FailureBrake::new(
                per_account.saturating_mul(10),
                BRAKE_PERIOD,
            )),
            reset_mails: Arc::new(FailureBrake::new(
                RESET_MAILS_PER_HOUR,
                Duration::from_secs(3600),
            )),
            link_answers: Arc::new(FailureBrake::new(
                LINK_ANSWERS_PER_HOUR,
                Duration::from_secs(3600),
            )),
            clock: DefaultClock::default(),
        }
    }

    fn throttled(wait: Duration) -> Error {
        Error::Throttled {
            retry_after: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
        }
    }

    /// One attempt from `ip` at `door`.
    pub fn check_ip(&self, door: Door, ip: IpAddr) -> Result<(), Error> {
        self.per_ip
            .check_key(&(door, crate::domain::cidr::client_key(ip)))
            .map_err(|not_until| Self::throttled(not_until.wait_time_from(self.clock.now())))
    }

    fn account_key(email: &str, ip: IpAddr) -> (String, IpAddr) {
        (
            email.to_ascii_lowercase(),
            crate::domain::cidr::client_key(ip),
        )
    }

    /// Whether a sign-in attempt at `email` from `ip` may be judged: refused while this
    /// address has failed too often at this account (only the attacker's address).
    pub fn check_account(&self, email: &str, ip: IpAddr, now: Instant) -> Result<(), Error> {
        match self.per_account.braked(&Self::account_key(email, ip), now) {
            Some(wait) => Err(Self::throttled(wait)),
            None => Ok(()),
        }
    }

    /// The wait every attempt at `email` takes first while the account-wide brake holds.
    pub fn account_delay(&self, email: &str, now: Instant) -> Duration {
        match self
            .per_account_all
            .braked(&email.to_ascii_lowercase(), now)
        {
            Some(_) => ACCOUNT_WIDE_DELAY,
            None => Duration::ZERO,
        }
    }

    /// A wrong password (or an unknown account) at `email` from `ip`.
    pub fn failed(&self, email: &str, ip: IpAddr, now: Instant) {
        self.per_account.add(Self::account_key(email, ip), now);
        self.per_account_all.add(email.to_ascii_lowercase(), now);
    }

    /// Whether one more reset mail may go to this account now (and counts it if so).
    pub fn reset_mail(&self, account: &str, now: Instant) -> bool {
        let key = account.to_string();
        if self.reset_mails.braked(&key, now).is_some() {
            return false;
        }
        self.reset_mails.add(key, now);
        true
    }

    /// One answer through a public feedback link from `ip`: counted, or refused while the
    /// address has given too many.
    pub fn link_answer(&self, ip: IpAddr, now: Instant) -> Result<(), Error> {
        let key = crate::domain::cidr::client_key(ip);
        if let Some(wait) = self.link_answers.braked(&key, now) {
            return Err(Self::throttled(wait));
        }
        self.link_answers.add(key, now);
        Ok(())
    }

    /// Drops idle keys so memory stays bounded (called by housekeeping).
    pub fn forget_idle(&self) {
        let now = Instant::now();
        self.per_ip.retain_recent();
        self.per_account.forget_idle(now);
        self.per_account_all.forget_idle(now);
        self.reset_mails.forget_idle(now);
        self.link_answers.forget_idle(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_failures_fill_the_brake_and_it_drains() {
        let brake = FailureBrake::new(3, Duration::from_secs(30));
        let t0 = Instant::now();
        for _ in 0..2 {
            brake.add("k", t0);
        }
        assert!(brake.braked(&"k", t0).is_none(), "two of three");
        brake.add("k", t0);
        let wait = brake.braked(&"k", t0).expect("full");
        assert!(wait <= Duration::from_secs(10), "{wait:?}");
        assert!(brake.braked(&"k", t0 + Duration::from_secs(11)).is_none());
        assert!(brake.braked(&"other", t0).is_none());
        brake.forget_idle(t0 + Duration::from_secs(60));
        assert!(brake.levels.lock().unwrap().is_empty());
    }

    #[test]
    fn the_account_wide_brake_delays_and_never_refuses() {
        let limits = AuthLimits::new(&AccountsConfig {
            login_attempts_per_account: 5,
            ..AccountsConfig::default()
        });
        let now = Instant::now();
        let ip = |n: u8| IpAddr::from([198, 51, 100, n]);
        for n in 0..10 {
            for _ in 0..50 {
                limits.failed("Owner@example.com", ip(n), now);
            }
            assert!(
                limits
                    .check_account("owner@example.com", ip(n), now)
                    .is_err()
            );
        }
        assert_eq!(
            limits.account_delay("owner@example.com", now),
            ACCOUNT_WIDE_DELAY
        );
        assert!(
            limits
                .check_account("owner@example.com", ip(200), now)
                .is_ok(),
            "a fresh address is judged"
        );
        assert_eq!(
            limits.account_delay("other@example.com", now),
            Duration::ZERO
        );
    }

    #[test]
    fn reset_mails_are_capped_per_account() {
        let limits = AuthLimits::new(&AccountsConfig::default());
        let now = Instant::now();
        let sent = (0..20).filter(|_| limits.reset_mail("u1", now)).count();
        assert_eq!(sent, RESET_MAILS_PER_HOUR as usize);
        assert!(limits.reset_mail("u2", now));
        assert!(limits.reset_mail("u1", now + Duration::from_secs(1200)));
    }
}
