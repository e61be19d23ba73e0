//! Admin commands over a Unix socket in the data folder, so the CLI works while `serve` owns the
//! store; the same `handle` runs in-process when no server is running.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;

mod commands;
use commands::err;
pub use commands::handle;

pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join("control.sock")
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum Request {
    CreateAdmin {
        email: String,
        name: String,
        password: Option<String>,
    },
    TestEmail {
        to: String,
    },
    Status,
    /// Write a backup of the store into `dir` (an absolute path).
    Backup {
        dir: String,
    },
    /// A data-subject request (`export`, `erase`, `restrict`) about an email address, in one
    /// workspace or in every one.
    Privacy {
        action: String,
        #[serde(flatten)]
        who: crate::services::privacy::Who,
        workspace: Option<String>,
    },
    /// A delivery-status notification to match back to its campaign message.
    Bounce {
        raw: String,
    },
    /// Sign new campaign links with a fresh key (old links keep working).
    RotateLinkKey,
    /// The instance secret, as hex: a restore of a backup made without encryption needs it.
    InstanceSecret,
    /// Per tree: entries, key and value bytes, share; and the folder's size on disk.
    StoreStats,
    /// Deleted workspaces and when each is purged.
    DeletedWorkspaces,
    /// Step every background job of the running server until none has work left.
    RunJobs,
    /// Bring a deleted workspace back before its purge time.
    UndeleteWorkspace {
        id: String,
    },
    /// A chunk of shape-checked CSV rows for `plaudit import contacts`.
    ImportContacts {
        workspace: String,
        rows: Vec<crate::services::contacts_csv::CsvRow>,
        dry_run: bool,
    },
    /// A chunk of checked CSV rows for `plaudit import reviews`.
    ImportReviews {
        workspace: String,
        rows: Vec<crate::services::review_csv::Row>,
        dry_run: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// Bad input from the caller (exit code 2).
    Invalid,
    /// The request clashes with stored state (exit code 1).
    Conflict,
    Internal,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    Ok(Value),
    Err { kind: Failure, message: String },
}

/// What commands need from the running instance (or from a store opened by the CLI).
#[derive(Clone)]
pub struct Context {
    /// The services' context (store, configuration, clock, mail identity) — the same one the
    /// server's requests and jobs use; commands act through it as `Actor::operator()`.
    pub services: crate::services::Ctx,
    /// The key backups are encrypted with (`backup.key_file`), if any.
    pub backup_key: Option<[u8; 32]>,
    /// The SMTP relay, named in privacy exports as a recipient of campaign mail.
    pub relay: String,
    /// The background jobs, when a server runs them (not when the CLI opened the store).
    pub jobs: Option<crate::jobs::Runner>,
}

/// Serves the socket until `shutdown`; one JSON line in, one JSON line out, per connection.
pub async fn serve(
    listener: tokio::net::UnixListener,
    ctx: Context,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => { tracing::warn!(error = %e, "control socket accept failed"); continue; }
            },
            _ = shutdown.changed() => break,
        };
        let ctx = ctx.clone();
        tokio::spawn(async move {
            let (read, mut write) = stream.into_split();
            let mut line = String::new();
            let mut reader = tokio::io::BufReader::new(read).take(1024 * 1024);
            if reader.read_line(&mut line).await.is_err() {
                return;
            }
            let response = match serde_json::from_str::<Request>(&line) {
                Ok(req) => handle(&ctx, req).await,
                Err(e) => err(Failure::Invalid, format!("bad control request: {e}")),
            };
            let mut out = serde_json::to_vec(&response).unwrap_or_default();
            out.push(b'\n');
            let _ = write.write_all(&out).await;
        });
    }
}

/// Client side: `Ok(None)` when no server is listening (absent or stale socket).
pub fn call(data_dir: &Path, request: &Request) -> anyhow::Result<Option<Response>> {
    let path = socket_path(data_dir);
    let mut stream = match std::os::unix::net::UnixStream::connect(&path) {
        Ok(s) => s,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
            ) =>
        {
            return Ok(None);
        }
        Err(e) => {
            return Err(anyhow::Error::new(e).context(format!("connecting to {}", path.display())));
        }
    };
    let mut line = serde_json::to_vec(request)?;
    line.push(b'\n');
    stream.write_all(&line)?;
    let mut answer = String::new();
    BufReader::new(stream).read_line(&mut answer)?;
    Ok(Some(serde_json::from_str(&answer)?))
}
