//! One serving instance per database, until several can share one (issue 28): a lease in
//! `meta` that the serving process renews and that lapses when it dies. The same host and data
//! folder take it over at once (a restart after a crash); another place waits for it to lapse.

use super::kv;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

const LEASE_KEY: &[u8] = b"instance_lease";

/// Who holds the database, and until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// This process's own random name.
    pub holder: String,
    /// Host and data folder: the same place restarting takes its lease back.
    pub place: String,
    pub until: i64,
}

pub struct Leases<'a> {
    pub(super) tree: &'a kv::Tree,
}

impl Leases<'_> {
    /// Takes or renews the lease for `holder` at `place` until `until`; `Err(lease)` when a
    /// live lease of another place holds it.
    pub fn claim(
        &self,
        holder: &str,
        place: &str,
        now: OffsetDateTime,
        until: OffsetDateTime,
    ) -> anyhow::Result<Result<(), Lease>> {
        let mine = Lease {
            holder: holder.into(),
            place: place.into(),
            until: until.unix_timestamp(),
        };
        let value = serde_json::to_vec(&mine)?;
        loop {
            let current = self
                .tree
                .get(LEASE_KEY)
                .context("reading the instance lease")?;
            if let Some(raw) = &current {
                let held: Lease =
                    serde_json::from_slice(raw).context("reading the instance lease")?;
                let live = held.until >= now.unix_timestamp();
                if live && held.holder != holder && held.place != place {
                    return Ok(Err(held));
                }
            }
            let swapped = self
                .tree
                .compare_and_swap(LEASE_KEY, current.as_deref(), Some(value.clone()))
                .context("taking the instance lease")?;
            if swapped.is_ok() {
                return Ok(Ok(()));
            }
        }
    }

    /// Gives the lease up (a clean stop), if `holder` still has it.
    pub fn release(&self, holder: &str) -> anyhow::Result<()> {
        let current = self.tree.get(LEASE_KEY)?;
        if let Some(raw) = &current
            && serde_json::from_slice::<Lease>(raw).is_ok_and(|l| l.holder == holder)
        {
            let _ = self
                .tree
                .compare_and_swap(LEASE_KEY, Some(raw), None::<Vec<u8>>)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_place_holds_the_lease_until_it_lapses_and_a_restart_takes_it_back() {
        let db = kv::Db::temporary();
        let tree = db.open_tree("meta").unwrap();
        let leases = Leases { tree: &tree };
        let t0 = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let ttl = time::Duration::seconds(30);
        assert!(
            leases
                .claim("a", "host:/data", t0, t0 + ttl)
                .unwrap()
                .is_ok()
        );
        // Another place, while the lease lives: refused, told who and until when.
        let held = leases
            .claim("b", "other:/data", t0, t0 + ttl)
            .unwrap()
            .unwrap_err();
        assert_eq!(
            (held.holder.as_str(), held.until),
            ("a", (t0 + ttl).unix_timestamp())
        );
        // The holder renews; the same place restarting (a new process) takes it back at once.
        assert!(
            leases
                .claim("a", "host:/data", t0 + ttl / 2, t0 + ttl * 2)
                .unwrap()
                .is_ok()
        );
        assert!(
            leases
                .claim("a2", "host:/data", t0 + ttl, t0 + ttl * 2)
                .unwrap()
                .is_ok()
        );
        // Lapsed: anyone may take it.
        let later = t0 + ttl * 3;
        assert!(
            leases
                .claim("b", "other:/data", later, later + ttl)
                .unwrap()
                .is_ok()
        );
        // A release by someone who no longer holds it changes nothing; by the holder, frees it.
        leases.release("a2").unwrap();
        assert!(
            leases
                .claim("c", "third:/data", later, later + ttl)
                .unwrap()
                .is_err()
        );
        leases.release("b").unwrap();
        assert!(
            leases
                .claim("c", "third:/data", later, later + ttl)
                .unwrap()
                .is_ok()
        );
    }
}
