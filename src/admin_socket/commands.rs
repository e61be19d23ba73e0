//! What each admin command does: run off the async workers, flushed before an "ok", and every
//! service refusal read one way (`From<services::Error> for Response`).

use super::{Context, Failure, Request, Response};
use crate::domain::{Id, Workspace};
use crate::services::auth::Actor;
use crate::services::{Ctx, Error, accounts, mailing};
use serde::Serialize;
use serde_json::json;

/// How long `RunJobs` may take before it answers that the jobs are still busy.
const RUN_JOBS_DEADLINE: std::time::Duration = std::time::Duration::from_secs(120);

pub(super) fn err(kind: Failure, message: impl Into<String>) -> Response {
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

/// `blocking` service work on one workspace, named by its id as the CLI was given it, done as
/// the operator.
async fn in_workspace<T: Serialize + Send + 'static>(
    ctx: &Ctx,
    workspace: &str,
    work: impl FnOnce(&Ctx, &Actor, &Id<Workspace>) -> Result<T, Error> + Send + 'static,
) -> Response {
    let Ok(ws) = workspace.parse() else {
        return err(
            Failure::Invalid,
            format!("`{workspace}` is not a workspace id"),
        );
    };
    let ctx = ctx.clone();
    blocking(move || work(&ctx, &Actor::operator(), &ws)).await
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
pub async fn handle(socket: &Context, request: Request) -> Response {
    let ctx = &socket.services;
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
            in_workspace(ctx, &workspace, move |ctx, operator, ws| {
                crate::services::review_csv::import(ctx, operator, ws, &rows, dry_run)
            })
            .await
        }
        Request::Backup { dir } => {
            let store = ctx.store.clone();
            let key = socket.backup_key;
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
            let ctx = ctx.clone();
            let relay = socket.relay.clone();
            blocking(move || {
                crate::services::privacy::by_operator(
                    &ctx,
                    &Actor::operator(),
                    &relay,
                    &action,
                    &who,
                    workspace.as_deref(),
                )
            })
            .await
        }
        Request::Bounce { raw } => answer(crate::services::bounces::record(&ctx.store, &raw, now)),
        Request::RunJobs => match &socket.jobs {
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
            in_workspace(ctx, &workspace, move |ctx, operator, ws| {
                crate::services::contacts_csv::import(ctx, operator, ws, &rows, dry_run)
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
                // On a shared database: who serves it, and which instance runs what.
                "instances": crate::workers::presence::serving(&ctx.store, now).unwrap_or_default(),
                "leases": ctx
                    .store
                    .leases()
                    .live("", now)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|(name, _)| !name.starts_with(crate::workers::presence::PREFIX))
                    .map(|(name, lease)| (name, lease.place))
                    .collect::<std::collections::BTreeMap<_, _>>(),
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
