//! Bans: a client that collects too many blocks or 429s within a window is refused for a while.

use crate::config::LimitsConfig;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use time::{Duration, OffsetDateTime};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ban {
    pub client: IpAddr,
    pub until: OffsetDateTime,
    pub reason: String,
}

struct Strikes {
    since: OffsetDateTime,
    count: u32,
}

pub struct Bans {
    after: u32,
    window: Duration,
    length: Duration,
    strikes: Mutex<HashMap<IpAddr, Strikes>>,
    banned: Mutex<HashMap<IpAddr, Ban>>,
}

fn secs(s: u64) -> Duration {
    Duration::seconds(i64::try_from(s).unwrap_or(i64::MAX / 2))
}

impl Bans {
    pub fn new(config: &LimitsConfig) -> Self {
        Self {
            after: config.ban_after.max(1),
            window: secs(config.ban_window_secs),
            length: secs(config.ban_secs),
            strikes: Mutex::new(HashMap::new()),
            banned: Mutex::new(HashMap::new()),
        }
    }

    /// Seconds left when `client` is banned.
    pub fn banned(&self, client: IpAddr, now: OffsetDateTime) -> Option<u64> {
        let bans = self.banned.lock().unwrap_or_else(|p| p.into_inner());
        let ban = bans.get(&client).filter(|b| b.until > now)?;
        Some(
            u64::try_from((ban.until - now).whole_seconds())
                .unwrap_or(0)
                .max(1),
        )
    }

    /// Counts a blocked or throttled request; returns true when this one earned a ban.
    pub fn strike(&self, client: IpAddr, now: OffsetDateTime, reason: &str) -> bool {
        let mut strikes = self.strikes.lock().unwrap_or_else(|p| p.into_inner());
        let s = strikes.entry(client).or_insert(Strikes {
            since: now,
            count: 0,
        });
        if now - s.since > self.window {
            *s = Strikes {
                since: now,
                count: 0,
            };
        }
        s.count += 1;
        if s.count < self.after {
            return false;
        }
        strikes.remove(&client);
        let ban = Ban {
            client,
            until: now + self.length,
            reason: format!(
                "{} blocked or throttled requests, last: {reason}",
                self.after
            ),
        };
        tracing::warn!(%client, until = %ban.until, reason = %ban.reason, "client banned");
        self.banned
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(client, ban);
        true
    }

    pub fn list(&self, now: OffsetDateTime) -> Vec<Ban> {
        let bans = self.banned.lock().unwrap_or_else(|p| p.into_inner());
        let mut out: Vec<Ban> = bans.values().filter(|b| b.until > now).cloned().collect();
        out.sort_by_key(|b| b.until);
        out
    }

    pub fn lift(&self, client: IpAddr) -> bool {
        self.banned
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&client)
            .is_some()
    }

    /// Drops expired bans and stale strike counts (housekeeping).
    pub fn forget_idle(&self, now: OffsetDateTime) {
        self.banned
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, b| b.until > now);
        let window = self.window;
        self.strikes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, s| now - s.since <= window);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strikes_within_the_window_ban_and_bans_expire() {
        let cfg = LimitsConfig {
            ban_after: 3,
            ban_window_secs: 60,
            ban_secs: 600,
            ..LimitsConfig::default()
        };
        let bans = Bans::new(&cfg);
        let ip: IpAddr = "198.51.100.4".parse().unwrap();
        let t0 = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        assert!(!bans.strike(ip, t0, "x") && !bans.strike(ip, t0, "x"));
        // Strikes outside the window start over.
        assert!(!bans.strike(ip, t0 + Duration::seconds(120), "x"));
        assert!(!bans.strike(ip, t0 + Duration::seconds(121), "x"));
        assert!(bans.strike(ip, t0 + Duration::seconds(122), "sqli-union"));
        assert_eq!(bans.banned(ip, t0 + Duration::seconds(130)), Some(592));
        assert_eq!(bans.list(t0 + Duration::seconds(130)).len(), 1);
        assert!(bans.banned(ip, t0 + Duration::seconds(800)).is_none());
        assert!(!bans.strike(ip, t0 + Duration::seconds(900), "x"));
    }
}
