//! Browser pages: the signed-in user from the session cookie, CSRF checks for forms, flash
//! messages across redirects, and the routes of every page area.

mod account;
mod alerts;
mod auth;
mod campaign_links;
mod campaigns;
mod connect_flow;
mod connections;
mod contacts;
mod dashboard;
mod email_links;
mod feedback;
pub mod form_post;
mod home;
pub mod import;
mod inbox;
mod inbox_forms;
mod keys;
mod locations;
mod mail_settings;
mod members;
mod oauth;
mod privacy;
mod privacy_notice;
mod report;
mod templates;
pub mod traffic;
mod workspaces;

use super::{AppState, Layout, PageError, csrf, session};
use crate::domain::{Id, Session, User};
use crate::http::layout::NavUser;
use crate::services::{self, Ctx, auth::Actor, auth::Principal};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use askama::Template;
use futures_util::future::LocalBoxFuture;

pub fn configure(cfg: &mut web::ServiceConfig) {
    home::configure(cfg);
    auth::configure(cfg);
    account::configure(cfg);
    workspaces::configure(cfg);
    members::configure(cfg);
    keys::configure(cfg);
    email_links::configure(cfg);
    locations::configure(cfg);
    connections::configure(cfg);
    connect_flow::configure(cfg);
    alerts::configure(cfg);
    inbox::configure(cfg);
    dashboard::configure(cfg);
    import::configure(cfg);
    oauth::configure(cfg);
    traffic::configure(cfg);
    templates::configure(cfg);
    campaign_links::configure(cfg);
    contacts::configure(cfg);
    campaigns::configure(cfg);
    feedback::configure(cfg);
    mail_settings::configure(cfg);
    privacy::configure(cfg);
    privacy_notice::configure(cfg);
}

pub(super) const FLASH: &str = "plaudit_flash";

/// A form whose only field is its CSRF proof (buttons: revoke, remove, sign out, lift).
#[derive(serde::Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

form_post::proof!(CsrfForm);

/// A signed-in person on a page, with the layout their pages use.
pub struct PageUser {
    pub user: User,
    pub session: Id<Session>,
    pub layout: Layout,
    pub principal: Principal,
}

/// Not signed in: go to the sign-in page, then come back.
#[derive(Debug)]
pub struct SignInFirst(String);

impl std::fmt::Display for SignInFirst {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("sign in first")
    }
}

impl ResponseError for SignInFirst {
    fn status_code(&self) -> StatusCode {
        StatusCode::SEE_OTHER
    }
    fn error_response(&self) -> HttpResponse {
        let next = url::form_urlencoded::byte_serialize(self.0.as_bytes()).collect::<String>();
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/login?next={next}")))
            .finish()
    }
}

fn flash_of(req: &HttpRequest) -> (Option<String>, Option<String>) {
    let Some(c) = req.cookie(FLASH) else {
        return (None, None);
    };
    let decoded: String = url::form_urlencoded::parse(format!("m={}", c.value()).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    match decoded.split_once(':') {
        Some(("ok", m)) => (Some(m.to_string()), None),
        Some(("err", m)) => (None, Some(m.to_string())),
        _ => (None, None),
    }
}

/// The signed-in person behind the session cookie; the store is read off the async workers.
async fn page_user(req: HttpRequest) -> Result<PageUser, SignInFirst> {
    let back = || {
        SignInFirst(
            req.uri()
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_string(),
        )
    };
    let state = session::state(&req).map_err(|_| back())?.clone();
    let token = req
        .cookie(state.cookie.name)
        .ok_or_else(back)?
        .value()
        .to_string();
    let checker = state.clone();
    let principal = web::block(move || {
        checker
            .sessions
            .verify(&checker.ctx.store, &token, checker.ctx.clock.now())
    })
    .await
    .map_err(|_| back())?
    .map_err(|_| back())?;
    let Principal::User { user, session } = &principal else {
        return Err(back());
    };
    {
        use actix_web::HttpMessage;
        req.extensions_mut()
            .insert(crate::edge::LoggedUser(principal.actor()));
    }
    let (notice, error) = flash_of(&req);
    let mut layout = state.layout.signed_in(
        NavUser {
            name: user.name.clone(),
            email: user.email.to_string(),
            instance_admin: user.instance_admin,
        },
        state.sessions.csrf_token(session),
    );
    layout.notice = notice;
    layout.error = error;
    Ok(PageUser {
        user: user.clone(),
        session: *session,
        layout,
        principal: principal.clone(),
    })
}

impl FromRequest for PageUser {
    type Error = SignInFirst;
    type Future = LocalBoxFuture<'static, Result<Self, SignInFirst>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(page_user(req.clone()))
    }
}

/// A page that works signed in or out.
pub struct MaybeUser(pub Option<PageUser>, pub Layout);

impl FromRequest for MaybeUser {
    type Error = PageError;
    type Future = LocalBoxFuture<'static, Result<Self, PageError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let user = page_user(req.clone()).await.ok();
            let layout = match &user {
                Some(u) => u.layout.clone(),
                None => {
                    let base = req
                        .app_data::<web::Data<AppState>>()
                        .map(|s| s.layout.clone())
                        .unwrap_or_default();
                    let (notice, error) = flash_of(&req);
                    Layout {
                        notice,
                        error,
                        ..base
                    }
                }
            };
            Ok(Self(user, layout))
        })
    }
}

impl PageUser {
    /// Every form post must come from our own pages and carry this session's token.
    pub fn check_form(
        &self,
        req: &HttpRequest,
        state: &AppState,
        token: &str,
    ) -> Result<(), PageError> {
        if csrf::same_origin(req, &state.ctx.instance_url)
            && state.sessions.csrf_valid(&self.session, token)
        {
            Ok(())
        } else {
            Err(PageError::new(
                &self.layout,
                StatusCode::FORBIDDEN,
                "This form was sent from another site, or its page is too old. Reload the page and try again.",
            ))
        }
    }

    pub fn ip(&self, req: &HttpRequest) -> String {
        session::client_ip(req).to_string()
    }

    /// This person, acting from the request's address.
    pub fn actor(&self, req: &HttpRequest) -> Actor {
        Actor::new(self.principal.clone(), self.ip(req))
    }
}

/// Renders a page; clears a flash message that has now been shown.
pub fn html(
    req: &HttpRequest,
    page: &impl Template,
    layout: &Layout,
) -> Result<HttpResponse, PageError> {
    let body = page
        .render()
        .map_err(|e| PageError::internal(layout, anyhow::anyhow!("rendering: {e}")))?;
    let mut resp = HttpResponse::Ok();
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
    match out {
        Ok(v) => Ok(Ok(v)),
        Err(services::Error::Internal(e)) => Err(PageError::internal(layout, e)),
        Err(services::Error::NotFound) => Err(PageError::new(
            layout,
            StatusCode::NOT_FOUND,
            "There is nothing at this address.",
        )),
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
    out.map_err(|e| match e {
        services::Error::NotFound => PageError::new(
            layout,
            StatusCode::NOT_FOUND,
            "There is nothing at this address.",
        ),
        other => PageError::from_service(layout, other),
    })
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
    raw.parse().map_err(|_| {
        PageError::new(
            layout,
            StatusCode::NOT_FOUND,
            "There is nothing at this address.",
        )
    })
}
