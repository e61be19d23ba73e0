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
    let due = match scheduled(&dir)
        .last()
        .and_then(|p| p.metadata().ok()?.modified().ok())
    {
        None => true,
        Some(at) => {
            let age = OffsetDateTime::from(at);
            now - age >= time::Duration::hours(i64::try_from(config.interval_hours).unwrap_or(24))
        }
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
