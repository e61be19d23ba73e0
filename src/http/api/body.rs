//! The JSON body of a request: an object, checked against the schema the API documents for the
//! handler's type (`conform`), then read into that type. serde alone would take a struct from an
//! array (`[null, null]`) and ignore lengths and patterns the document promises to enforce.

use super::conform::Violation;
use crate::http::{ApiError, AppState};
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

pub struct Body<T>(pub T);

impl<T> Body<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + schemars::JsonSchema + 'static> FromRequest for Body<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // The JSON config (size limit, content type, error answers) applies as to any JSON body.
        let json = web::Json::<serde_json::Value>::from_request(req, payload);
        let contract = contract_of::<T>(req);
        Box::pin(async move {
            let mut value = json.await?.into_inner();
            if !value.is_object() {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_json",
                    "the body must be a JSON object",
                )
                .into());
            }
            if let Some(c) = contract {
                c.check(&value).map_err(refusal)?;
            }
            whole_numbers(&mut value);
            serde_json::from_value(value).map(Body).map_err(|e| {
                ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", e.to_string()).into()
            })
        })
    }
}

/// A JSON array body of `T`s (e.g. a batch of contacts); anything else is a 400.
pub struct ListBody<T>(pub Vec<T>);

impl<T: DeserializeOwned + schemars::JsonSchema + 'static> FromRequest for ListBody<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = web::Json::<serde_json::Value>::from_request(req, payload);
        let contract = contract_of::<T>(req);
        Box::pin(async move {
            let value = json.await?.into_inner();
            let serde_json::Value::Array(items) = value else {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_json",
                    "the body must be a JSON array",
                )
                .into());
            };
            let mut out = Vec::with_capacity(items.len());
            for (i, mut item) in items.into_iter().enumerate() {
                if !item.is_object() {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "invalid_json",
                        format!("item {i} must be a JSON object"),
                    )
                    .into());
                }
                if let Some(c) = &contract {
                    c.check(&item).map_err(|v| {
                        let mut e = refusal(v);
                        e.message = format!("item {i}: {}", e.message);
                        e
                    })?;
                }
                whole_numbers(&mut item);
                out.push(serde_json::from_value(item).map_err(|e| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "invalid_json",
                        format!("item {i}: {e}"),
                    )
                })?);
            }
            Ok(ListBody(out))
        })
    }
}

/// The contract for `T`'s body, made once per server from the same schema the document serves
/// (with this instance's plan names). Without the server's state (unit tests) nothing is checked.
fn contract_of<T: schemars::JsonSchema + 'static>(
    req: &HttpRequest,
) -> Option<std::sync::Arc<super::conform::Contract>> {
    let state = req.app_data::<web::Data<AppState>>()?;
    Some(
        state
            .contracts
            .get_or_make(std::any::TypeId::of::<T>(), || {
                super::openapi::for_instance(super::schema_of::<T>(), &state.ctx.config)
            }),
    )
}

/// A wrong shape is a 400 like any unreadable body; a wrong content the 422 the services give.
pub(super) fn refusal(v: Violation) -> ApiError {
    if v.shape {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", v.to_string())
    } else {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            v.to_string(),
        )
    }
}

/// JSON Schema counts `3.0` as an integer, serde does not: numbers without a fraction are read
/// as integers (a field of a float type still takes them).
fn whole_numbers(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() < 9.0e15
            {
                *v = Value::from(f as i64);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(whole_numbers),
        Value::Object(o) => o.values_mut().for_each(whole_numbers),
        _ => {}
    }
}
