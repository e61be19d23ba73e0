//! Scheduled backups inside `serve`: one every `backup.interval_hours`, the newest `keep` kept.

use super::write;
use crate::jobs::{Job, Outcome, Step};
use crate::services::Ctx;
use crate::store::Store;
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::time::Duration;
use time::OffsetDateTime;

/// Backups in `dir` made by the schedule, oldest first.
fn scheduled(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("plaudit-") && n.ends_with(".backup"))
        })
        .collect();
    v.sort();
    v
}

/// When a backup was made, from its name (`plaudit-YYYYMMDD-HHMMSS…`).
fn made_at(path: &Path) -> Option<OffsetDateTime> {
    let name = path.file_name()?.to_str()?;
    let stamp = name.strip_prefix("plaudit-")?.get(..15)?;
    let format = time::macros::format_description!("[year][month][day]-[hour][minute][second]");
    Some(
        time::PrimitiveDateTime::parse(stamp, &format)
            .ok()?
            .assume_utc(),
    )
}

/// One scheduled step: a backup when the newest is older than the interval, then the oldest
/// beyond `keep` deleted. Returns the new backup, if one was made.
pub fn scheduled_step(
    store: &Store,
    config: &crate::config::BackupConfig,
    now: OffsetDateTime,
) -> anyhow::Result<Option<PathBuf>> {
    if config.interval_hours == 0 {
        return Ok(None);
    }
    let dir = config
        .dir
        .clone()
        .unwrap_or_else(|| store.data_dir().join("backups"));
    // Judged by the time in the newest file's name (the clock that wrote it), not by its
    // modification time: the two differ when the clock is not the wall's (tests, a clock
    // moved by hand), and a schedule read from the wrong one writes a backup every step.
    let due = match scheduled(&dir).last() {
        None => true,
        Some(p) => match made_at(p)
            .or_else(|| Some(OffsetDateTime::from(p.metadata().ok()?.modified().ok()?)))
        {
            None => true,
            Some(at) => {
                now - at
                    >= time::Duration::hours(i64::try_from(config.interval_hours).unwrap_or(24))
            }
        },
    };
    if !due {
        return Ok(None);
    }
    let key = match &config.key_file {
        Some(p) => Some(crate::config::read_backup_key(p).map_err(|e| anyhow::anyhow!(e))?),
        None => None,
    };
    let path = write(store, &dir, now, key.as_ref(), |_| {})?;
    let all = scheduled(&dir);
    let extra = all.len().saturating_sub(config.keep as usize);
    for old in all.into_iter().take(extra) {
        std::fs::remove_file(&old).with_context(|| format!("removing {}", old.display()))?;
    }
    Ok(Some(path))
}

/// The backup schedule as a job of the runner: looks every minute, not in the first ten
/// minutes after a start (a restart loop must not become a backup loop, and a fresh instance
/// has nothing to save yet).
pub struct BackupSchedule;

impl Job for BackupSchedule {
    fn name(&self) -> &'static str {
        "backups"
    }

    fn idle_pause(&self) -> Duration {
        Duration::from_secs(60)
    }

    fn first_delay(&self) -> Duration {
        Duration::from_secs(600)
    }

    fn step<'a>(&'a self, ctx: &'a Ctx, now: OffsetDateTime) -> Step<'a> {
        Box::pin(async move {
            let (s, c) = (ctx.store.clone(), ctx.config.backup.clone());
            match tokio::task::spawn_blocking(move || scheduled_step(&s, &c, now)).await?? {
                Some(path) => {
                    tracing::info!(backup = %path.display(), "backup written");
                    Ok(Outcome::Worked)
                }
                None => Ok(Outcome::Idle),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_follows_the_clock_that_wrote_the_backups() {
        let dir = tempfile::tempdir().unwrap();
        // Far from the wall clock's time, as a hand-moved clock is.
        let now = OffsetDateTime::from_unix_timestamp(1_900_000_000).unwrap();
        let store = Store::open(&dir.path().join("data"), 16, now).unwrap();
        let config = crate::config::BackupConfig {
            dir: Some(dir.path().join("backups")),
            interval_hours: 24,
            keep: 2,
            key_file: None,
        };
        let first = scheduled_step(&store, &config, now).unwrap().unwrap();
        assert_eq!(made_at(&first), Some(now));
        assert!(
            scheduled_step(&store, &config, now + time::Duration::hours(23))
                .unwrap()
                .is_none()
        );
        for day in 1..=3 {
            let at = now + time::Duration::hours(24 * day);
            assert!(
                scheduled_step(&store, &config, at).unwrap().is_some(),
                "day {day}"
            );
        }
        assert_eq!(scheduled(&dir.path().join("backups")).len(), 2, "keep 2");
    }
}
