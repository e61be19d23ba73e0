//! The OpenAPI 3 document, built from the same route table that registers the handlers.

use super::{Route, routes};
use actix_web::HttpResponse;
use serde_json::{Map, Value, json};

/// The document, with this instance's plan names filled in where a plan is asked for.
pub async fn serve(state: actix_web::web::Data<crate::http::AppState>) -> HttpResponse {
    HttpResponse::Ok().json(for_instance(document(), &state.ctx.config))
}

/// A schema (or the whole document) as this instance serves and enforces it: plan names filled in.
pub fn for_instance(mut schema: Value, config: &crate::config::Config) -> Value {
    let plans: Vec<Value> = config
        .plans
        .keys()
        .map(|p| Value::String(p.clone()))
        .collect();
    fill_plans(&mut schema, &plans);
    schema
}

fn fill_plans(v: &mut Value, plans: &[Value]) {
    match v {
        Value::Object(o) => {
            if o.remove("x-plaudit-plans").is_some() {
                o.insert("enum".into(), Value::Array(plans.to_vec()));
            }
            // An optional field with a list of values (`"plan": null` leaves the plan as it
            // is) keeps null among them, as serde reads it.
            let nullable = o
                .get("type")
                .and_then(Value::as_array)
                .is_some_and(|t| t.iter().any(|t| t == "null"));
            if nullable
                && let Some(Value::Array(values)) = o.get_mut("enum")
                && !values.contains(&Value::Null)
            {
                values.push(Value::Null);
            }
            o.values_mut().for_each(|v| fill_plans(v, plans));
        }
        Value::Array(a) => a.iter_mut().for_each(|v| fill_plans(v, plans)),
        _ => {}
    }
}

/// Ids in paths are 32 lower-case hex digits; `client` is an IP address.
fn path_parameter(name: &str) -> Value {
    let schema = match name {
        "client" => json!({"type": "string", "anyOf": [{"format": "ipv4"}, {"format": "ipv6"}]}),
        _ => json!({"type": "string", "pattern": "^[0-9a-f]{32}$"}),
    };
    json!({"name": name, "in": "path", "required": true, "schema": schema})
}

/// A query type's properties, one parameter each.
pub(super) fn query_parameters(schema: &Value) -> Vec<Value> {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = schema["properties"].as_object() else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, prop)| {
            let mut prop = prop.clone();
            // An optional parameter is simply absent; `null` has no query-string form.
            if let Some(types) = prop["type"].as_array() {
                let kept: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
                if kept.len() == 1 {
                    prop["type"] = kept[0].clone();
                }
            }
            let description = prop
                .as_object_mut()
                .and_then(|o| o.remove("description"))
                .unwrap_or(Value::Null);
            json!({"name": name, "in": "query", "required": required.contains(&name.as_str()),
                   "description": description, "schema": prop})
        })
        .collect()
}

fn operation(route: &Route, all: &[Route]) -> Value {
    let mut parameters: Vec<Value> = route
        .path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(path_parameter)
        .collect();
    if let Some(query) = route.query {
        parameters.extend(query_parameters(&query()));
    }
    let success = match route.returns {
        Some(schema) => {
            json!({"description": "success", "content": {"application/json": {"schema": schema()}}})
        }
        None => json!({"description": "success"}),
    };
    let success = if route.csv_answer {
        json!({"description": "success", "content": {"text/csv": {"schema": {"type": "string"}}}})
    } else if route.pdf_answer {
        json!({"description": "success", "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}})
    } else if route.download {
        json!({"description": "success (an attachment)", "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/zip": {"schema": {"type": "string", "format": "binary"}}
        }})
    } else {
        success
    };
    let mut op = json!({
        "operationId": super::links::operation_id(route),
        "summary": route.summary,
        "tags": [route.tag],
        "parameters": parameters,
        "responses": {
            route.status.to_string(): success,
            "default": {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        }
    });
    if let Some(links) = super::links::links(route, all) {
        op["responses"][route.status.to_string()]["links"] = links;
    }
    if let Some(body) = route.body {
        op["requestBody"] =
            json!({"required": true, "content": {"application/json": {"schema": body()}}});
    }
    if route.csv_body {
        op["requestBody"] =
            json!({"required": true, "content": {"text/csv": {"schema": {"type": "string"}}}});
    }
    op["security"] = if route.public {
        json!([])
    } else {
        json!([{"bearer": []}, {"cookie": []}])
    };
    op
}

pub fn document() -> Value {
    let mut paths = Map::new();
    let all = routes();
    for route in &all {
        let entry = paths
            .entry(format!("/api/v1{}", route.path))
            .or_insert_with(|| json!({}));
        entry[route.method.as_str().to_ascii_lowercase()] = operation(route, &all);
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Plaudit API", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "a session token from /auth/login, or an API key (plk_...)"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "__Host-plaudit_session", "description": "browser session; writes also need the X-CSRF-Token header"}
            },
            "schemas": {
                "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}}, "required": ["code", "message"]}}, "required": ["error"]}
            }
        }
    })
}
