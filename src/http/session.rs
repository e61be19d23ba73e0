//! Who is calling: bearer tokens (session JWT or `plk_` API key) or the session cookie, with the
//! CSRF proof that cookie-authenticated writes must carry.

use super::{ApiError, AppState, csrf};
use crate::services::api_keys;
use crate::services::auth::{Actor, Principal};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::Payload;
use actix_web::http::{Method, StatusCode, header};
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use std::future::{Ready, ready};
use std::net::IpAddr;

/// How the session cookie is named and flagged. `__Host-` requires `Secure`, so the prefix is
/// used exactly when the instance is reached over HTTPS (TLS here, or an https public URL).
#[derive(Debug, Clone)]
pub struct SessionCookie {
    pub name: &'static str,
    pub secure: bool,
    pub max_age_secs: i64,
}

impl SessionCookie {
    pub fn new(secure: bool, max_age_secs: i64) -> Self {
        Self {
            name: if secure {
                "__Host-plaudit_session"
            } else {
                "plaudit_session"
            },
            secure,
            max_age_secs,
        }
    }

    pub fn set(&self, token: &str) -> Cookie<'static> {
        Cookie::build(self.name, token.to_string())
            .path("/")
            .http_only(true)
            .secure(self.secure)
            .same_site(SameSite::Lax)
            .max_age(CookieDuration::seconds(self.max_age_secs))
            .finish()
    }

    pub fn clear(&self) -> Cookie<'static> {
        let mut c = self.set("");
        c.make_removal();
        c
    }
}

/// The client's address as the edge settled it (trusted proxies considered), else the peer.
pub fn client_ip(req: &HttpRequest) -> IpAddr {
    if let Some(addr) = req.extensions().get::<crate::edge::ClientAddr>() {
        return addr.0;
    }
    req.peer_addr()
        .map_or(IpAddr::from([0, 0, 0, 0]), |a| a.ip())
}

/// Notes who is calling, for the request log.
fn note_user(req: &HttpRequest, principal: &Principal) {
    req.extensions_mut()
        .insert(crate::edge::LoggedUser(principal.actor()));
}

pub fn state(req: &HttpRequest) -> Result<&web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))
}

fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// An authenticated API caller.
pub struct Caller {
    pub principal: Principal,
    pub ip: IpAddr,
}

impl Caller {
    pub fn ip(&self) -> String {
        self.ip.to_string()
    }

    /// Who acts, from where: what changing services take.
    pub fn actor(&self) -> Actor {
        Actor::new(self.principal.clone(), self.ip())
    }
}

/// Checks a token against the store, off the async workers: a store that is slow or stuck
/// must never block the threads that answer /healthz and every other request.
async fn verify(state: &web::Data<AppState>, token: String) -> Result<Principal, ApiError> {
    let state = state.clone();
    let principal = web::block(move || {
        let ctx = &state.ctx;
        if token.starts_with("plk_") {
            api_keys::authenticate(ctx, &token)
        } else {
            state.sessions.verify(&ctx.store, &token, ctx.clock.now())
        }
    })
    .await??;
    Ok(principal)
}

async fn authenticate(req: HttpRequest) -> Result<Caller, ApiError> {
    let state = state(&req)?.clone();
    let ip = client_ip(&req);
    if let Some(token) = bearer(&req) {
        let principal = verify(&state, token.to_string()).await?;
        note_user(&req, &principal);
        return Ok(Caller { principal, ip });
    }
    let Some(cookie) = req.cookie(state.cookie.name) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "sign in first: send `Authorization: Bearer <token>` or the session cookie",
        ));
    };
    if cookie.value().starts_with("plk_") {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "the session cookie is invalid or has expired",
        ));
    }
    let principal = verify(&state, cookie.value().to_string()).await?;
    note_user(&req, &principal);
    if !is_safe(req.method()) {
        // A cookie rides along on cross-site requests; the CSRF proof cannot.
        let Principal::User { session, .. } = &principal else {
            return Err(ApiError::internal(anyhow::anyhow!(
                "cookie yielded a non-session principal"
            )));
        };
        let token = req
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok());
        if !csrf::same_origin(&req, &state.ctx.instance_url)
            || !token.is_some_and(|t| state.sessions.csrf_valid(session, t))
        {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf_failed",
                "this request lacks a valid X-CSRF-Token header or came from another site",
            ));
        }
    }
    Ok(Caller { principal, ip })
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(authenticate(req.clone()))
    }
}

/// The client address, for routes that work signed out.
pub struct ClientIp(pub IpAddr);

impl FromRequest for ClientIp {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self(client_ip(req))))
    }
}
