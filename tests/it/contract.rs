//! The API against its own OpenAPI document, fuzzed by schemathesis (a property-based tester
//! from PyPI that scripts/test installs) with every check on, against the real server seeded
//! with a workspace, a location and an API key.

use crate::support::{Server, http};
use serde_json::{Value, json};
use std::process::Command;

/// Operations left out of the run, each with its reason. Everything else runs every check.
const EXCLUDED: &[(&str, &str)] = &[
    (
        "/api/v1/auth/logout",
        "revokes the session token every later request of the run signs in with",
    ),
    (
        "/api/v1/me/password",
        "a changed password signs out every earlier session, the run's own included",
    ),
    (
        "/api/v1/workspaces/{ws}/imports/reviews",
        "its body is a CSV file, which a schema can only call a string: random strings are bad rows (422); tests/it/imports.rs covers it",
    ),
    (
        "/api/v1/me",
        "DELETE deletes the account the run signs in as (GET and PATCH are exercised by other tests)",
    ),
];

/// Single operations left out, each with its reason.
const EXCLUDED_OPERATIONS: &[(&str, &str)] = &[(
    "DELETE /api/v1/workspaces/{ws}",
    "deletes the seeded workspace every other operation of the run works in",
)];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_contract_violation() {
    if Command::new("python3")
        .args(["-c", "import schemathesis"])
        .status()
        .map(|s| !s.success())
        .unwrap_or(true)
    {
        panic!("schemathesis is missing: run scripts/test, which installs it");
    }
    let tmp = tempfile::tempdir().unwrap();
    // Loopback on the allow-list: the fuzzer's attack-shaped strings still meet the WAF, but
    // bans and rate limits stay out of the way of the contract.
    // A Google client id, so that connections can be started (no call leaves the machine:
    // starting one only builds the authorisation address).
    let extra = "[security]\nallow_list = [\"127.0.0.1/32\"]\n[logs]\naccess_log = \"off\"\n\
                 [providers.google]\nclient_id = \"contract-client\"\nclient_secret = \"contract-secret\"\n";
    let server = Server::start_with_env(
        tmp.path(),
        extra,
        &[
            ("PLAUDIT_ADMIN_EMAIL", "admin@example.com"),
            ("PLAUDIT_ADMIN_PASSWORD", "a long admin password"),
        ],
    );
    let c = http();
    let api = |p: &str| format!("{}/api/v1{p}", server.url);
    let admin = crate::caller::Api::new(&server.url)
        .signed_in("admin@example.com", "a long admin password")
        .await;
    let token = admin.token().to_string();
    let (_, ws) = admin.post("/workspaces", json!({"name": "Seed"})).await;
    let ws = ws["id"].as_str().unwrap().to_string();
    let w = |p: &str| format!("/workspaces/{ws}{p}");
    let mut ids = std::collections::BTreeMap::new();
    for (name, path, body) in [
        (
            "loc",
            "/locations",
            json!({"name": "Via Roma", "timezone": "Europe/Rome"}),
        ),
        (
            "key",
            "/api-keys",
            json!({"name": "till", "scopes": ["read"]}),
        ),
        (
            "invitation",
            "/members",
            json!({"email": "luca@example.com", "role": "viewer"}),
        ),
        ("campaign", "/campaigns", json!({"name": "Spring"})),
        (
            "template",
            "/reply-templates",
            json!({"name": "Thanks", "body": "Thank you, {first_name}!"}),
        ),
        (
            "webhook",
            "/webhooks",
            json!({"url": "https://hooks.example.com/plaudit"}),
        ),
        ("connection", "/connections", json!({"provider": "google"})),
        (
            "report_plan",
            "/report-plans",
            json!({"name": "Monthly", "emails": ["client@example.com"], "every": "month", "day": 1}),
        ),
    ] {
        let (status, made) = admin.post(&w(path), body).await;
        assert!(status.is_success(), "seeding {path}: {status} {made}");
        if let Some(id) = made["id"].as_str() {
            ids.insert(name, id.to_string());
        }
    }
    let (status, rule) = admin
        .post(
            &w("/auto-rules"),
            json!({"name": "Five stars", "stars": [5], "template": ids["template"]}),
        )
        .await;
    assert!(status.is_success(), "seeding /auto-rules: {status} {rule}");
    ids.insert("auto_rule", rule["id"].as_str().unwrap().to_string());
    let (status, _) = admin
        .post(
            &w("/contacts"),
            json!([{"email": "ada@example.com", "name": "Ada"}]),
        )
        .await;
    assert!(status.is_success(), "seeding contacts: {status}");
    let (_, contacts) = admin.get(&w("/contacts")).await;
    ids.insert(
        "contact",
        contacts["items"][0]["id"].as_str().unwrap().into(),
    );
    let csv = "location,author,rating,text,created_at\nVia Roma,Ada,2,Cold soup,2026-02-01\n";
    let r = c
        .post(api(&w("/imports/reviews")))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "seeding a review: {}", r.status());
    let (_, items) = admin.get(&w("/items")).await;
    ids.insert("item", items["items"][0]["id"].as_str().unwrap().into());
    // The members' routes act on a member: the admin, the one member there is.
    let (_, me) = admin.get("/me").await;
    ids.insert("user", me["id"].as_str().unwrap().into());
    std::fs::write(tmp.path().join("schemathesis.toml"), config(&ws, &ids)).unwrap();
    // The document carries the shapes from the types, with this instance's plans filled in.
    let doc: Value = c
        .get(api("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list = &doc["paths"]["/api/v1/workspaces"]["get"];
    let items =
        &list["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["items"];
    assert_eq!(
        items["items"]["properties"]["id"]["pattern"],
        "^[0-9a-f]{32}$"
    );
    let patch = &doc["paths"]["/api/v1/workspaces/{ws}"]["patch"]["requestBody"]["content"]["application/json"]
        ["schema"]["properties"];
    assert_eq!(patch["name"]["maxLength"], 120);
    assert!(
        patch["plan"].to_string().contains("\"standard\""),
        "{}",
        patch["plan"]
    );
    // A fixed seed keeps CI repeatable; PLAUDIT_CONTRACT_SEED and PLAUDIT_CONTRACT_EXAMPLES
    // widen a run by hand (a failure prints the seed that found it).
    let seed = std::env::var("PLAUDIT_CONTRACT_SEED").unwrap_or_else(|_| "7".into());
    let examples = std::env::var("PLAUDIT_CONTRACT_EXAMPLES").unwrap_or_else(|_| "25".into());
    let mut cmd = Command::new("python3");
    cmd.args(["-m", "schemathesis.cli", "run", &api("/openapi.json")])
        .args([
            "--checks",
            "all",
            "--max-examples",
            &examples,
            "--seed",
            &seed,
        ])
        .args(["--request-timeout", "20", "--no-shrink"])
        .args(["--header", &format!("Authorization: Bearer {token}")]);
    for (path, _reason) in EXCLUDED {
        cmd.args(["--exclude-path", path]);
    }
    for (name, _reason) in EXCLUDED_OPERATIONS {
        cmd.args(["--exclude-name", name]);
    }
    // Generating bodies with several not-blank text patterns at once is slow for hypothesis;
    // the check that says so is about the generator, not about the API.
    cmd.arg("--suppress-health-check=too_slow");
    let out = cmd.current_dir(tmp.path()).output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    // Shown with --no-capture: how many operations reached their logic (the warnings say which
    // kept answering 404 for want of data).
    println!("{report}");
    assert!(
        out.status.success(),
        "schemathesis (seed {seed}) found problems:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Answers the document cannot promise: a body naming an object that is not in the workspace,
/// a rule between two fields, a setting of this instance. The API answers them 422 with the
/// field and the reason (API.md: 422 is for input that is well-formed but cannot be done).
const REFUSED_BY_MEANING: &[(&str, &str)] = &[
    (
        "GET /api/v1/workspaces/{ws}/stats",
        "`from` after `to`, or a period over the longest one",
    ),
    (
        "GET /api/v1/workspaces/{ws}/report.pdf",
        "`from` after `to`, or a period over the longest one",
    ),
    (
        "POST /api/v1/workspaces/{ws}/report-plans",
        "a client address that is not one, a member or location not of this workspace, a weekday over 7, a time zone that does not exist, no recipient at all",
    ),
    (
        "PUT /api/v1/workspaces/{ws}/report-plans/{id}",
        "a client address that is not one, a member or location not of this workspace, a weekday over 7, a time zone that does not exist, no recipient at all",
    ),
    (
        "POST /api/v1/workspaces/{ws}/auto-rules",
        "a reply template or location not of this workspace",
    ),
    (
        "PUT /api/v1/workspaces/{ws}/auto-rules/{id}",
        "a reply template or location not of this workspace",
    ),
    (
        "PUT /api/v1/workspaces/{ws}/branding",
        "a Reply-To that is not an address, a logo that is not a PNG or JPEG of at most 200 KB",
    ),
    (
        "POST /api/v1/workspaces/{ws}/campaigns",
        "a location that is not in this workspace",
    ),
    (
        "PUT /api/v1/workspaces/{ws}/campaigns/{id}",
        "a location that is not in this workspace; a campaign already sent",
    ),
    (
        "POST /api/v1/workspaces/{ws}/connections",
        "a provider this instance has no client id for",
    ),
    (
        "POST /api/v1/workspaces/{ws}/contacts/import",
        "a CSV file's rows (a schema can only call it a string)",
    ),
    (
        "POST /api/v1/workspaces/{ws}/items/bulk-reply",
        "a reply template that is not in this workspace",
    ),
    (
        "POST /api/v1/workspaces/{ws}/privacy/rectify",
        "an address no contact of this workspace has",
    ),
    (
        "POST /api/v1/workspaces/{ws}/webhooks",
        "plain http or a private address where this instance refuses them",
    ),
    (
        "PUT /api/v1/workspaces/{ws}/alerts",
        "a location that is not in this workspace",
    ),
    (
        "PUT /api/v1/workspaces/{ws}/items/{id}/assignee",
        "a user who is not a member of this workspace",
    ),
    (
        "PUT /api/v1/workspaces/{ws}/locations/{loc}/sources",
        "a connection that is not in this workspace",
    ),
    (
        "PATCH /api/v1/workspaces/{ws}/members/{user}",
        "the workspace's last owner cannot be demoted",
    ),
    (
        "DELETE /api/v1/workspaces/{ws}/members/{user}",
        "the workspace's last owner cannot be removed",
    ),
    (
        "POST /api/v1/workspaces/{ws}/connections/{id}/sync",
        "a connection not signed in at the provider yet",
    ),
    (
        "GET /api/v1/workspaces/{ws}/connections/{id}/remote-locations",
        "a connection not signed in at the provider yet",
    ),
];

/// schemathesis.toml: the seeded objects' ids, so that operations reach their logic instead of
/// answering 404 for random ids, and the operations whose refusals depend on meaning.
fn config(ws: &str, ids: &std::collections::BTreeMap<&str, String>) -> String {
    let mut out = format!(
        "[parameters]\n\"path.ws\" = \"{ws}\"\n\"path.loc\" = \"{}\"\n\"path.user\" = \"{}\"\n",
        ids["loc"], ids["user"]
    );
    // Not to the deletes: the first would remove the object every later operation on it needs
    // (schemathesis runs a path's DELETE first). They get ids through the document's links,
    // from a create or a list, in the stateful phase.
    for (segment, id) in [
        ("api-keys", "key"),
        ("campaigns", "campaign"),
        ("connections", "connection"),
        ("contacts", "contact"),
        ("invitations", "invitation"),
        ("items", "item"),
        ("reply-templates", "template"),
        ("report-plans", "report_plan"),
        ("auto-rules", "auto_rule"),
        ("webhooks", "webhook"),
    ] {
        if let Some(id) = ids.get(id) {
            out.push_str(&format!(
                "\n[[operations]]\ninclude-path-regex = \"/{segment}/\\\\{{id\\\\}}\"\nexclude-method = \"DELETE\"\nparameters = {{ \"path.id\" = \"{id}\" }}\n"
            ));
        }
    }
    for (name, _why) in REFUSED_BY_MEANING {
        out.push_str(&format!(
            "\n[[operations]]\ninclude-name = \"{name}\"\nchecks.positive_data_acceptance.expected-statuses = [\"2xx\", \"401\", \"403\", \"404\", \"409\", \"422\"]\n"
        ));
    }
    out
}
