//! The server enforces the document it serves: each kind of constraint the OpenAPI document
//! states (pattern, length, enum, format, item count, nullability, integer) is refused when
//! broken and taken when kept, on bodies and on query strings; a word where an id could stand
//! answers 405 for a method the word's path does not serve.

use crate::caller::Api;
use crate::support::Server;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_refuses_what_its_document_refuses_and_takes_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start_with_env(
        tmp.path(),
        "",
        &[
            ("PLAUDIT_ADMIN_EMAIL", "admin@example.com"),
            ("PLAUDIT_ADMIN_PASSWORD", "a long admin password"),
        ],
    );
    let api = Api::new(&server.url)
        .signed_in("admin@example.com", "a long admin password")
        .await;
    let (_, ws) = api.post("/workspaces", json!({"name": "Seed"})).await;
    let ws = ws["id"].as_str().unwrap().to_string();
    let w = |p: &str| format!("/workspaces/{ws}{p}");

    // Nullable enum: the document lists null among the plans, and null leaves the plan.
    let (_, doc) = api.get("/openapi.json").await;
    let plan = &doc["paths"]["/api/v1/workspaces/{ws}"]["patch"]["requestBody"]["content"]["application/json"]
        ["schema"]["properties"]["plan"];
    assert!(
        plan["enum"].as_array().unwrap().contains(&json!(null)),
        "{plan}"
    );
    let (s, body) = api.patch(&w(""), json!({"plan": null})).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, body) = api.patch(&w(""), json!({"plan": "gold-plated"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("plan:"),
        "{body}"
    );

    // Query strings: an empty value is refused where the parameter's schema refuses "".
    for q in [
        "until=",
        "since=",
        "rating=",
        "language=",
        "limit=",
        "rating=6",
        "limit=0",
        // A parameter the document does not list: a misspelt filter is not "no filter".
        "utm_source=",
        "form=review",
    ] {
        let (s, body) = api.get(&w(&format!("/items?{q}"))).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{q}: {body}");
        assert_eq!(body["error"]["code"], "invalid_query", "{q}");
    }
    for q in [
        "q=",
        "cursor=",
        "until=2026-01-31",
        "rating=5&replied=false",
    ] {
        let (s, body) = api.get(&w(&format!("/items?{q}"))).await;
        assert_eq!(s, StatusCode::OK, "{q}: {body}");
    }

    // Bodies: patterns (control characters, C1 included), lengths, formats, enums, item counts.
    let (s, loc) = api
        .post(
            &w("/locations"),
            json!({"name": "Via Roma", "timezone": "Europe/Rome"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{loc}");
    for (path, body) in [
        (
            "/reply-templates",
            json!({"name": "a\u{85}b", "body": "hi"}),
        ),
        ("/reply-templates", json!({"name": "ok", "body": "\u{10}"})),
        (
            "/reply-templates",
            json!({"name": "x".repeat(81), "body": "hi"}),
        ),
        (
            "/locations",
            json!({"name": "Bar", "timezone": "Mars/Olympus"}),
        ),
        ("/privacy/export", json!({"email": "not-an-address"})),
        ("/webhooks", json!({"url": "ftp://hooks.example.com/x"})),
    ] {
        let (s, answer) = api.post(&w(path), body.clone()).await;
        assert_eq!(
            s,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path} {body}: {answer}"
        );
        assert_eq!(answer["error"]["code"], "invalid_input", "{path}");
    }
    let (s, answer) = api
        .call(
            Method::PUT,
            &w("/alerts"),
            Some(json!({"mode": "instant", "sources": ["google", "google", "facebook", "import"], "location_ids": []})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    // Shape errors stay 400: a wrong type, an unknown field, a missing one.
    for body in [
        json!({"name": 3}),
        json!({"name": "x", "colour": "red"}),
        json!({}),
    ] {
        let (s, answer) = api.post("/workspaces", body.clone()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}: {answer}");
    }
    // JSON Schema counts 2.0 as an integer; so does the server.
    let (s, answer) = api
        .call(
            Method::PUT,
            &w("/alerts"),
            Some(json!({"mode": "instant", "max_rating": 2.0, "sources": [], "location_ids": []})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{answer}");
    let (s, answer) = api
        .post(
            &w("/reply-templates"),
            json!({"name": "Thanks", "body": "Thank you!\r\n\tBye"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{answer}");

    // A word where an id could stand: its path's methods, else 405 with Allow.
    for (method, path, allow) in [
        (Method::DELETE, "/contacts/import", "POST"),
        (Method::GET, "/items/bulk-reply", "POST"),
    ] {
        let r = crate::support::http()
            .request(method.clone(), format!("{}/api/v1{}", server.url, w(path)))
            .bearer_auth(api.token())
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        assert_eq!(r.headers()["allow"], allow, "{method} {path}");
    }
    let (s, _) = api.get(&w("/contacts")).await;
    assert_eq!(
        s,
        StatusCode::OK,
        "the word's path does not shadow its siblings"
    );
}
