//! How pages answer: render a template, redirect with a flash message, run service work off
//! the async workers (flushed when it writes), list pages' cursors, ids from forms.

use super::user::FLASH;
use crate::domain::Id;
use crate::http::{AppState, Layout, PageError};
use crate::services::{self, Ctx};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

/// What a page handler answers: the page, a redirect, or a readable error page.
pub type Answer = Result<HttpResponse, PageError>;

/// Renders a page; clears a flash message that has now been shown.
pub fn html(
    req: &HttpRequest,
    page: &impl Template,
    layout: &Layout,
) -> Result<HttpResponse, PageError> {
    html_with(req, page, layout, actix_web::http::StatusCode::OK)
}

/// Renders a form again after a refusal (422), with what was typed, so nothing is lost.
pub fn refused(
    req: &HttpRequest,
    page: &impl Template,
    layout: &Layout,
) -> Result<HttpResponse, PageError> {
    html_with(
        req,
        page,
        layout,
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
    )
}

fn html_with(
    req: &HttpRequest,
    page: &impl Template,
    layout: &Layout,
    status: actix_web::http::StatusCode,
) -> Result<HttpResponse, PageError> {
    let body = page
        .render()
        .map_err(|e| PageError::internal(layout, anyhow::anyhow!("rendering: {e}")))?;
    let mut resp = HttpResponse::build(status);
    // Pages carry the session's CSRF token next to text from the request: compressed, their
    // length would leak the token to someone who can inject text and watch sizes (BREACH).
    // An explicit identity encoding keeps the compressor away; assets and the API still shrink.
    resp.content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::CONTENT_ENCODING, "identity"));
    if req.cookie(FLASH).is_some() {
        let mut gone = Cookie::new(FLASH, "");
        gone.set_path("/");
        gone.make_removal();
        resp.cookie(gone);
    }
    Ok(resp.body(body))
}

/// POST-redirect-GET with a one-line message for the next page.
pub fn redirect(to: &str, result: Result<&str, &str>) -> HttpResponse {
    let (kind, msg) = match result {
        Ok(m) => ("ok", m),
        Err(m) => ("err", m),
    };
    let value: String =
        url::form_urlencoded::byte_serialize(format!("{kind}:{msg}").as_bytes()).collect();
    let flash = Cookie::build(FLASH, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::seconds(60))
        .finish();
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_string()))
        .cookie(flash)
        .finish()
}

/// Runs service work off the executor, flushing after; service refusals come back as `Err`
/// text for the form, failures as an error page.
pub async fn run<T: Send + 'static>(
    state: &AppState,
    layout: &Layout,
    work: impl FnOnce(&Ctx) -> services::Result<T> + Send + 'static,
) -> Result<Result<T, String>, PageError> {
    let ctx = state.ctx.clone();
    let out = web::block(move || work(&ctx))
        .await
        .map_err(|e| PageError::internal(layout, e.into()))?;
    state
        .ctx
        .store
        .flush()
        .await
        .map_err(|e| PageError::internal(layout, e))?;
    // A refusal the form can show goes back to it; what is not there, or broke, is a page.
    match out {
        Ok(v) => Ok(Ok(v)),
        Err(e @ (services::Error::Internal(_) | services::Error::NotFound)) => {
            Err(PageError::from_service(layout, e))
        }
        Err(e) => Ok(Err(e.to_string())),
    }
}

/// Service work that only reads, for a page that shows its result: no flush, and a refusal is
/// the same status as on the API (403 for a role that may not, 404 for what is not there).
pub async fn show<T: Send + 'static>(
    state: &AppState,
    layout: &Layout,
    work: impl FnOnce(&Ctx) -> services::Result<T> + Send + 'static,
) -> Result<T, PageError> {
    let ctx = state.ctx.clone();
    let out = web::block(move || work(&ctx))
        .await
        .map_err(|e| PageError::internal(layout, e.into()))?;
    out.map_err(|e| PageError::from_service(layout, e))
}

/// How many rows a list page shows.
pub const PAGE_ROWS: usize = 200;

/// `?cursor=` of a list page: the `next` link of the page before.
#[derive(Debug, serde::Deserialize, Default)]
pub struct PageCursor {
    pub cursor: Option<String>,
}

impl PageCursor {
    pub fn request(&self) -> crate::store::PageRequest {
        crate::store::PageRequest {
            cursor: self.cursor.clone().filter(|c| !c.is_empty()),
            limit: PAGE_ROWS,
        }
    }
}

/// `run` for work that hashes a password (bounded concurrency).
pub async fn run_hashing<T: Send + 'static>(
    state: &AppState,
    layout: &Layout,
    client: std::net::IpAddr,
    work: impl FnOnce(&Ctx) -> services::Result<T> + Send + 'static,
) -> Result<Result<T, String>, PageError> {
    let _permit =
        state.hashing.enter(client).await.map_err(|e| {
            PageError::internal(layout, anyhow::anyhow!("hashing pool closed: {e}"))
        })?;
    run(state, layout, work).await
}

/// A path id; a malformed one is simply not found.
pub fn id<T>(layout: &Layout, raw: &str) -> Result<Id<T>, PageError> {
    raw.parse().map_err(|_| PageError::not_found(layout))
}
