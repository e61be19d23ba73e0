//! Exports as ZIP archives (`?format=zip`, `plaudit privacy export --zip`), read back by
//! Python's zipfile and csv modules: a reader this project did not write. Every archive holds
//! the same JSON document as the JSON form and a CSV per table, safe to open in a spreadsheet.

use crate::inbox::{ingest, review};
use crate::inproc::InProc;
use crate::support::{plaudit, text};
use plaudit::domain::Origin;
use serde_json::{Value, json};
use std::io::Write;

/// What Python finds in `zip`: `{name: content}` (JSON parsed, CSV as rows of cells, text as
/// is), after `testzip` has checked every entry's CRC.
pub fn unzip(zip: &[u8]) -> serde_json::Map<String, Value> {
    const READ: &str = r#"
import csv, io, json, sys, zipfile
z = zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read()))
bad = z.testzip()
assert bad is None, "bad entry: %s" % bad
out = {}
for info in z.infolist():
    data = z.read(info).decode("utf-8")
    if info.filename.endswith(".json"):
        out[info.filename] = json.loads(data)
    elif info.filename.endswith(".csv"):
        out[info.filename] = list(csv.reader(io.StringIO(data, newline="")))
    else:
        out[info.filename] = data
json.dump(out, sys.stdout)
"#;
    let mut child = std::process::Command::new("python3")
        .args(["-c", READ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    child.stdin.take().unwrap().write_all(zip).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "python could not read the archive: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    match serde_json::from_slice(&out.stdout).unwrap() {
        Value::Object(m) => m,
        other => panic!("{other}"),
    }
}

