//! Importing reviews from CSV: by the CLI (while `serve` runs, through its control socket) and
//! by the API; bad rows are reported by line and import nothing; re-imports change nothing.

use crate::caller::Api;
use crate::support::{Server, plaudit, text};
use reqwest::StatusCode;
use serde_json::json;

const EMAIL: &str = "admin@agency.example";
const PASSWORD: &str = "a long enough admin password";

const GOOD: &str = "location,author,rating,text,created_at,kind,reply\n\
Old Town,Ana,5,\"Lovely, truly\",2026-01-02,review,Thanks Ana!\n\
old town,Bo,2,<script>alert(1)</script> cold soup,2026-01-03T10:00:00Z,,\n\
Old Town,Cy,,Do you open on Sundays?,2026-01-04,question,\n";

const BAD: &str = "location,author,rating,text,created_at\n\
Old Town,Ana,5,fine,2026-01-02\n\
Nowhere,Bo,2,wrong place,2026-01-03\n\
Old Town,Cy,9,too many stars,2026-01-04\n\
Old Town,Di,3,no date,\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_reviews_import_by_cli_and_api_with_numbered_errors_and_idempotence() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with_env(
        dir.path(),
        "",
        &[
            ("PLAUDIT_ADMIN_EMAIL", EMAIL),
            ("PLAUDIT_ADMIN_PASSWORD", PASSWORD),
        ],
    );
    let api = Api::new(&server.url).signed_in(EMAIL, PASSWORD).await;
    let (_, ws) = api.post("/workspaces", json!({"name": "Imports"})).await;
    let ws = ws["id"].as_str().unwrap().to_string();
    let (s, _) = api
        .post(
            &format!("/workspaces/{ws}/locations"),
            json!({"name": "Old Town", "timezone": "Europe/Paris"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let config = server.config.to_str().unwrap().to_string();
    let write = |name: &str, body: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        p.to_str().unwrap().to_string()
    };
    let (good, bad) = (write("good.csv", GOOD), write("bad.csv", BAD));
    let cli = |args: &[&str]| {
        let mut all = vec!["--config", config.as_str(), "import", "reviews"];
        all.extend_from_slice(args);
        plaudit(&all, &[], None, dir.path())
    };

    // Bad rows: every one reported with its line, exit 2, nothing written.
    let out = cli(&[&bad, "--workspace", &ws]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    for line in [
        "line 3: location: `Nowhere`",
        "line 4: rating: `9`",
        "line 5: created_at",
    ] {
        assert!(stderr.contains(line), "{line} missing from:\n{stderr}");
    }
    assert!(stderr.contains("nothing was imported"));
    let count = |api: &Api| {
        let (api, ws) = (api.clone(), ws.clone());
        async move {
            api.get(&format!("/workspaces/{ws}/items?limit=200"))
                .await
                .1["items"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(count(&api).await, 0);

    // A dry run checks and writes nothing; then the import; then again: nothing changes.
    let out = cli(&[&good, "--workspace", &ws, "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(text(&out).0.contains("3 rows are fine"));
    assert_eq!(count(&api).await, 0);
    let out = cli(&[&good, "--workspace", &ws]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(
        text(&out)
            .0
            .contains("3 rows: 3 new, 0 updated, 0 unchanged"),
        "{:?}",
        text(&out)
    );
    let out = cli(&[&good, "--workspace", &ws]);
    assert!(
        text(&out)
            .0
            .contains("3 rows: 0 new, 0 updated, 3 unchanged"),
        "{:?}",
        text(&out)
    );
    let (_, items) = api
        .get(&format!("/workspaces/{ws}/items?source=import"))
        .await;
    let items = items["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 3);
    let question = items.iter().find(|i| i["kind"] == "question").unwrap();
    assert_eq!(question["text"], "Do you open on Sundays?");
    let ana = items.iter().find(|i| i["author"]["name"] == "Ana").unwrap();
    assert_eq!(ana["reply"]["text"], "Thanks Ana!");
    assert_eq!(ana["reply"]["state"], "published");
    let hostile = items.iter().find(|i| i["author"]["name"] == "Bo").unwrap();
    assert_eq!(
        hostile["text"], "<script>alert(1)</script> cold soup",
        "stored as text, escaped when shown"
    );
    // The CLI imports through the same service as the operator: audited in its name.
    let (_, audit) = api.get(&format!("/workspaces/{ws}/audit?limit=50")).await;
    let by_operator = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "items.imported" && e["actor"] == "operator")
        .count();
    assert_eq!(by_operator, 2, "two imports ran (not the dry run): {audit}");
    // An unknown workspace (malformed or not of this instance) and a missing file are usage
    // errors.
    assert_eq!(cli(&[&good, "--workspace", "0123"]).status.code(), Some(2));
    let unknown = "0".repeat(32);
    assert_eq!(
        cli(&[&good, "--workspace", &unknown]).status.code(),
        Some(2)
    );
    assert_eq!(
        cli(&["/nonexistent.csv", "--workspace", &ws]).status.code(),
        Some(2)
    );

    // The API: the same rules; imported items cannot be answered at a provider.
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/workspaces/{ws}/imports/reviews", server.url);
    let r = client
        .post(&url)
        .bearer_auth(api.token())
        .header("content-type", "text/csv")
        .body(BAD)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_rows");
    assert_eq!(body["error"]["rows"].as_array().unwrap().len(), 3, "{body}");
    let r = client
        .post(&url)
        .bearer_auth(api.token())
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let more = "location,author,rating,text,created_at\nOld Town,Eve,4,Nice terrace,2026-02-01\n";
    let r = client
        .post(format!("{url}?dry_run=true"))
        .bearer_auth(api.token())
        .header("content-type", "text/csv")
        .body(more)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(count(&api).await, 3, "dry run");
    let r = client
        .post(&url)
        .bearer_auth(api.token())
        .header("content-type", "text/csv")
        .body(more)
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["new"], 1, "{body}");
    let (s, _) = api
        .post(
            &format!(
                "/workspaces/{ws}/items/{}/reply",
                ana["id"].as_str().unwrap()
            ),
            json!({"text": "hi"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
}
