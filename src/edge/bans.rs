//! Bans: a client that collects too many blocks or 429s within a window is refused for a while.
//! Checked in memory on every request; written through to the store so a restart keeps them.

use crate::config::LimitsConfig;
pub use crate::store::Ban;
use crate::store::Store;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use time::{Duration, OffsetDateTime};

struct Strikes {
    since: OffsetDateTime,
    count: u32,
}

pub struct Bans {
    store: Option<Store>,
    after: u32,
    window: Duration,
    length: Duration,
    strikes: Mutex<HashMap<IpAddr, Strikes>>,
    banned: Mutex<HashMap<IpAddr, Ban>>,
    /// Bans placed here whose write to the store is under way (`None`) or finished at that
    /// moment: a `refresh` from a read older than that must not drop them.
    placed: Arc<Mutex<HashMap<IpAddr, Option<Instant>>>>,
}

fn secs(s: u64) -> Duration {
    Duration::seconds(i64::try_from(s).unwrap_or(i64::MAX / 2))
}

impl Bans {
    /// In memory only (tests of the rules themselves).
    pub fn new(config: &LimitsConfig) -> Self {
        Self {
            store: None,
            after: config.ban_after.max(1),
            window: secs(config.ban_window_secs),
            length: secs(config.ban_secs),
            strikes: Mutex::new(HashMap::new()),
            banned: Mutex::new(HashMap::new()),
            placed: Arc::default(),
        }
    }

    /// Backed by the store: bans from before a restart are loaded and still hold.
    pub fn persistent(config: &LimitsConfig, store: Store) -> anyhow::Result<Self> {
        let mut bans = Self::new(config);
        let loaded: HashMap<IpAddr, Ban> = store
            .bans()
            .all()?
            .into_iter()
            .map(|b| (b.client, b))
            .collect();
        bans.banned = Mutex::new(loaded);
        bans.store = Some(store);
        Ok(bans)
    }

    /// Stores a change on the blocking pool when there is a runtime (bans are decided on the
    /// request path, which must never wait for the store), else right here.
    fn write_through(&self, change: impl FnOnce(&Store) -> anyhow::Result<()> + Send + 'static) {
        let Some(store) = self.store.clone() else {
            return;
        };
        let work = move || {
            if let Err(e) = change(&store) {
                tracing::error!(error = %format!("{e:#}"), "could not store a ban change");
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => drop(rt.spawn_blocking(work)),
            Err(_) => work(),
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
        let stored = ban.clone();
        let placed = self.placed.clone();
        placed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(client, None);
        self.write_through(move |s| {
            s.bans().put(&stored)?;
            placed
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(stored.client, Some(Instant::now()));
            Ok(())
        });
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
        self.placed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&client);
        self.write_through(move |s| s.bans().remove(client));
        self.banned
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&client)
            .is_some()
    }

    /// Takes the bans every instance stored, as read from the store from the moment `read`
    /// (several instances on one database): a ban placed or lifted on another instance holds
    /// here too. A ban placed here and not yet stored when that read began stays.
    pub fn refresh(&self, stored: Vec<Ban>, read: Instant, now: OffsetDateTime) {
        let mut next: HashMap<IpAddr, Ban> = stored
            .into_iter()
            .filter(|b| b.until > now)
            .map(|b| (b.client, b))
            .collect();
        let mut placed = self.placed.lock().unwrap_or_else(|p| p.into_inner());
        let mut banned = self.banned.lock().unwrap_or_else(|p| p.into_inner());
        for (client, ban) in banned.drain() {
            let unread = placed
                .get(&client)
                .is_some_and(|at| at.is_none_or(|stored_at| stored_at > read));
            if unread && ban.until > now {
                next.entry(client).or_insert(ban);
            }
        }
        placed.retain(|_, at| at.is_none_or(|stored_at| stored_at > read));
        *banned = next;
    }

    /// Drops expired bans and stale strike counts (housekeeping).
    pub fn forget_idle(&self, now: OffsetDateTime) {
        let expired: Vec<IpAddr> = {
            let mut banned = self.banned.lock().unwrap_or_else(|p| p.into_inner());
            let gone = banned
                .values()
                .filter(|b| b.until <= now)
                .map(|b| b.client)
                .collect();
            banned.retain(|_, b| b.until > now);
            gone
        };
        for client in expired {
            self.write_through(move |s| s.bans().remove(client));
        }
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

    #[test]
    fn a_refresh_takes_the_stored_bans_and_keeps_one_placed_here_but_not_yet_read() {
        let cfg = LimitsConfig {
            ban_after: 1,
            ban_secs: 600,
            ..LimitsConfig::default()
        };
        let bans = Bans::new(&cfg);
        let t0 = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let (here, elsewhere, lifted): (IpAddr, IpAddr, IpAddr) = (
            "198.51.100.4".parse().unwrap(),
            "203.0.113.9".parse().unwrap(),
            "2001:db8::1".parse().unwrap(),
        );
        // Without a store nothing is written: say one write finished, the other is under way.
        let read = Instant::now();
        bans.strike(lifted, t0, "x");
        bans.strike(here, t0 + Duration::seconds(60), "x");
        bans.placed
            .lock()
            .unwrap()
            .insert(lifted, Some(Instant::now()));
        let other = Ban {
            client: elsewhere,
            until: t0 + Duration::seconds(300),
            reason: "placed by another instance".into(),
        };
        // A read from before either was stored lacks both: both stay.
        let now = t0 + Duration::seconds(62);
        bans.refresh(vec![other.clone()], read, now);
        assert!(bans.banned(elsewhere, now).is_some());
        assert!(bans.banned(here, now).is_some());
        assert!(bans.banned(lifted, now).is_some());
        // A read from after `lifted` was stored lacks it: lifted elsewhere. `here` is still
        // being written: it stays.
        bans.refresh(vec![other], Instant::now(), now);
        assert!(bans.banned(lifted, now).is_none());
        assert!(bans.banned(here, now).is_some());
        // Expired stored bans are not taken.
        let stale = Ban {
            client: elsewhere,
            until: t0,
            reason: "old".into(),
        };
        bans.placed.lock().unwrap().clear();
        bans.refresh(vec![stale], Instant::now(), t0 + Duration::seconds(91));
        assert!(bans.list(t0 + Duration::seconds(91)).is_empty());
    }
}
