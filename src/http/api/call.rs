//! One extractor for an API call: who calls, with the state to act on. `read` runs a service
//! as the caller off the async workers; `write` runs it as the caller acting from their
//! address and flushes before the answer, so what is acknowledged is durable.

use super::{read, write};
use crate::http::session::{self, Caller};
use crate::http::{ApiError, AppState};
use crate::services::auth::{Actor, Principal};
use crate::services::{self, Ctx};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use futures_util::future::LocalBoxFuture;

pub struct Api {
    pub state: web::Data<AppState>,
    pub caller: Caller,
}

impl FromRequest for Api {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Caller::from_request(req, payload);
        let state = session::state(req).cloned();
        Box::pin(async move {
            Ok(Self {
                caller: caller.await?,
                state: state?,
            })
        })
    }
}

impl Api {
    /// Service work that only reads, as the caller.
    pub async fn read<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Ctx, &Principal) -> services::Result<T> + Send + 'static,
    ) -> Result<T, ApiError> {
        let who = self.caller.principal.clone();
        read(&self.state, move |ctx| work(ctx, &who)).await
    }

    /// Service work that changes something, as the caller from their address; flushed.
    pub async fn write<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Ctx, &Actor) -> services::Result<T> + Send + 'static,
    ) -> Result<T, ApiError> {
        let actor = self.caller.actor();
        write(&self.state, move |ctx| work(ctx, &actor)).await
    }
}

/// What an API handler answers.
pub type Answer = Result<HttpResponse, ApiError>;
