//! `plaudit backup --out DIR`, `plaudit backup verify FILE`, `plaudit restore --from FILE`.
//!
//! A backup is made by the running server when there is one (over the control socket: the
//! store has one owner), else by this process with a progress counter. A restore needs the
//! server stopped and checks the whole file before it touches anything.

use super::{Failed, runtime};
use crate::admin_socket::{self, Request, Response};
use crate::clock::SharedClock;
use crate::config::Config;
use crate::workers::backup;
use crate::{Clock, SystemClock};
use clap::Subcommand;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Check a backup file completely (checksums, decryption, every record); print what it holds.
    Verify { file: PathBuf },
    /// Write this instance's secret (64 hex digits) to a new file OUT, readable by you only.
    /// Backups made without encryption leave it out, so a stolen one unseals nothing; restoring
    /// one on another machine needs this file (`plaudit restore --secret-file OUT`). Keep it
    /// apart from the backups.
    Secret { out: PathBuf },
}

/// `plaudit backup secret OUT`: from the running server, else from the store directly.
pub fn secret(config: &Config, out: &Path) -> Result<(), Failed> {
    let data_dir = &config.storage.data_dir;
    let secret = match admin_socket::call(data_dir, &Request::InstanceSecret)
        .map_err(|e| Failed::Runtime(format!("{e:#}")))?
    {
        Some(Response::Ok(v)) => v["secret"].as_str().unwrap_or_default().to_string(),
        Some(Response::Err { message, .. }) => return Err(Failed::Runtime(message)),
        None => {
            let store = crate::cli::open_store(config, SystemClock.now())?;
            let secret = store
                .meta()
                .instance_secret()
                .map_err(|e| Failed::Runtime(format!("{e:#}")))?;
            hex::encode(secret)
        }
    };
    let mut file = crate::store::private::create_new_file(out)
        .map_err(|e| Failed::Usage(format!("{}: {e}", out.display())))?;
    std::io::Write::write_all(&mut file, format!("{secret}\n").as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| Failed::Runtime(format!("{}: {e}", out.display())))?;
    println!("wrote {}: keep it apart from the backups", out.display());
    Ok(())
}

/// The instance secret a restore was given with `--secret-file`.
fn secret_file(path: Option<&Path>) -> Result<backup::Secret, Failed> {
    let Some(path) = path else {
        return Ok(backup::Secret::default());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failed::Usage(format!("{}: {e}", path.display())))?;
    let bytes = hex::decode(text.trim())
        .ok()
        .filter(|b| b.len() == 32)
        .ok_or_else(|| {
            Failed::Usage(format!(
                "{}: not an instance secret (64 hex digits, as `plaudit backup secret` writes)",
                path.display()
            ))
        })?;
    Ok(backup::Secret(Some(bytes)))
}

fn key(config: &Config) -> Result<Option<[u8; 32]>, Failed> {
    config
        .backup
        .key_file
        .as_deref()
        .map(crate::config::read_backup_key)
        .transpose()
        .map_err(Failed::Usage)
}

pub fn backup(config: &Config, out: &Path) -> Result<(), Failed> {
    let dir =
        std::path::absolute(out).map_err(|e| Failed::Usage(format!("{}: {e}", out.display())))?;
    let request = Request::Backup {
        dir: dir.to_string_lossy().into_owned(),
    };
    let data_dir = &config.storage.data_dir;
    let path = match admin_socket::call(data_dir, &request)
        .map_err(|e| Failed::Runtime(format!("{e:#}")))?
    {
        Some(Response::Ok(v)) => PathBuf::from(v["path"].as_str().unwrap_or_default()),
        Some(Response::Err { message, .. }) => return Err(Failed::Runtime(message)),
        None => {
            let clock: SharedClock = Arc::new(SystemClock);
            let store = crate::cli::open_store(config, clock.now())?;
            let bar = indicatif::ProgressBar::with_draw_target(
                None,
                indicatif::ProgressDrawTarget::stderr(),
            );
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {pos} records {elapsed}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            let path = backup::write(&store, &dir, clock.now(), key(config)?.as_ref(), |n| {
                bar.set_position(n)
            })
            .map_err(|e| Failed::Runtime(format!("{e:#}")))?;
            bar.finish_and_clear();
            path
        }
    };
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!("{} ({} bytes)", path.display(), size);
    Ok(())
}

