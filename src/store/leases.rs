//! Named leases in `meta` that keep a piece of work on one instance at a time when several
//! share a database: a single-runner job, one connection's sync. A lease names its holder (a
//! process) and its place (host and data folder); it lapses when its holder stops renewing it,
//! and the same place takes it back at once (a restart after a crash: one process per data
//! folder is guaranteed by the folder's lock file).

use super::kv;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

const PREFIX: &[u8] = b"lease:";

/// Who holds a lease, and until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The holding process's own random name.
    pub holder: String,
    /// Host and data folder: the same place restarting takes its leases back.
    pub place: String,
    pub until: i64,
}

impl Lease {
    pub fn until(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(self.until).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

pub struct Leases<'a> {
    pub(super) tree: &'a kv::Tree,
}

/// The leases of `db` whose names start with `prefix` and that live at `now`, without opening
/// a `Store` (a restore reads them before it replaces the store).
pub fn live_in(
    db: &kv::Db,
    prefix: &str,
    now: OffsetDateTime,
) -> anyhow::Result<Vec<(String, Lease)>> {
    let tree = db.open_tree("meta").context("opening tree meta")?;
    Leases { tree: &tree }.live(prefix, now)
}

fn key(name: &str) -> Vec<u8> {
    [PREFIX, name.as_bytes()].concat()
}

impl Leases<'_> {
    /// Takes or renews lease `name` for `holder` at `place` until `until`; `Err(lease)` when a
    /// live lease of another holder elsewhere has it.
    pub fn claim(
        &self,
        name: &str,
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
        let key = key(name);
        loop {
            let current = self
                .tree
                .get(&key)
                .with_context(|| format!("reading the lease {name}"))?;
            if let Some(raw) = &current {
                let held: Lease = serde_json::from_slice(raw)
                    .with_context(|| format!("reading the lease {name}"))?;
                let live = held.until >= now.unix_timestamp();
                if live && held.holder != holder && held.place != place {
                    return Ok(Err(held));
                }
            }
            let swapped = self
                .tree
                .compare_and_swap(&key, current.as_deref(), Some(value.clone()))
                .with_context(|| format!("taking the lease {name}"))?;
            if swapped.is_ok() {
                return Ok(Ok(()));
            }
        }
    }

    /// Gives lease `name` up, if `holder` still has it.
    pub fn release(&self, name: &str, holder: &str) -> anyhow::Result<()> {
        let key = key(name);
        let current = self.tree.get(&key)?;
        if let Some(raw) = &current
            && serde_json::from_slice::<Lease>(raw).is_ok_and(|l| l.holder == holder)
        {
            let _ = self
                .tree
                .compare_and_swap(&key, Some(raw), None::<Vec<u8>>)?;
        }
        Ok(())
    }

    /// Every lease stored, live or lapsed, by name (for `plaudit status` and a clean stop).
    pub fn all(&self) -> anyhow::Result<Vec<(String, Lease)>> {
        let mut raw = Vec::new();
        for entry in self.tree.scan_prefix(PREFIX) {
            raw.push(entry.context("reading the leases")?);
        }
        let mut out = Vec::with_capacity(raw.len());
        for (k, v) in raw {
            let name = String::from_utf8_lossy(&k[PREFIX.len()..]).into_owned();
            if let Ok(lease) = serde_json::from_slice::<Lease>(&v) {
                out.push((name, lease));
            }
        }
        Ok(out)
    }

    /// The leases whose names start with `prefix` and that live at `now`.
    pub fn live(&self, prefix: &str, now: OffsetDateTime) -> anyhow::Result<Vec<(String, Lease)>> {
        Ok(self
            .all()?
            .into_iter()
            .filter(|(name, lease)| name.starts_with(prefix) && lease.until >= now.unix_timestamp())
            .collect())
    }

    /// Gives up every lease `holder` has (a clean stop: the others take over at once).
    pub fn release_all(&self, holder: &str) -> anyhow::Result<usize> {
        let mine: Vec<String> = self
            .all()?
            .into_iter()
            .filter(|(_, l)| l.holder == holder)
            .map(|(name, _)| name)
            .collect();
        for name in &mine {
            self.release(name, holder)?;
        }
        Ok(mine.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_has_a_lease_until_it_lapses_and_a_restart_takes_it_back() {
        let db = kv::Db::temporary();
        let tree = db.open_tree("meta").unwrap();
        let leases = Leases { tree: &tree };
        let t0 = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let ttl = time::Duration::seconds(30);
        let job = "job:backups";
        assert!(
            leases
                .claim(job, "a", "host:/data", t0, t0 + ttl)
                .unwrap()
                .is_ok()
        );
        // Another lease name is another piece of work: free.
        assert!(
            leases
                .claim("sync:1", "b", "other:/data", t0, t0 + ttl)
                .unwrap()
                .is_ok()
        );
        // Another place, while the lease lives: refused, told who and until when.
        let held = leases
            .claim(job, "b", "other:/data", t0, t0 + ttl)
            .unwrap()
            .unwrap_err();
        assert_eq!((held.holder.as_str(), held.until()), ("a", t0 + ttl));
        // The holder renews; the same place restarting (a new process) takes it back at once.
        assert!(
            leases
                .claim(job, "a", "host:/data", t0 + ttl / 2, t0 + ttl * 2)
                .unwrap()
                .is_ok()
        );
        assert!(
            leases
                .claim(job, "a2", "host:/data", t0 + ttl, t0 + ttl * 2)
                .unwrap()
                .is_ok()
        );
        // Lapsed: anyone may take it.
        let later = t0 + ttl * 3;
        assert!(
            leases
                .claim(job, "b", "other:/data", later, later + ttl)
                .unwrap()
                .is_ok()
        );
        // A release by someone who no longer holds it changes nothing; by the holder, frees it.
        leases.release(job, "a2").unwrap();
        assert!(
            leases
                .claim(job, "c", "third:/data", later, later + ttl)
                .unwrap()
                .is_err()
        );
        // A clean stop gives up everything its holder has, and only that.
        assert_eq!(leases.release_all("b").unwrap(), 2);
        assert!(
            leases
                .claim(job, "c", "third:/data", later, later + ttl)
                .unwrap()
                .is_ok()
        );
        let names: Vec<String> = leases.all().unwrap().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, [job]);
        assert_eq!(leases.live("job:", later).unwrap().len(), 1);
        assert!(leases.live("job:", later + ttl * 2).unwrap().is_empty());
        assert!(leases.live("sync:", later).unwrap().is_empty());
    }
}
