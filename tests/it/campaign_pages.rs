//! Contacts, campaigns and feedback through the browser pages (forms, uploads, CSRF), the CSV
//! import's refusals, and the stage-by-stage relay test from the CLI.

use crate::inproc::InProc;
use crate::pages::{csrf_of, signed_in};
use crate::support::{Smtp, plaudit, text, write_config};
use plaudit::domain::{Email, Role};
use reqwest::StatusCode;

const BOUNDARY: &str = "----plaudit-test-boundary";

/// A multipart/form-data body as a browser sends the upload form.
pub fn upload(csrf: &str, csv: &str, dry_run: bool) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"contacts.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n"
    );
    if dry_run {
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"dry_run\"\r\n\r\n1\r\n"
        ));
    }
    body.push_str(&format!("--{BOUNDARY}--\r\n"));
    body.into_bytes()
}

pub fn multipart() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_campaigns_and_feedback_settings_by_form() {
    let h = InProc::start(|_| {}).await;
    let (c, csrf) = signed_in(&h, "Ana").await;
    let user = h
        .store
        .users()
        .by_email(&Email::parse("ana@example.com").unwrap())
        .unwrap()
        .unwrap();
    let ws = h.workspace("Bakery", &user);
    h.add(&ws, &user, Role::Owner);
    let loc = h.location(&ws, 1);
    let base = format!("{}/w/{}", h.url, ws.id);

    let r = c
        .post(format!("{base}/contacts"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "Walk.In@Example.net"),
            ("name", "Walk In"),
            ("location", &loc.id.to_string()),
            ("consent", "opt_in"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = c
        .get(format!("{base}/contacts"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("walk.in@example.net") && page.contains("opted in"),
        "{page}"
    );
    // A bad address comes back as a readable refusal.
    let r = c
        .post(format!("{base}/contacts"))
        .form(&[("csrf", csrf.as_str()), ("email", "not an address")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()["set-cookie"].to_str().unwrap().contains("err"));

    // CSV: broken rows are listed by line and nothing is written; the report has its own
    // address (a reload shows it again, never posts the file twice).
    let follow = |r: reqwest::Response| {
        let c = c.clone();
        let url = h.url.clone();
        async move {
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
            let to = r.headers()["location"].to_str().unwrap().to_string();
            let page = c.get(format!("{url}{to}")).send().await.unwrap();
            assert_eq!(page.status(), StatusCode::OK);
            page.text().await.unwrap()
        }
    };
    let bad = "email;name;location;consent\nok@example.net;Ok;;\nbroken;Nope;;\nx@example.net;X;Nowhere;\ny@example.net;Y;;maybe\nfine@example.net;Fine;;\n";
    let r = c
        .post(format!("{base}/contacts/import"))
        .header("content-type", multipart())
        .body(upload(&csrf, bad, false))
        .send()
        .await
        .unwrap();
    let page = follow(r).await;
    assert!(
        page.contains("3 rows have problems; nothing was imported"),
        "{page}"
    );
    assert!(
        page.contains("role=\"alert\" id=\"import-result\""),
        "shown as an error: {page}"
    );
    for line in ["line 3", "line 4", "line 5"] {
        assert!(page.contains(line), "{line} in {page}");
    }
    let ok = plaudit::domain::Email::parse("ok@example.net").unwrap();
    assert!(h.store.contacts().by_email(&ws.id, &ok).unwrap().is_none());
    // "Import the 2 valid rows": the semicolon-separated file's good rows go in, once.
    assert!(page.contains("Import the 2 valid rows"), "{page}");
    let token = crate::support::token_in(&page, "name=\"upload\" value=\"");
    for _ in 0..2 {
        let r = c
            .post(format!("{base}/contacts/import/valid"))
            .form(&[("csrf", csrf.as_str()), ("upload", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let page = c
        .get(format!("{base}/contacts?upload={token}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Imported the valid rows"), "{page}");
    assert!(
        page.contains("2 new") && page.contains("3 rows were skipped"),
        "{page}"
    );
    assert!(h.store.contacts().by_email(&ws.id, &ok).unwrap().is_some());
    let fine = plaudit::domain::Email::parse("fine@example.net").unwrap();
    assert!(
        h.store
            .contacts()
            .by_email(&ws.id, &fine)
            .unwrap()
            .is_some()
    );
    // Another person cannot read the report by its address.
    let stranger = crate::support::http();
    let r = stranger
        .get(format!("{base}/contacts?upload={token}"))
        .send()
        .await
        .unwrap();
    assert!(!r.text().await.unwrap().contains("Imported the valid rows"));
    // A good file, with a repeated address (other case) and a byte-order mark.
    let good = format!(
        "\u{feff}Email,Name,Location\nok@example.net,Ok,{}\nOK@example.net,Ok Again,\nz@example.net,,\n",
        loc.name
    );
    let r = c
        .post(format!("{base}/contacts/import"))
        .header("content-type", multipart())
        .body(upload(&csrf, &good, true))
        .send()
        .await
        .unwrap();
    assert!(follow(r).await.contains("Nothing was written"));
    let z = plaudit::domain::Email::parse("z@example.net").unwrap();
    assert!(h.store.contacts().by_email(&ws.id, &z).unwrap().is_none());
    let r = c
        .post(format!("{base}/contacts/import"))
        .header("content-type", multipart())
        .body(upload(&csrf, &good, false))
        .send()
        .await
        .unwrap();
    let page = follow(r).await;
    assert!(
        page.contains("1 new") && page.contains("1 updated") && page.contains("1 repeated"),
        "{page}"
    );
    let stored = h.store.contacts().by_email(&ws.id, &ok).unwrap().unwrap();
    assert_eq!(
        (stored.name.as_str(), stored.location),
        ("Ok Again", Some(loc.id))
    );

    // A refused save shows the form again as typed, with the reason (a long template is not
    // lost to one bad field).
    let long_text = "Hi {first_name}!\n\nThank you for coming in; a long, carefully written note.\n\n{feedback_link}";
    let r = c
        .post(format!("{base}/feedback/settings"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("sender_name", "Bakery on Main"),
            ("subject", "Your visit to {location}"),
            ("body_text", long_text),
            ("brand_color", "not a colour"),
            ("postal_address", "1 Main St"),
            ("scale", "nps"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("id=\"form-problem\"") && page.contains("brand_color"),
        "{page}"
    );
    assert!(
        page.contains("a long, carefully written note"),
        "typed text kept: {page}"
    );
    assert!(page.contains("value=\"Bakery on Main\""), "{page}");
    // Feedback settings, then a campaign made, sent and shown with its funnel.
    let r = c
        .post(format!("{base}/feedback/settings"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("sender_name", "Bakery on Main"),
            ("subject", "Your visit to {location}"),
            ("body_text", "Hi {first_name}!\n\n{feedback_link}"),
            ("brand_color", "#aa3300"),
            ("postal_address", "1 Main St"),
            ("scale", "nps"),
            ("alert_on_low_score", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = c
        .get(format!("{base}/feedback"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Your visit to {location}") && page.contains("NPS, 0 to 10\" selected")
            || page.contains("value=\"nps\" selected"),
        "{page}"
    );
    // A refused campaign comes back as typed, with the reason.
    let r = c
        .post(format!("{base}/campaigns"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Spring thanks"),
            ("subject", "A word about your visit"),
            (
                "body_text",
                "Dear {first_name}, a message worth keeping.\n\n{feedback_link}",
            ),
            ("reminder_days", "three"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("reminder_days"), "{page}");
    for kept in [
        "value=\"Spring thanks\"",
        "value=\"A word about your visit\"",
        "a message worth keeping",
        "value=\"three\"",
    ] {
        assert!(page.contains(kept), "{kept} lost: {page}");
    }
    let r = c
        .post(format!("{base}/campaigns"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "After the visit"),
            ("location", ""),
            ("subject", ""),
            ("body_text", ""),
            ("reminder_days", "3"),
            ("daily_cap", ""),
            ("send_at", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with(&format!("/w/{}/campaigns/", ws.id)), "{to}");
    let page = c
        .get(format!("{}{to}", h.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("draft") && page.contains("Your visit to {location}"),
        "{page}"
    );
    // Send asks first, naming the number and the missing review link; then it goes.
    let confirm = c
        .post(format!("{}{to}/send", h.url))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(confirm.status(), StatusCode::OK);
    let confirm = confirm.text().await.unwrap();
    assert!(
        confirm.contains("This will email <strong id=\"will-mail\">4 contacts</strong>")
            && confirm.contains("Send to 4 contacts")
            && confirm.contains("no public review link"),
        "{confirm}"
    );
    assert_eq!(
        h.store
            .campaigns()
            .get(&ws.id, &to.rsplit('/').next().unwrap().parse().unwrap())
            .unwrap()
            .unwrap()
            .status
            .name(),
        "draft"
    );
    let r = c
        .post(format!("{}{to}/send", h.url))
        .form(&[
            ("csrf", csrf.as_str()),
            ("expected", "4"),
            ("without_review_link", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cid: plaudit::domain::Id<plaudit::domain::Campaign> =
        to.rsplit('/').next().unwrap().parse().unwrap();
    let store = h.store.clone();
    let wsid = ws.id;
    assert!(crate::support::wait_until(
        std::time::Duration::from_secs(20),
        || { store.campaigns().funnel(&cid).unwrap().queued == 4 }
    ));
    let page = c
        .get(format!("{}{to}", h.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Funnel") && page.contains("queued"), "{page}");
    // Without the form's proof, nothing happens.
    let r = c
        .post(format!("{}{to}/pause", h.url))
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let _ = csrf_of;
    assert_ne!(
        h.store
            .campaigns()
            .get(&wsid, &cid)
            .unwrap()
            .unwrap()
            .status
            .name(),
        "paused"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_refuses_a_broken_contacts_file_row_by_row() {
    let h = InProc::start(|_| {}).await;
    let (owner, t) = h.user("owner@example.com", false);
    let ws = h.workspace("Shop", &owner);
    let url = format!("{}/api/v1/workspaces/{}/contacts/import", h.url, ws.id);
    let c = h.http();
    let r = c
        .post(&url)
        .bearer_auth(&t)
        .header("content-type", "text/csv")
        .body("email,name\ngood@example.net,G\nbad@@example.net,B\n,Empty\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "invalid_rows");
    let lines: Vec<u64> = v["error"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![3, 4]);
    let r = c
        .post(&url)
        .bearer_auth(&t)
        .header("content-type", "text/csv")
        .body("name\nno email column\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = c
        .post(&url)
        .bearer_auth(&t)
        .header("content-type", "application/json")
        .body("[]")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let r = c
        .post(format!("{url}?dry_run=true"))
        .bearer_auth(&t)
        .header("content-type", "text/csv")
        .body("email\na@example.net\nA@example.net\n")
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        (
            v["rows"].as_u64(),
            v["duplicates"].as_u64(),
            v["created"].as_u64()
        ),
        (Some(1), Some(1), Some(0))
    );
    // A JSON body that is not an array of objects is a 400 with a reason.
    for bad in [
        "{}",
        "[1]",
        "[{\"email\": \"a@example.net\", \"extra\": 1}]",
    ] {
        let r = c
            .post(format!("{}/api/v1/workspaces/{}/contacts", h.url, ws.id))
            .bearer_auth(&t)
            .header("content-type", "application/json")
            .body(bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{bad}");
    }
}

#[test]
fn the_relay_test_names_the_stage_that_failed_and_the_likely_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(tmp.path());
    let run = |extra: &str| {
        let dir = tempfile::tempdir().unwrap();
        let config = write_config(dir.path(), extra);
        let out = plaudit(
            &[
                "admin",
                "test-email",
                "--to",
                "ops@example.net",
                "--config",
                config.to_str().unwrap(),
            ],
            &[],
            None,
            dir.path(),
        );
        let (o, e) = text(&out);
        (out.status.code(), o, e)
    };
    let (code, out, err) = run(&smtp.config());
    assert_eq!(code, Some(0), "{out}\n{err}");
    for stage in ["dns", "connect", "sender", "recipient", "data"] {
        assert!(
            out.lines()
                .any(|l| l.contains(stage) && l.trim_start().starts_with("ok")),
            "{stage}: {out}"
        );
    }
    assert!(crate::support::wait_until(
        std::time::Duration::from_secs(5),
        || smtp.messages().len() == 1
    ));

    let closed = crate::support::free_port();
    let (code, out, err) = run(&format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {closed}\nsecurity = \"none\"\ntimeout_secs = 3\n"
    ));
    assert_eq!(code, Some(1), "{out}\n{err}");
    assert!(out.contains("FAIL") && out.contains("connect"), "{out}");
    assert!(err.contains("port"), "{err}");

    // Implicit TLS against a plain server: the TLS stage fails and the hint names STARTTLS.
    let (code, out, err) = run(&format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"tls\"\ntimeout_secs = 3\n",
        smtp.port
    ));
    assert_eq!(code, Some(1), "{out}\n{err}");
    assert!(out.contains("FAIL") && out.contains("tls"), "{out}");
    assert!(err.contains("starttls"), "{err}");
    // STARTTLS against a server that does not offer it.
    let (code, out, err) = run(&format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"starttls\"\ntimeout_secs = 3\n",
        smtp.port
    ));
    assert_eq!(code, Some(1), "{out}\n{err}");
    assert!(err.contains("STARTTLS"), "{err}");
    // An unknown host fails at DNS.
    let (code, out, err) = run("[smtp]\nhost = \"relay.invalid\"\nport = 587\ntimeout_secs = 3\n");
    assert_eq!(code, Some(1), "{out}\n{err}");
    assert!(out.contains("FAIL") && out.contains("dns"), "{out}");
    // A malformed address is bad usage.
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &smtp.config());
    let out = plaudit(
        &[
            "admin",
            "test-email",
            "--to",
            "nope",
            "--config",
            config.to_str().unwrap(),
        ],
        &[],
        None,
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_cli_imports_contacts_checking_every_row_first() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let now = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let ws = plaudit::domain::Workspace {
        id: plaudit::domain::Id::generate(now),
        name: "Shop".into(),
        plan: "free".into(),
        created_at: now,
    };
    {
        let store = crate::support::open_store_for(&config, now);
        store
            .workspaces()
            .create(&ws, &plaudit::domain::Id::generate(now))
            .unwrap();
        store.flush_blocking().unwrap();
        store.close().unwrap();
    }
    let file = dir.path().join("contacts.csv");
    let run = |extra: &[&str]| {
        let mut args = vec!["import", "contacts", file.to_str().unwrap(), "--workspace"];
        let ws = ws.id.to_string();
        args.push(&ws);
        args.extend_from_slice(&["--config", config.to_str().unwrap()]);
        args.extend_from_slice(extra);
        let out = plaudit(&args, &[], None, dir.path());
        let (o, e) = text(&out);
        (out.status.code(), o, e)
    };
    std::fs::write(
        &file,
        "email,name\na@example.net,A\nnot-an-address,B\nb@example.net,B\n",
    )
    .unwrap();
    let (code, out, err) = run(&[]);
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(
        err.contains("line 3") && err.contains("nothing was imported"),
        "{err}"
    );
    let rows: String = (0..1200)
        .map(|i| format!("c{i}@example.net,C {i}\n"))
        .collect();
    std::fs::write(&file, format!("email,name\n{rows}C7@example.net,Seven\n")).unwrap();
    let (code, out, err) = run(&["--dry-run"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("1200 contacts are fine (1 repeated"), "{out}");
    let (code, out, err) = run(&[]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("1200 new"), "{out}");
    let store = crate::support::open_store_for(&config, now);
    let seven = Email::parse("c7@example.net").unwrap();
    assert_eq!(
        store
            .contacts()
            .by_email(&ws.id, &seven)
            .unwrap()
            .unwrap()
            .name,
        "Seven"
    );
}
