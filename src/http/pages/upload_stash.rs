//! Uploaded CSV files held briefly between the upload and the page that lists their bad rows:
//! the upload answers with a redirect to its report (a reload shows the report again, never
//! posts the file twice), and "import the valid rows" uses the file already sent.

use super::{Answer, PageUser};
use crate::domain::{Id, User, Workspace};
use crate::http::{AppState, PageError};
use crate::services::{self, Ctx};
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a report and its file stay: long enough to read the bad rows and decide.
const KEPT: Duration = Duration::from_secs(30 * 60);
/// Uploads held at most, and their files' bytes at most (each file is at most
/// `server.max_upload_kb`): past either, the oldest goes first, so the stash never holds more
/// than a small VPS can spare.
const MAX_HELD: usize = 16;
const MAX_BYTES: usize = 24 * 1024 * 1024;

/// One upload: who sent it where, the file (until its valid rows are imported) and the
/// report to show.
#[derive(Clone)]
pub struct Held<R> {
    pub user: Id<User>,
    pub ws: Id<Workspace>,
    pub file: Option<Vec<u8>>,
    pub report: R,
    /// The upload was a check only ("write nothing").
    pub dry_run: bool,
    /// Rows that can be imported although others are bad.
    pub valid: usize,
    /// The valid rows were imported and the bad ones skipped.
    pub settled: bool,
}

/// Uploads of one kind (reviews or contacts), by an unguessable token.
pub struct UploadStash<R> {
    held: Mutex<VecDeque<(String, Instant, Held<R>)>>,
}

impl<R: Clone> Default for UploadStash<R> {
    fn default() -> Self {
        Self {
            held: Mutex::new(VecDeque::new()),
        }
    }
}

impl<R: Clone> UploadStash<R> {
    /// Keeps an upload; answers its token.
    pub fn put(&self, held: Held<R>, now: Instant) -> String {
        let token = crate::services::link_secrets::new_token();
        let mut all = self
            .held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        all.retain(|(_, at, _)| now.duration_since(*at) < KEPT);
        let size = |h: &Held<R>| h.file.as_ref().map_or(0, Vec::len);
        let mut bytes: usize = all.iter().map(|(_, _, h)| size(h)).sum::<usize>() + size(&held);
        while all.len() >= MAX_HELD || (bytes > MAX_BYTES && !all.is_empty()) {
            if let Some((_, _, gone)) = all.pop_front() {
                bytes -= size(&gone);
            }
        }
        all.push_back((token.clone(), now, held));
        token
    }

    /// The upload behind `token`, if it is this person's, for this workspace, and recent.
    pub fn get(
        &self,
        token: &str,
        user: &Id<User>,
        ws: &Id<Workspace>,
        now: Instant,
    ) -> Option<Held<R>> {
        let all = self
            .held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        all.iter()
            .find(|(t, at, h)| {
                t == token && h.user == *user && h.ws == *ws && now.duration_since(*at) < KEPT
            })
            .map(|(_, _, h)| h.clone())
    }

    /// Replaces the upload's report and lets go of its file (its rows are in now).
    pub fn settle(&self, token: &str, report: R, valid: usize) {
        let mut all = self
            .held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, _, h)) = all.iter_mut().find(|(t, _, _)| t == token) {
            h.file = None;
            h.report = report;
            h.valid = valid;
            h.dry_run = false;
            h.settled = true;
        }
    }
}

/// Keeps an upload's report (and its file, while its valid rows could still be imported) and
/// answers with a redirect to the page that shows it: `page` gets `?upload=TOKEN`.
fn hold<R: Clone>(
    stash: &UploadStash<R>,
    user: &PageUser,
    ws: Id<Workspace>,
    file: Vec<u8>,
    report: R,
    (errors, valid, dry_run): (usize, usize, bool),
    page: &str,
) -> HttpResponse {
    let held = Held {
        user: user.user.id,
        ws,
        file: (errors > 0 && valid > 0).then_some(file),
        report,
        dry_run,
        valid,
        settled: false,
    };
    let token = stash.put(held, Instant::now());
    see_other(&format!("{page}?upload={token}#import-result"))
}

