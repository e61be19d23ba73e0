//! One provider call under the rules: the per-provider request budget, backoff with jitter
//! on 429 / 5xx honouring Retry-After, and one token refresh on 401.

use crate::config::PollerConfig;
use crate::sources::{Provider, ProviderError};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use rand::Rng;
use std::num::NonZeroU32;
use std::time::Duration;

/// Calls per minute to each provider, shared by every sync and reply of the instance.
pub struct Budget {
    google: DefaultDirectRateLimiter,
    facebook: DefaultDirectRateLimiter,
    backoff_base: Duration,
    max_retries: u32,
    max_wait: Duration,
}

fn per_minute(n: u32) -> DefaultDirectRateLimiter {
    let n = NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
    // A burst of a tenth of the minute's calls, then evenly spread.
    let burst = NonZeroU32::new((n.get() / 10).max(1)).unwrap_or(NonZeroU32::MIN);
    RateLimiter::direct(Quota::per_minute(n).allow_burst(burst))
}

impl Budget {
    pub fn new(c: &PollerConfig) -> Self {
        Self {
            google: per_minute(c.google_per_minute),
            facebook: per_minute(c.facebook_per_minute),
            backoff_base: Duration::from_millis(c.backoff_base_ms),
            max_retries: c.max_retries,
            max_wait: Duration::from_secs(c.max_wait_secs),
        }
    }

    pub async fn take(&self, p: Provider) {
        match p {
            Provider::Google => self.google.until_ready().await,
            Provider::Facebook => self.facebook.until_ready().await,
        }
    }

    /// How long to wait before retry number `attempt` (0-based), or None to give up.
    pub fn wait(&self, attempt: u32, err: &ProviderError) -> Option<Duration> {
        let ProviderError::Transient { retry_after, .. } = err else {
            return None;
        };
        if attempt >= self.max_retries {
            return None;
        }
        let exp = self
            .backoff_base
            .saturating_mul(2u32.saturating_pow(attempt.min(16)));
        let base = retry_after.unwrap_or(exp);
        if base > self.max_wait {
            return None;
        }
        // Up to half the base again, at random, so many clients do not retry in step.
        let jitter_ms = u64::try_from(base.as_millis() / 2).unwrap_or(0);
        let jitter = Duration::from_millis(rand::rng().random_range(0..=jitter_ms));
        Some(base + jitter)
    }
}

/// Runs a provider call expression until it succeeds, fails for good, or the retries run
/// out. A macro, not a function taking a closure: async closures over borrowed clients make
/// the sync future lose `Send` (rustc's higher-ranked lifetime limits).
macro_rules! retrying {
    ($budget:expr, $provider:expr, $call:expr) => {{
        let mut attempt = 0;
        loop {
            $budget.take($provider).await;
            match $call {
                Err(e) => match $budget.wait(attempt, &e) {
                    Some(d) => {
                        tracing::info!(provider = $provider.as_str(), error = %e, wait_ms = d.as_millis() as u64, "provider asked us to slow down; retrying");
                        tokio::time::sleep(d).await;
                        attempt += 1;
                    }
                    None => break Err(e),
                },
                ok => break ok,
            }
        }
    }};
}
pub(crate) use retrying;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_honoured_and_backoff_grows_then_stops() {
        let c = PollerConfig {
            backoff_base_ms: 100,
            max_retries: 3,
            max_wait_secs: 10,
            ..PollerConfig::default()
        };
        let b = Budget::new(&c);
        let t = |after: Option<u64>| ProviderError::Transient {
            detail: String::new(),
            retry_after: after.map(Duration::from_secs),
            rate_limited: true,
        };
        let w = b.wait(0, &t(Some(2))).unwrap();
        assert!(w >= Duration::from_secs(2) && w <= Duration::from_secs(3));
        let w2 = b.wait(2, &t(None)).unwrap();
        assert!(w2 >= Duration::from_millis(400) && w2 <= Duration::from_millis(600));
        assert!(b.wait(3, &t(None)).is_none(), "retries run out");
        assert!(
            b.wait(0, &t(Some(60))).is_none(),
            "too long a wait ends the sync"
        );
        assert!(b.wait(0, &ProviderError::NotFound(String::new())).is_none());
    }
}
