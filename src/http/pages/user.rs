//! Who is on a page: the signed-in user from the session cookie (or nobody), the flash
//! message carried across a redirect, and the CSRF check of their forms.

use super::form_post;
use crate::domain::{Id, Session, User};
use crate::http::layout::NavUser;
use crate::http::{AppState, Layout, PageError, csrf, session};
use crate::services::auth::{Actor, Principal};
use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use futures_util::future::LocalBoxFuture;

pub const FLASH: &str = "plaudit_flash";

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

/// Not signed in: go to the sign-in page, then come back. Or the session could not be read
/// because the database cannot be reached: a readable 503, never a sign-out.
#[derive(Debug)]
pub enum SignInFirst {
    Redirect(String),
    Unavailable(Box<Layout>),
}

impl std::fmt::Display for SignInFirst {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignInFirst::Redirect(_) => f.write_str("sign in first"),
            SignInFirst::Unavailable(_) => f.write_str("the database cannot be reached"),
        }
    }
}

impl ResponseError for SignInFirst {
    fn status_code(&self) -> StatusCode {
        match self {
            SignInFirst::Redirect(_) => StatusCode::SEE_OTHER,
            SignInFirst::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
    fn error_response(&self) -> HttpResponse {
        match self {
            SignInFirst::Redirect(next) => {
                let next =
                    url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>();
                HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, format!("/login?next={next}")))
                    .finish()
            }
            SignInFirst::Unavailable(layout) => {
                PageError::internal(layout, unavailable_error()).error_response()
            }
        }
    }
}

/// What `PageError::internal` recognises as an outage (the original went to the log).
fn unavailable_error() -> anyhow::Error {
    anyhow::Error::new(crate::store::kv::pg::wire::PgError::Io(
        std::io::Error::new(
            std::io::ErrorKind::NotConnected,
            "the database cannot be reached",
        ),
    ))
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

/// The layout for a page drawn outside a handler (a 404, a malformed id): signed in when the
/// session is. Reads the session on the calling thread: one point read, and error handlers
/// cannot wait.
pub fn layout_for(req: &HttpRequest) -> Option<Layout> {
    let state = session::state(req).ok()?;
    let token = req.cookie(state.cookie.name)?.value().to_string();
    let principal = state
        .sessions
        .verify(&state.ctx.store, &token, state.ctx.clock.now())
        .ok()?;
    let Principal::User { user, session } = &principal else {
        return None;
    };
    Some(signed_in_layout(state, user, session))
}

/// The layout of a signed-in person's pages: their name in the bar, their session's CSRF token.
fn signed_in_layout(
    state: &crate::http::AppState,
    user: &crate::domain::User,
    session: &crate::domain::Id<crate::domain::Session>,
) -> Layout {
    state.layout.signed_in(
        NavUser {
            name: user.name.clone(),
            email: user.email.to_string(),
            instance_admin: user.instance_admin,
        },
        state.sessions.csrf_token(session),
    )
}

/// The signed-in person behind the session cookie; the store is read off the async workers.
async fn page_user(req: HttpRequest) -> Result<PageUser, SignInFirst> {
    let back = || {
        SignInFirst::Redirect(
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
    .map_err(|e| match e {
        crate::services::Error::Internal(e) if crate::store::kv::unavailable(&e) => {
            tracing::warn!(error = %format!("{e:#}"), "the database is unavailable");
            SignInFirst::Unavailable(Box::new(state.layout.clone()))
        }
        _ => back(),
    })?;
    let Principal::User { user, session } = &principal else {
        return Err(back());
    };
    {
        use actix_web::HttpMessage;
        req.extensions_mut()
            .insert(crate::edge::LoggedUser(principal.actor()));
    }
    let (notice, error) = flash_of(&req);
    let mut layout = signed_in_layout(&state, user, session);
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

/// A signed-in person's request for a page: the request, the state and who they are (a post
/// gets the same through `FormPost`, with its form checked).
pub struct Visit {
    pub req: HttpRequest,
    pub state: web::Data<AppState>,
    pub user: PageUser,
}

impl FromRequest for Visit {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let user = page_user(req.clone()).await?;
            let state = session::state(&req)?.clone();
            Ok(Self { req, state, user })
        })
    }
}

impl Visit {
    /// This person, acting from the request's address.
    pub fn actor(&self) -> Actor {
        self.user.actor(&self.req)
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
