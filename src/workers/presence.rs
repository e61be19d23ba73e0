//! Says, in the shared database, that this instance is serving: a lease of its own
//! (`instance:<holder>`) renewed every third of its life and given up at a clean stop. What
//! needs every instance stopped (a restore, a store copy) reads these; `plaudit status` lists them.

use crate::cluster::Cluster;
use crate::jobs::{Job, Outcome, Step};
use crate::services::Ctx;
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// The prefix of the instances' own leases.
pub const PREFIX: &str = "instance:";

pub struct Presence(pub Arc<Cluster>);

impl Presence {
    /// Claims or renews this instance's lease.
    pub fn renew(&self, store: &Store, now: OffsetDateTime) -> anyhow::Result<()> {
        let c = &self.0;
        let name = format!("{PREFIX}{}", c.holder);
        // Its own name: nobody else can hold it.
        let _ = store
            .leases()
            .claim(&name, &c.holder, &c.place, now, now + c.ttl)?;
        Ok(())
    }
}

impl Job for Presence {
    fn name(&self) -> &'static str {
        "presence"
    }

    fn idle_pause(&self) -> Duration {
        Duration::try_from(self.0.ttl / 3).unwrap_or(Duration::from_secs(5))
    }

    fn first_delay(&self) -> Duration {
        self.idle_pause()
    }

    /// Each instance says it is here.
    fn single_runner(&self) -> bool {
        false
    }

    fn step<'a>(&'a self, ctx: &'a Ctx, now: OffsetDateTime) -> Step<'a> {
        Box::pin(async move {
            let me = Presence(self.0.clone());
            ctx.blocking(move |s| me.renew(s, now)).await?;
            Ok(Outcome::Idle)
        })
    }
}

/// The instances serving the database of `store` now (host and data folder of each).
pub fn serving(store: &Store, now: OffsetDateTime) -> anyhow::Result<Vec<String>> {
    Ok(places(store.leases().live(PREFIX, now)?))
}

/// `serving`, read from a database without opening a `Store` (a restore reads it before it
/// replaces the store).
pub fn serving_in(db: &crate::store::kv::Db, now: OffsetDateTime) -> anyhow::Result<Vec<String>> {
    Ok(places(crate::store::leases::live_in(db, PREFIX, now)?))
}

fn places(live: Vec<(String, crate::store::leases::Lease)>) -> Vec<String> {
    live.into_iter().map(|(_, lease)| lease.place).collect()
}