fn print(summary: &backup::Summary) {
    for t in &summary.trees {
        println!(
            "{:<24} {:>10} entries  sha256 {}",
            t.name, t.entries, t.sha256
        );
    }
    println!(
        "{} entries in {} trees{}{}",
        summary.entries,
        summary.trees.len(),
        if summary.encrypted { ", encrypted" } else { "" },
        match summary.changed_during {
            0 => String::new(),
            n => format!(", {n} changed while it was taken (applied on restore)"),
        }
    );
}

pub fn verify(config: &Config, file: &Path) -> Result<(), Failed> {
    let summary = backup::verify(file, key(config)?.as_ref())
        .map_err(|e| Failed::Runtime(format!("{e:#}")))?;
    print(&summary);
    println!("{}: ok", file.display());
    Ok(())
}

pub fn compact(config: &Config) -> Result<(), Failed> {
    let data_dir = &config.storage.data_dir;
    if admin_socket::call(data_dir, &Request::Status)
        .ok()
        .flatten()
        .is_some()
    {
        return Err(Failed::Usage(
            "the server is running on this data folder: stop it first (compacting rewrites the whole store)".into(),
        ));
    }
    if !data_dir.join("db").exists() {
        return Err(Failed::Usage(format!(
            "{} holds no store to compact",
            data_dir.display()
        )));
    }
    let (before, after) = runtime().map(|_| ()).and_then(|()| {
        backup::compact(data_dir, config.storage.cache_mb, SystemClock.now())
            .map_err(|e| Failed::Runtime(format!("{e:#}")))
    })?;
    println!(
        "compacted {}: {before} bytes before, {after} bytes after",
        data_dir.join("db").display()
    );
    Ok(())
}

pub fn restore(config: &Config, from: &Path, secret: Option<&Path>) -> Result<(), Failed> {
    // A restore of a large store takes a while: its steps are logged on stderr as they end.
    crate::logging::init(&config.logs);
    let secret = secret_file(secret)?;
    let data_dir = &config.storage.data_dir;
    if admin_socket::call(data_dir, &Request::Status)
        .ok()
        .flatten()
        .is_some()
    {
        return Err(Failed::Usage(
            "the server is running on this data folder: stop it first (a restore replaces the whole store)".into(),
        ));
    }
    let now = SystemClock.now();
    if let crate::store::Engine::Postgres { target, .. } =
        crate::store::Engine::from_config(&config.storage)
            .map_err(|e| Failed::Usage(format!("{e:#}")))?
    {
        return restore_into_server(config, from, &secret, &target, now);
    }
    let summary = runtime().map(|_| ()).and_then(|()| {
        backup::restore(from, data_dir, key(config)?.as_ref(), &secret, now)
            .map_err(|e| Failed::Runtime(format!("{e:#}")))
    })?;
    print(&summary);
    println!("restored into {}", data_dir.join("db").display());
    Ok(())
}

/// `restore` into the PostgreSQL database `target`, which no instance may be serving.
fn restore_into_server(
    config: &Config,
    from: &Path,
    secret: &backup::Secret,
    target: &crate::store::kv::pg::target::Target,
    now: time::OffsetDateTime,
) -> Result<(), Failed> {
    let pg = crate::store::kv::pg::PgDb::open(target.clone(), 4)
        .map_err(|e| Failed::Runtime(format!("cannot reach the database {target:?}: {e}")))?;
    let serving = crate::workers::presence::serving_in(&crate::store::kv::Db::Pg(pg.clone()), now);
    super::refuse_while_serving(serving, "a restore replaces the whole store")?;
    let summary = runtime().map(|_| ()).and_then(|()| {
        backup::restore_into_server(from, &pg, key(config)?.as_ref(), secret)
            .map_err(|e| Failed::Runtime(format!("{e:#}")))
    })?;
    // Opened once here: derived records rebuilt, erasures made since the backup replayed.
    let store = super::open_store(config, now)?;
    backup::replay_marked(&store, now).map_err(Failed::runtime)?;
    print(&summary);
    println!("restored into the database {target:?}");
    Ok(())
}
