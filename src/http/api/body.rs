//! The JSON body of a request: an object, read into the handler's type. serde would also take a
//! struct from an array (`[null, null]`), which the documented schema does not allow.

use crate::http::ApiError;
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

impl<T: DeserializeOwned + 'static> FromRequest for Body<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // The JSON config (size limit, content type, error answers) applies as to any JSON body.
        let json = web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let value = json.await?.into_inner();
            if !value.is_object() {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_json",
                    "the body must be a JSON object",
                )
                .into());
            }
            serde_json::from_value(value).map(Body).map_err(|e| {
                ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", e.to_string()).into()
            })
        })
    }
}

/// A JSON array body of `T`s (e.g. a batch of contacts); anything else is a 400.
pub struct ListBody<T>(pub Vec<T>);

impl<T: DeserializeOwned + 'static> FromRequest for ListBody<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = web::Json::<serde_json::Value>::from_request(req, payload);
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
            for (i, item) in items.into_iter().enumerate() {
                if !item.is_object() {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "invalid_json",
                        format!("item {i} must be a JSON object"),
                    )
                    .into());
                }
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