/// The rows of a CSV table as maps from its header.
fn rows(table: &Value) -> Vec<serde_json::Map<String, Value>> {
    let all = table.as_array().expect("a table");
    let header: Vec<&str> = all[0]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    all[1..]
        .iter()
        .map(|r| {
            header
                .iter()
                .zip(r.as_array().unwrap())
                .map(|(h, c)| (h.to_string(), c.clone()))
                .collect()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workspace_exports_as_a_zip_of_its_json_and_a_table_per_list() {
    let h = InProc::start(|c| c.poller.enabled = false).await;
    let (owner, t) = h.user("owner@agency.example", false);
    let (manager, mt) = h.user("manager@agency.example", false);
    let w = h.workspace("Bakery", &owner);
    h.add(&w, &manager, plaudit::domain::Role::Manager);
    let loc = h.location(&w, 1);
    let ws = w.id.to_string();
    let api = h.api().as_(&t);
    let contacts: Vec<Value> = (0..250)
        .map(|i| json!({"email": format!("c{i}@example.net"), "name": format!("C {i}")}))
        .collect();
    api.post(
        &format!("/workspaces/{ws}/contacts"),
        Value::Array(contacts),
    )
    .await;
    let now = time::OffsetDateTime::now_utc();
    // More items than one page, with text a spreadsheet would run, quotes, commas, new lines
    // and markup.
    let hostile = "=HYPERLINK(\"http://evil.example\",\"click\")";
    let mut batch = vec![
        review("hostile", 1, hostile, "Mallory", now, None),
        review(
            "tricky",
            4,
            "Good, \"really\"\nsecond line <script>alert(1)</script>",
            "Ann, B.",
            now,
            Some(("@Ann thank you", now)),
        ),
    ];
    batch.extend((0..230).map(|i| review(&format!("r{i}"), 5, "Lovely", "Someone", now, None)));
    ingest(&h.store, &w.id, &loc, Origin::Google, &batch);

    let url = format!("{}/api/v1/workspaces/{ws}/export", h.url);
    let json_form: Value = h
        .http()
        .get(&url)
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = h
        .http()
        .get(format!("{url}?format=zip"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/zip");
    let disposition = r.headers()["content-disposition"].to_str().unwrap();
    assert!(
        disposition.contains(&format!("plaudit-workspace-{ws}.zip")),
        "{disposition}"
    );
    let files = unzip(&r.bytes().await.unwrap());

    let json_name = format!("plaudit-workspace-{ws}.json");
    assert_eq!(
        files[&json_name], json_form,
        "the archive's JSON is the JSON export"
    );
    assert!(files["README.txt"].as_str().unwrap().contains(&json_name));
    for table in [
        "workspace.csv",
        "locations.csv",
        "members.csv",
        "contacts.csv",
        "items.csv",
    ] {
        assert!(files.contains_key(table), "{table} in {:?}", files.keys());
    }
    let contacts = rows(&files["contacts.csv"]);
    assert_eq!(contacts.len(), 250, "every page of contacts");
    let mut emails: Vec<&str> = contacts
        .iter()
        .map(|c| c["email"].as_str().unwrap())
        .collect();
    emails.sort();
    emails.dedup();
    assert_eq!(emails.len(), 250, "no contact twice");
    assert_eq!(rows(&files["members.csv"]).len(), 2);
    assert_eq!(rows(&files["locations.csv"])[0]["name"], loc.name);
    assert_eq!(rows(&files["workspace.csv"])[0]["name"], "Bakery");

    let items = rows(&files["items.csv"]);
    assert_eq!(items.len(), 232, "every page of items");
    let by_text = |needle: &str| {
        items
            .iter()
            .find(|i| i["text"].as_str().unwrap().contains(needle))
            .unwrap_or_else(|| panic!("no item with {needle}"))
            .clone()
    };
    let h1 = by_text("HYPERLINK");
    assert_eq!(
        h1["text"].as_str().unwrap(),
        format!("'{hostile}"),
        "a formula is defused, and otherwise kept whole"
    );
    let h2 = by_text("second line");
    assert_eq!(
        h2["text"],
        "Good, \"really\"\nsecond line <script>alert(1)</script>"
    );
    assert!(
        h2["reply"].as_str().unwrap().contains("@Ann thank you"),
        "nested values are JSON text: {}",
        h2["reply"]
    );
    assert!(h2.contains_key("notes"), "notes ride along: {h2:?}");

    let r = h
        .http()
        .get(format!("{url}?format=zip"))
        .bearer_auth(&mt)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        403,
        "managers may not take the whole workspace away"
    );
    let r = h
        .http()
        .get(format!("{url}?format=xlsx"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "an unknown format is refused");
    let e: Value = r.json().await.unwrap();
    assert!(
        e["error"]["message"].as_str().unwrap().contains("zip"),
        "names the formats it takes: {e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_persons_export_and_an_account_export_come_as_zips_too() {
    let h = InProc::start(|c| c.poller.enabled = false).await;
    let (owner, t) = h.user("owner@agency.example", false);
    let w = h.workspace("Bakery", &owner);
    let loc = h.location(&w, 1);
    let ws = w.id.to_string();
    let api = h.api().as_(&t);
    api.post(
        &format!("/workspaces/{ws}/contacts"),
        json!([{"email": "dee@example.net", "name": "+Dee"}, {"email": "eve@example.net", "name": "Eve"}]),
    )
    .await;
    let now = time::OffsetDateTime::now_utc();
    ingest(
        &h.store,
        &w.id,
        &loc,
        Origin::Google,
        &[
            review("a", 2, "Cold coffee", "Zed Reviewer", now, None),
            review("b", 5, "Other person", "Someone Else", now, None),
        ],
    );
    let post_zip = |path: String, body: Value| {
        let req = h
            .http()
            .post(format!("{}/api/v1{path}?format=zip", h.url))
            .bearer_auth(&t)
            .json(&body);
        async move {
            let r = req.send().await.unwrap();
            assert_eq!(r.status(), 200);
            assert_eq!(r.headers()["content-type"], "application/zip");
            unzip(&r.bytes().await.unwrap())
        }
    };

    let files = post_zip(
        format!("/workspaces/{ws}/privacy/export"),
        json!({"email": "dee@example.net"}),
    )
    .await;
    let doc = &files["plaudit-export.json"];
    assert_eq!(doc["contact"]["email"], "dee@example.net");
    let contact = rows(&files["contact.csv"]);
    assert_eq!(contact.len(), 1);
    assert_eq!(
        contact[0]["name"], "'+Dee",
        "formula-like names are defused"
    );
    assert_eq!(contact[0]["email"], "dee@example.net");
    let all = serde_json::to_string(&files).unwrap();
    assert!(!all.contains("eve@example.net"), "nobody else: {all}");

    let files = post_zip(
        format!("/workspaces/{ws}/privacy/reviewers/export"),
        json!({"name": "Zed Reviewer"}),
    )
    .await;
    let all = serde_json::to_string(&files).unwrap();
    assert!(all.contains("Cold coffee"), "{all}");
    assert!(!all.contains("Other person"), "nobody else: {all}");
    let tables: Vec<&String> = files.keys().filter(|k| k.ends_with(".csv")).collect();
    assert!(!tables.is_empty(), "{:?}", files.keys());

    let r = h
        .http()
        .get(format!("{}/api/v1/me/export?format=zip", h.url))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let files = unzip(&r.bytes().await.unwrap());
    assert_eq!(
        files["plaudit-account.json"]["account"]["email"],
        "owner@agency.example"
    );
    assert!(files.contains_key("account.csv"), "{:?}", files.keys());
    assert!(files.contains_key("workspaces.csv"), "{:?}", files.keys());
}

#[test]
fn the_cli_writes_a_private_zip_and_refuses_zip_with_other_requests() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (config, ws) = crate::privacy::shop_with_dee(dir.path());
    let out_file = dir.path().join("dee.zip");
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--config", config.to_str().unwrap()]);
        let out = plaudit(&all, &[], None, dir.path());
        let (o, e) = text(&out);
        (out.status.code(), o, e)
    };
    let zip = out_file.to_str().unwrap();
    let (code, out, err) = run(&[
        "privacy",
        "export",
        "--email",
        "dee@example.net",
        "--zip",
        zip,
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    let mode = std::fs::metadata(&out_file).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "the archive is private: {mode:o}");
    let files = unzip(&std::fs::read(&out_file).unwrap());
    let id = ws.id.to_string();
    assert_eq!(
        files["plaudit-privacy-export.json"][&id]["contact"]["name"],
        "Dee"
    );
    let contact = rows(&files[&format!("{id}/contact.csv")]);
    assert_eq!(contact[0]["email"], "dee@example.net");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    let (code, _, err) = run(&[
        "privacy",
        "erase",
        "--email",
        "dee@example.net",
        "--zip",
        zip,
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--zip goes with export"), "{err}");
    let missing = dir.path().join("no-such-folder").join("x.zip");
    let (code, _, err) = run(&[
        "privacy",
        "export",
        "--email",
        "dee@example.net",
        "--zip",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("cannot write"), "{err}");
}
