//! Errors as users see them: JSON under /api, a readable page elsewhere; full chains only in logs.

use super::{AppState, Layout};
use crate::services::Error;
use actix_web::error::{JsonPayloadError, UrlencodedError};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use askama::Template;
use serde_json::json;
use std::fmt;

/// `{"error":{"code","message"}}` with its status.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub retry_after: Option<u64>,
    /// Set for the account brakes' refusals: the edge counts them towards a ban.
    pub strike: Option<&'static str>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
            strike: None,
        }
    }

    pub fn internal(e: anyhow::Error) -> Self {
        if crate::store::kv::unavailable(&e) {
            tracing::warn!(error = %format!("{e:#}"), "the database is unavailable");
            let mut out = Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the database cannot be reached just now; try again in a few seconds",
            );
            out.retry_after = Some(5);
            return out;
        }
        tracing::error!(error = %format!("{e:#}"), "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on our side; it has been logged",
        )
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut resp = HttpResponse::build(self.status);
        resp.insert_header(("Cache-Control", "no-store"));
        if let Some(secs) = self.retry_after {
            resp.insert_header(("Retry-After", secs.max(1).to_string()));
        }
        let mut resp = resp.json(json!({"error": {"code": self.code, "message": self.message}}));
        if let Some(quota) = self.strike {
            resp.extensions_mut()
                .insert(crate::edge::routes::Strike(quota));
        }
        resp
    }
}

/// The one mapping from service answers to HTTP.
impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let (status, code) = match &e {
            Error::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
            Error::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Error::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Error::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            Error::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Error::InvalidLink(_) => (StatusCode::NOT_FOUND, "invalid_link"),
            Error::PlanLimit(_) => (StatusCode::FORBIDDEN, "plan_limit"),
            Error::Throttled { .. } => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests"),
            Error::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        };
        if let Error::Internal(inner) = e {
            // Its chain kept: whether the database was unreachable is read from it.
            return Self::internal(inner);
        }
        let mut out = Self::new(status, code, e.to_string());
        if let Error::Throttled { retry_after } = e {
            out.retry_after = Some(retry_after);
            out.strike = Some("accounts");
        }
        out
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        Self::internal(anyhow::anyhow!("blocking task failed: {e}"))
    }
}

#[derive(Template)]
#[template(path = "pages/error.html")]
struct ErrorPage<'a> {
    layout: &'a Layout,
    title: &'a str,
    message: &'a str,
}

/// A page-rendering error with a message safe to show.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub message: String,
    layout: Box<Layout>,
    strike: Option<&'static str>,
}

impl PageError {
    pub fn new(layout: &Layout, status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            layout: Box::new(layout.clone()),
            strike: None,
        }
    }

    /// A refusal by the account brakes: 429, counted by the edge towards a ban.
    pub fn throttled(layout: &Layout, message: impl Into<String>) -> Self {
        let mut e = Self::new(layout, StatusCode::TOO_MANY_REQUESTS, message);
        e.strike = Some("accounts");
        e
    }

    /// The readable 404: the one wording for anything not here (or not yours to see).
    pub fn not_found(layout: &Layout) -> Self {
        Self::new(
            layout,
            StatusCode::NOT_FOUND,
            "There is nothing at this address.",
        )
    }

    /// A service answer as a page: its message, with the matching status.
    pub fn from_service(layout: &Layout, e: Error) -> Self {
        match e {
            Error::Internal(e) => Self::internal(layout, e),
            Error::NotFound => Self::not_found(layout),
            other => {
                let api = ApiError::from(other);
                let mut page = Self::new(layout, api.status, api.message);
                page.strike = api.strike;
                page
            }
        }
    }

    pub fn internal(layout: &Layout, e: anyhow::Error) -> Self {
        if crate::store::kv::unavailable(&e) {
            tracing::warn!(error = %format!("{e:#}"), "the database is unavailable");
            return Self::new(
                layout,
                StatusCode::SERVICE_UNAVAILABLE,
                "The database cannot be reached just now. Try again in a few seconds.",
            );
        }
        tracing::error!(error = %format!("{e:#}"), "internal error");
        Self::new(
            layout,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on our side. It has been logged; please try again.",
        )
    }
}

impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut resp = page_response(&self.layout, self.status, &self.message);
        if let Some(quota) = self.strike {
            resp.extensions_mut()
                .insert(crate::edge::routes::Strike(quota));
        }
        resp
    }
}

fn page_response(layout: &Layout, status: StatusCode, message: &str) -> HttpResponse {
    let title = status.canonical_reason().unwrap_or("Error");
    let body = ErrorPage {
        layout,
        title,
        message,
    }
    .render()
    .unwrap_or_else(|_| message.to_string());
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        // Never compressed, like every page (see pages::html): BREACH.
        .insert_header((actix_web::http::header::CONTENT_ENCODING, "identity"))
        .body(body)
}

/// The edge's refusal of a page request (WAF, rate limit, ban, size), drawn in the layout
/// with the request id and a way back. Signed-out layout: the edge answers before sessions.
pub fn refusal_page(layout: Layout) -> crate::edge::RefusalPage {
    crate::edge::RefusalPage(std::sync::Arc::new(move |status, message, id| {
        let title = status.canonical_reason().unwrap_or("Refused");
        RefusalView {
            layout: &layout,
            title,
            message,
            id,
        }
        .render()
        .unwrap_or_else(|_| message.to_string())
    }))
}

#[derive(Template)]
#[template(path = "pages/refused.html")]
struct RefusalView<'a> {
    layout: &'a Layout,
    title: &'a str,
    message: &'a str,
    id: &'a str,
}

fn is_api(req: &HttpRequest) -> bool {
    crate::edge::routes::classify(req.path()).is_api()
}

pub async fn not_found(req: HttpRequest) -> HttpResponse {
    if is_api(&req) {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such route or object",
        )
        .error_response();
    }
    // A signed-in person still sees themselves signed in on a page that does not exist.
    let layout = super::pages::layout_for(&req).unwrap_or_else(|| layout_of(&req));
    page_response(
        &layout,
        StatusCode::NOT_FOUND,
        "There is nothing at this address.",
    )
}

pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let e = match &err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                err.to_string(),
            )
        }
        JsonPayloadError::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as application/json",
        ),
        _ => ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", err.to_string()),
    };
    e.into()
}

pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    _req: &HttpRequest,
) -> actix_web::Error {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", err.to_string()).into()
}

/// A path that does not parse (an id that is not one): the JSON 404 on the API, the page 404
/// elsewhere — so handlers take `web::Path<(Id<Workspace>, Id<Item>)>` and never parse ids.
pub fn path_error(err: actix_web::error::PathError, req: &HttpRequest) -> actix_web::Error {
    if is_api(req) {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no such object ({err})"),
        )
        .into();
    }
    let layout = super::pages::layout_for(req).unwrap_or_else(|| layout_of(req));
    PageError::new(
        &layout,
        StatusCode::NOT_FOUND,
        "There is nothing at this address.",
    )
    .into()
}

pub fn form_error(err: UrlencodedError, req: &HttpRequest) -> actix_web::Error {
    let status = match err {
        UrlencodedError::Overflow { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::BAD_REQUEST,
    };
    page_error(req, status, format!("The form could not be read: {err}."))
}

/// A page's error answer from outside a handler (an extractor's rejection).
fn page_error(
    req: &HttpRequest,
    status: StatusCode,
    message: impl Into<String>,
) -> actix_web::Error {
    PageError::new(&layout_of(req), status, message).into()
}

/// The page layout for answers given outside a handler.
fn layout_of(req: &HttpRequest) -> Layout {
    req.app_data::<web::Data<AppState>>()
        .map(|s| s.layout.clone())
        .unwrap_or_default()
}
