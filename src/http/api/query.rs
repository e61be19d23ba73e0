//! The query string of an API request, checked against the parameters the document lists for
//! the handler's type (`conform`) before it is read into that type: a parameter given empty, or
//! out of its documented range, is refused as the document says, not read as absent.

use super::conform::Contract;
use crate::http::{ApiError, AppState};
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use std::future::{Ready, ready};
use std::sync::Arc;

pub struct Query<T>(pub T);

impl<T> Query<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + schemars::JsonSchema + 'static> FromRequest for Query<T> {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(read(req))
    }
}

fn read<T: DeserializeOwned + schemars::JsonSchema + 'static>(
    req: &HttpRequest,
) -> Result<Query<T>, actix_web::Error> {
    if let Some(contract) = contract_of::<T>(req) {
        let pairs = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
            .map_err(|e| bad(e.to_string()))?
            .into_inner();
        if let Some(name) = unknown(contract.schema(), &pairs) {
            return Err(bad(name));
        }
        contract
            .check(&typed(contract.schema(), pairs))
            .map_err(|v| bad(v.to_string()))?;
    }
    // Errors from here on (a value the type cannot hold) answer as the QueryConfig says.
    web::Query::<T>::from_query(req.query_string())
        .map(|q| Query(q.into_inner()))
        .map_err(|e| super::super::errors::query_error(e, req))
}

fn bad(message: String) -> actix_web::Error {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", message).into()
}

fn contract_of<T: schemars::JsonSchema + 'static>(req: &HttpRequest) -> Option<Arc<Contract>> {
    let state = req.app_data::<web::Data<AppState>>()?;
    Some(
        state
            .contracts
            .get_or_make(std::any::TypeId::of::<Query<T>>(), || {
                parameters_schema(&super::openapi::for_instance(
                    super::schema_of::<T>(),
                    &state.ctx.config,
                ))
            }),
    )
}

/// The parameters as the document lists them, as one object's properties.
fn parameters_schema(schema: &Value) -> Value {
    let properties: Map<String, Value> = super::openapi::query_parameters(schema)
        .into_iter()
        .filter_map(|p| Some((p["name"].as_str()?.to_string(), p["schema"].clone())))
        .collect();
    json!({"type": "object", "properties": properties})
}

/// The first parameter the document does not list, as a message naming those it does: as a
/// body's unknown field is refused, so is a query's (a misspelt `form=` would otherwise be
/// read as "no filter" and answer the wrong thing without a word).
fn unknown(schema: &Value, pairs: &[(String, String)]) -> Option<String> {
    let known = schema["properties"].as_object()?;
    let (name, _) = pairs.iter().find(|(n, _)| !known.contains_key(n))?;
    let listed: Vec<&str> = known.keys().map(String::as_str).collect();
    Some(if listed.is_empty() {
        format!("`{name}`: this request takes no query parameters")
    } else {
        format!(
            "`{name}` is not a parameter of this request; it takes {}",
            listed.join(", ")
        )
    })
}

/// The query's pairs as JSON, each value typed as its parameter's schema says it is written
/// (`limit=20` a number, `replied=true` a boolean); what does not read as that type stays text,
/// which the check then refuses. Parameters the document does not list were refused before.
fn typed(schema: &Value, pairs: Vec<(String, String)>) -> Value {
    let mut out = Map::new();
    for (name, raw) in pairs {
        let Some(prop) = schema["properties"].get(&name) else {
            continue;
        };
        let value = match prop["type"].as_str() {
            Some("integer") | Some("number") => raw
                .parse::<i64>()
                .map(Value::from)
                .or_else(|_| raw.parse::<f64>().map(Value::from))
                .unwrap_or(Value::String(raw)),
            Some("boolean") => match raw.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::String(raw),
            },
            _ => Value::String(raw),
        };
        out.entry(name).or_insert(value);
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_typed_as_documented_and_empty_ones_are_checked() {
        let schema = json!({"type": "object", "properties": {
            "limit": {"type": "integer", "minimum": 1, "maximum": 200},
            "replied": {"type": "boolean"},
            "q": {"type": "string", "maxLength": 5},
            "until": {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]}
        }});
        let c = Contract::new(schema.clone());
        let check = |pairs: &[(&str, &str)]| {
            let pairs = pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect();
            c.check(&typed(&schema, pairs))
        };
        assert!(check(&[("limit", "20"), ("replied", "true"), ("q", ""),]).is_ok());
        assert!(check(&[("until", "2026-01-31")]).is_ok());
        let pairs = |n: &str| vec![(n.to_string(), String::new())];
        assert!(unknown(&schema, &pairs("limit")).is_none());
        let refused = unknown(&schema, &pairs("form")).unwrap();
        assert!(
            refused.starts_with("`form` is not a parameter"),
            "{refused}"
        );
        assert!(unknown(&json!({"type": "object", "properties": {}}), &pairs("x")).is_some());
        for bad in [
            &[("limit", "")][..],
            &[("limit", "0")],
            &[("limit", "x")],
            &[("replied", "yes")],
            &[("replied", "")],
            &[("q", "toolong")],
            &[("until", "")],
        ] {
            assert!(check(bad).is_err(), "{bad:?}");
        }
    }
}