/// Checks (and unless any row is bad, imports) an uploaded file with `import` — which answers
/// the report, its number of bad rows and of valid ones — then holds the report and redirects
/// to `page`, which shows it (`hold`).
#[allow(clippy::too_many_arguments)] // the stash, the page and the import are the caller's
pub async fn check_and_hold<R: Clone + Send + 'static>(
    stash: &UploadStash<R>,
    state: &AppState,
    user: &PageUser,
    ws: Id<Workspace>,
    file: Vec<u8>,
    dry_run: bool,
    page: &str,
    import: impl FnOnce(&Ctx, &[u8], bool) -> services::Result<(R, usize, usize)> + Send + 'static,
) -> Answer {
    if file.is_empty() {
        return Err(PageError::new(
            &user.layout,
            StatusCode::BAD_REQUEST,
            "choose a CSV file first",
        ));
    }
    let kept = file.clone();
    let (report, errors, valid) =
        super::run(state, &user.layout, move |ctx| import(ctx, &file, dry_run))
            .await?
            .map_err(|m| PageError::new(&user.layout, StatusCode::FORBIDDEN, m))?;
    Ok(hold(
        stash,
        user,
        ws,
        kept,
        report,
        (errors, valid, dry_run),
        page,
    ))
}

/// "Import the valid rows" of a held upload: the import runs once (a second post finds the
/// file let go), then the page at `page?upload=TOKEN` shows its report.
pub async fn import_held<R: Clone + Send + 'static>(
    stash: &UploadStash<R>,
    state: &AppState,
    user: &PageUser,
    ws: Id<Workspace>,
    token: &str,
    page: &str,
    import: impl FnOnce(&Ctx, &[u8]) -> services::Result<(R, usize)> + Send + 'static,
) -> Answer {
    let back = format!("{page}?upload={token}#import-result");
    let held = stash.get(token, &user.user.id, &ws, Instant::now());
    // Gone (expired) or already imported: nothing is posted twice.
    let Some(file) = held.and_then(|h| h.file) else {
        return Ok(super::redirect(
            &back,
            Err("That upload was already imported or has expired; upload the file again."),
        ));
    };
    let (report, valid) = super::run(state, &user.layout, move |ctx| import(ctx, &file))
        .await?
        .map_err(|m| PageError::new(&user.layout, StatusCode::FORBIDDEN, m))?;
    stash.settle(token, report, valid);
    Ok(see_other(&back))
}

/// "Import the valid rows": the held upload's token.
#[derive(serde::Deserialize)]
pub struct ValidForm {
    csrf: String,
    pub upload: String,
}

super::form_post::proof!(ValidForm);

/// A plain 303 to a page that shows the result (no flash: the page says it all).
pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, to.to_string()))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upload_is_found_only_by_its_sender_in_its_workspace_until_it_expires() {
        let t0 = Instant::now();
        let at = time::OffsetDateTime::UNIX_EPOCH;
        let (ana, bo) = (Id::generate(at), Id::generate(at));
        let (ws, other) = (Id::generate(at), Id::generate(at));
        let stash = UploadStash::<u32>::default();
        let token = stash.put(
            Held {
                user: ana,
                ws,
                file: Some(b"a,b".to_vec()),
                report: 1,
                dry_run: false,
                valid: 2,
                settled: false,
            },
            t0,
        );
        assert_eq!(stash.get(&token, &ana, &ws, t0).map(|h| h.report), Some(1));
        assert!(stash.get(&token, &bo, &ws, t0).is_none(), "another person");
        assert!(
            stash.get(&token, &ana, &other, t0).is_none(),
            "another workspace"
        );
        assert!(stash.get("guess", &ana, &ws, t0).is_none());
        stash.settle(&token, 7, 0);
        let h = stash.get(&token, &ana, &ws, t0).unwrap();
        assert_eq!(
            (h.report, h.file.is_none()),
            (7, true),
            "the file is let go"
        );
        assert!(stash.get(&token, &ana, &ws, t0 + KEPT).is_none(), "expired");
        for n in 0..MAX_HELD as u32 {
            let held = Held {
                user: ana,
                ws,
                file: None,
                report: n,
                dry_run: false,
                valid: 0,
                settled: false,
            };
            stash.put(held, t0);
        }
        assert!(
            stash.get(&token, &ana, &ws, t0).is_none(),
            "the oldest goes first"
        );
    }
}
