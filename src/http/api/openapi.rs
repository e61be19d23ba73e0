//! The OpenAPI 3 document, built from the same route table that registers the handlers.

use super::{Route, routes};
use actix_web::HttpResponse;
use serde_json::{Map, Value, json};

pub async fn serve() -> HttpResponse {
    HttpResponse::Ok().json(document())
}

fn schema(fields: &[(&str, &str)]) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for (name, kind) in fields {
        let (name, optional) = match name.strip_suffix('?') {
            Some(n) => (n, true),
            None => (*name, false),
        };
        let prop = match *kind {
            "array" => json!({"type": "array", "items": {"type": "string"}}),
            "string|null" => json!({"type": ["string", "null"]}),
            other => json!({"type": other}),
        };
        properties.insert(name.to_string(), prop);
        if !optional {
            required.push(name.to_string());
        }
    }
    json!({"type": "object", "properties": properties, "required": required, "additionalProperties": false})
}

fn operation(route: &Route) -> Value {
    let mut parameters: Vec<Value> = route
        .path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    for q in route.query {
        parameters.push(
            json!({"name": q, "in": "query", "required": false, "schema": {"type": "string"}}),
        );
    }
    let mut op = json!({
        "summary": route.summary,
        "tags": [route.tag],
        "parameters": parameters,
        "responses": {
            route.status.to_string(): {"description": "success"},
            "default": {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        }
    });
    if !route.body.is_empty() {
        op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": schema(route.body)}}});
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
    for route in routes() {
        let entry = paths
            .entry(format!("/api/v1{}", route.path))
            .or_insert_with(|| json!({}));
        entry[route.method.as_str().to_ascii_lowercase()] = operation(&route);
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
