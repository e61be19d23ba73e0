//! One extractor for a form post: the signed-in user and the form's fields, its CSRF proof
//! checked (same origin, this session's token) before the handler runs; and the shape most
//! posts end in — run a service as this person, go back with a message.

use super::{Answer, CsrfForm, PageUser, Visit, redirect, run};
use crate::http::paths::WsChildPath;
use crate::http::{AppState, PageError};
use crate::services::{self, Ctx, auth::Actor};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

/// A form that carries the CSRF proof (`csrf` field of every form on our pages).
pub trait Proof {
    fn csrf(&self) -> &str;
}

/// `impl Proof` for forms whose proof is their `csrf` field.
macro_rules! proof {
    ($($form:ty),+ $(,)?) => {
        $(impl $crate::http::pages::form_post::Proof for $form {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        })+
    };
}
pub(crate) use proof;

/// A checked form post: who sent it and what it says.
pub struct FormPost<F> {
    /// What the post acts with: the request, the state and the signed-in user.
    pub action: Visit,
    pub form: F,
}

impl<F: DeserializeOwned + Proof + 'static> FromRequest for FormPost<F> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // The visit first: a signed-out post goes to the sign-in page, whatever its fields.
        let visit = Visit::from_request(req, payload);
        let form = web::Form::<F>::from_request(req, payload);
        Box::pin(async move {
            let action = visit.await?;
            let form = form.await?.into_inner();
            let Visit { req, state, user } = &action;
            user.check_form(req, state, form.csrf())?;
            Ok(Self { action, form })
        })
    }
}

impl Visit {
    /// For posts read by hand (repeated fields): checks the proof as the extractor does.
    pub fn checked(
        req: HttpRequest,
        state: web::Data<AppState>,
        user: PageUser,
        csrf: &str,
    ) -> Result<Self, PageError> {
        user.check_form(&req, &state, csrf)?;
        Ok(Self { req, state, user })
    }

    /// Runs `work` as this person and goes back to `back` with `done`, or with the service's
    /// refusal for the form.
    pub async fn then<T: Send + 'static>(
        &self,
        back: &str,
        done: &str,
        work: impl FnOnce(&Ctx, &Actor) -> services::Result<T> + Send + 'static,
    ) -> Answer {
        let actor = self.actor();
        Ok(
            match run(&self.state, &self.user.layout, move |ctx| work(ctx, &actor)).await? {
                Ok(_) => redirect(back, Ok(done)),
                Err(m) => redirect(back, Err(&m)),
            },
        )
    }
}

/// A post that only removes one thing of the workspace (a delete button): back to
/// `/w/{ws}/<area>` with `done`, or with the service's refusal.
pub fn removal<C: 'static>(
    area: &'static str,
    done: &'static str,
    remove: services::RemoveOf<C>,
) -> impl Fn(WsChildPath<C>, FormPost<CsrfForm>) -> LocalBoxFuture<'static, Answer> + Clone + 'static
{
    move |path, post| {
        Box::pin(async move {
            let (ws, id) = path.into_inner();
            let back = format!("/w/{ws}/{area}");
            let work = move |ctx: &Ctx, who: &Actor| remove(ctx, who, &ws, &id);
            post.action.then(&back, done, work).await
        })
    }
}

/// A form's fields in order, for forms with repeated fields (read by hand, see `Visit::checked`).
pub fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// The first value of field `k`, or "".
pub fn field(pairs: &[(String, String)], k: &str) -> String {
    pairs
        .iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}
