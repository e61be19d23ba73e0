//! Admin commands over a Unix socket in the data folder, so the CLI works while `serve` owns the
//! store; the same `handle` runs in-process when no server is running.

use crate::clock::SharedClock;
use crate::services::{Error, accounts, mailing};
use crate::store::Store;
use lettre::message::Mailbox;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;

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
    pub store: Store,
    pub clock: SharedClock,
    pub instance_url: String,
    pub mail_from: Mailbox,
    /// The key backups are encrypted with (`backup.key_file`), if any.
    pub backup_key: Option<[u8; 32]>,
    /// The SMTP relay, named in privacy exports as a recipient of campaign mail.
    pub relay: String,
    /// The background jobs, when a server runs them (not when the CLI opened the store).
    pub jobs: Option<crate::jobs::Runner>,
}

/// How long `RunJobs` may take before it answers that the jobs are still busy.
const RUN_JOBS_DEADLINE: std::time::Duration = std::time::Duration::from_secs(120);

fn err(kind: Failure, message: impl Into<String>) -> Response {
    Response::Err {
        kind,
        message: message.into(),
    }
}

/// The one reading of a service's refusal on this surface: what the caller can fix is
/// `Invalid` (exit 2), a clash with stored state `Conflict`, the rest `Internal`.
impl From<Error> for Response {
    fn from(e: Error) -> Self {
        match e {
            Error::Invalid(m)
            | Error::InvalidLink(m)
            | Error::PlanLimit(m)
            | Error::Forbidden(m)
            | Error::Unauthorized(m) => err(Failure::Invalid, m),
            Error::NotFound => err(Failure::Invalid, "there is no such object"),
            Error::Conflict(m) => err(Failure::Conflict, m),
            Error::Throttled { .. } => err(Failure::Conflict, e.to_string()),
            Error::Internal(e) => err(Failure::Internal, format!("{e:#}")),
        }
    }
}

/// An answer: the value, or the error in the one conversion above.
fn answer<T: Serialize>(result: Result<T, Error>) -> Response {
    match result.map(|v| serde_json::to_value(v)) {
        Ok(Ok(v)) => Response::Ok(v),
        Ok(Err(e)) => err(Failure::Internal, e.to_string()),
        Err(e) => e.into(),
    }
}

/// `answer` for work run off the async workers.
async fn blocking<T: Serialize + Send + 'static>(
    work: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Response {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => answer(result),
        Err(e) => err(Failure::Internal, e.to_string()),
    }
}

/// Runs one command and flushes before answering, so an "ok" is durable.
pub async fn handle(ctx: &Context, request: Request) -> Response {
    let now = ctx.clock.now();
    let response = match request {
        Request::CreateAdmin {
            email,
            name,
            password,
        } => {
            let store = ctx.store.clone();
            blocking(move || {
                let c = accounts::create_admin(&store, &email, &name, password, now)?;
                Ok(json!({
                    "user_id": c.user.id.to_string(),
                    "email": c.user.email.to_string(),
                    "generated_password": c.generated_password,
                }))
            })
            .await
        }
        Request::TestEmail { to } => {
            match mailing::queue_test_email(
                &ctx.store,
                &ctx.mail_from,
                &ctx.instance_url,
                &to,
                "plaudit admin test-email",
                now,
            ) {
                Ok(msg) => Response::Ok(json!({
                    "id": msg.id.to_string(),
                    "message_id": msg.message_id,
                })),
                Err(m) => err(Failure::Invalid, m),
            }
        }
        Request::ImportReviews {
            workspace,
            rows,
            dry_run,
        } => {
            let Ok(ws) = workspace.parse() else {
                return err(
                    Failure::Invalid,
                    format!("`{workspace}` is not a workspace id"),
                );
            };
            let store = ctx.store.clone();
            blocking(move || {
                crate::services::review_csv::import_rows(&store, &ws, &rows, dry_run, now)
            })
            .await
        }
        Request::Backup { dir } => {
            let store = ctx.store.clone();
            let key = ctx.backup_key;
            blocking(move || {
                let path = crate::workers::backup::write(
                    &store,
                    std::path::Path::new(&dir),
                    now,
                    key.as_ref(),
                    |_| {},
                )?;
                Ok(json!({ "path": path.to_string_lossy() }))
            })
            .await
        }
        Request::Privacy {
            action,
            who,
            workspace,
        } => {
            let store = ctx.store.clone();
            let relay = ctx.relay.clone();
            blocking(move || {
                crate::services::privacy::by_operator(
                    &store,
                    &relay,
                    &action,
                    &who,
                    workspace.as_deref(),
                    now,
                )
            })
            .await
        }
        Request::Bounce { raw } => answer(crate::services::bounces::record(&ctx.store, &raw, now)),
        Request::RunJobs => match &ctx.jobs {
            None => err(
                Failure::Invalid,
                "no server is running on this data folder: the jobs run inside `plaudit serve`",
            ),
            Some(jobs) => match jobs.run_until_idle(RUN_JOBS_DEADLINE).await {
                Ok(worked) => {
                    Response::Ok(json!({ "steps_that_worked": worked, "jobs": jobs.names() }))
                }
                Err(e) => err(Failure::Internal, format!("{e:#}")),
            },
        },
        Request::DeletedWorkspaces => answer(crate::services::workspaces::deleted(&ctx.store)),
        Request::UndeleteWorkspace { id } => {
            answer(crate::services::workspaces::undelete(&ctx.store, &id, now))
        }
        Request::RotateLinkKey => match ctx.store.meta().rotate_link_key() {
            Ok(kid) => Response::Ok(json!({ "link_key_id": kid })),
            Err(e) => err(Failure::Internal, format!("{e:#}")),
        },
        Request::ImportContacts {
            workspace,
            rows,
            dry_run,
        } => {
            let Ok(ws) = workspace.parse() else {
                return err(
                    Failure::Invalid,
                    format!("`{workspace}` is not a workspace id"),
                );
            };
            let store = ctx.store.clone();
            blocking(move || {
                crate::services::contacts_csv::import_rows(&store, &ws, &rows, dry_run, now)
            })
            .await
        }
        Request::StoreStats => match ctx.store.weight() {
            Ok(w) => Response::Ok(json!({ "weight": w, "text": w.to_string() })),
            Err(e) => err(Failure::Internal, format!("{e:#}")),
        },
        Request::InstanceSecret => match ctx.store.meta().instance_secret() {
            Ok(secret) => Response::Ok(json!({ "secret": hex::encode(secret) })),
            Err(e) => err(Failure::Internal, format!("{e:#}")),
        },
        Request::Status => match ctx.store.users().admin_exists() {
            Ok(admin) => Response::Ok(json!({
                "admin_exists": admin,
                "outbox_pending": ctx.store.outbox().pending(),
                "store_bytes": ctx.store.size_on_disk(),
            })),
            Err(e) => err(Failure::Internal, format!("{e:#}")),
        },
    };
    if matches!(response, Response::Ok(_))
        && let Err(e) = ctx.store.flush().await
    {
        return err(Failure::Internal, format!("{e:#}"));
    }
    response
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
