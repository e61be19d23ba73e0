//! Data-subject requests about a customer: the export holds every record about them and nothing
//! about anyone else; erasure removes them everywhere but a keyed hash on the suppression list;
//! a restricted contact gets no mail; only owners may ask; the CLI does the same offline.

use crate::inproc::InProc;
use crate::support::token_in;
use crate::support::{plaudit, text};
use plaudit::domain::{Email, Role};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

/// Adds `contacts` (a JSON array) to `ws` and sends them a campaign (`feedback::ask`); returns
/// the outbox once its mail is queued (start the harness with a slow outbox poll).
pub async fn mail_a_campaign(
    h: &InProc,
    api: &crate::caller::Api,
    ws: &str,
    contacts: Value,
) -> Vec<plaudit::domain::OutboxMessage> {
    let n = contacts.as_array().unwrap().len();
    let (_, r) = api
        .post(&format!("/workspaces/{ws}/contacts"), contacts)
        .await;
    assert_eq!(r["created"], n, "{r}");
    crate::feedback::ask(h, api, ws, n).await.1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_erase_and_restrict_one_customer() {
    let h = InProc::start(|c| {
        // Keep queued mail readable in the outbox: this test follows links from it.
        c.outbox.poll_interval_ms = 600_000;
    })
    .await;
    let (owner, t) = h.user("owner@agency.example", false);
    let (manager, mt) = h.user("manager@agency.example", false);
    let (_, other_t) = h.user("other@agency.example", false);
    let w = h.workspace("Bakery", &owner);
    h.add(&w, &manager, Role::Manager);
    let ws = w.id.to_string();
    let api = h.api().as_(&t);
    let mail = mail_a_campaign(
        &h,
        &api,
        &ws,
        json!([{"email": "ana.lopez@example.net", "name": "Ana Lopez"},
               {"email": "bo@example.net", "name": "Bo Berg"}]),
    )
    .await;
    let ana_mail = mail.iter().find(|m| m.to.contains("ana.lopez@")).unwrap();
    let r = h
        .http()
        .post(format!("{}/f/{}", h.url, token_in(&ana_mail.text, "/f/")))
        .form(&[("score", "4"), ("comment", "Lovely bread, slow queue")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Access: everything about Ana, nothing about Bo.
    let path = |what: &str| format!("/workspaces/{ws}/privacy/{what}");
    let (s, export) = api
        .post(&path("export"), json!({"email": "Ana.Lopez@example.net"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{export}");
    let text = export.to_string();
    assert_eq!(export["contact"]["name"], "Ana Lopez");
    assert_eq!(export["campaign_messages"].as_array().unwrap().len(), 1);
    assert_eq!(export["feedback"][0]["comment"], "Lovely bread, slow queue");
    assert_eq!(export["outgoing_mail"].as_array().unwrap().len(), 1);
    assert!(
        export["contact"]["purpose"].is_string() && export["contact"]["lawful_basis"].is_string()
    );
    assert!(
        !text.contains("bo@example.net") && !text.contains("Bo Berg"),
        "{text}"
    );
    // Only owners; another workspace's owner sees nothing.
    let (s, _) = h
        .api()
        .as_(&mt)
        .post(&path("export"), json!({"email": "ana.lopez@example.net"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = h
        .api()
        .as_(&other_t)
        .post(&path("erase"), json!({"email": "ana.lopez@example.net"}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = api
        .post(&path("erase"), json!({"email": "not an address"}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // Restriction: Bo keeps his records but gets no more mail.
    let (s, counts) = api
        .post(&path("restrict"), json!({"email": "bo@example.net"}))
        .await;
    assert_eq!(
        (s, counts["contacts"].as_u64()),
        (StatusCode::OK, Some(1)),
        "{counts}"
    );

    // Erasure: Ana's records are gone; a keyed hash keeps her from being mailed again.
    let (s, counts) = api
        .post(&path("erase"), json!({"email": "ana.lopez@example.net"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{counts}");
    assert_eq!(
        counts,
        json!({"contacts": 1, "campaign_messages": 1, "feedback": 1, "outgoing_mail": 1, "report_recipients": 0, "suppressed": 1})
    );
    let ana = Email::parse("ana.lopez@example.net").unwrap();
    assert!(h.store.contacts().by_email(&w.id, &ana).unwrap().is_none());
    let (_, after) = api
        .post(&path("export"), json!({"email": "ana.lopez@example.net"}))
        .await;
    assert!(after["contact"].is_null() && after["feedback"].as_array().unwrap().is_empty());
    assert_eq!(after["suppression"]["reason"], "erased");
    let (_, fb) = api.get(&format!("/workspaces/{ws}/feedback")).await;
    assert!(fb["items"].as_array().unwrap().is_empty());
    // The audit log records the requests without the address.
    let audit: Value = api
        .get(&format!("/workspaces/{ws}/audit?limit=200"))
        .await
        .1;
    let audit_text = audit.to_string();
    assert!(audit_text.contains("privacy.erased") && audit_text.contains("privacy.exported"));
    assert!(!audit_text.contains("ana.lopez"), "{audit_text}");

    // Added again by a till and asked again: neither Ana (erased) nor Bo (restricted) is mailed.
    api.post(
        &format!("/workspaces/{ws}/contacts"),
        json!([{"email": "ana.lopez@example.net", "name": "Ana"}, {"email": "cy@example.net"}]),
    )
    .await;
    let (_, c2) = api
        .post(
            &format!("/workspaces/{ws}/campaigns"),
            json!({"name": "Again"}),
        )
        .await;
    let c2 = c2["id"].as_str().unwrap().to_string();
    api.post(
        &format!("/workspaces/{ws}/campaigns/{c2}/send?without_review_link=true"),
        json!({}),
    )
    .await;
    let c = crate::support::until_ok(Duration::from_secs(20), "done (campaign)", async || {
        let (_, c) = api.get(&format!("/workspaces/{ws}/campaigns/{c2}")).await;
        if c["status"] == "done" { Ok(c) } else { Err(c) }
    })
    .await;
    assert_eq!(c["counts"]["queued"], 1, "only Cy: {c}");
    let to: Vec<String> = h
        .store
        .outbox()
        .all()
        .unwrap()
        .iter()
        .filter(|m| {
            m.campaign
                .as_ref()
                .is_some_and(|l| l.campaign.to_string() == c2)
        })
        .map(|m| m.to.clone())
        .collect();
    assert_eq!(to, vec!["cy@example.net".to_string()]);
}

/// The campaign's messages in the outbox, by recipient.
fn mailed_by(h: &InProc, campaign: &str) -> Vec<String> {
    let mut to: Vec<String> = h
        .store
        .outbox()
        .all()
        .unwrap()
        .iter()
        .filter(|m| {
            m.campaign
                .as_ref()
                .is_some_and(|l| l.campaign.to_string() == campaign)
        })
        .map(|m| m.to.clone())
        .collect();
    to.sort();
    to
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rectification_moves_a_customer_with_her_history_and_objection_stops_mail() {
    let h = InProc::start(|c| c.outbox.poll_interval_ms = 600_000).await;
    let (owner, t) = h.user("owner@agency.example", false);
    let (manager, mt) = h.user("manager@agency.example", false);
    let w = h.workspace("Bakery", &owner);
    h.add(&w, &manager, Role::Manager);
    let ws = w.id.to_string();
    let api = h.api().as_(&t);
    let mail = mail_a_campaign(
        &h,
        &api,
        &ws,
        json!([{"email": "ana.lopez@example.net", "name": "Ana Lopes"},
               {"email": "bo@example.net", "name": "Bo Berg"}]),
    )
    .await;
    let ana_mail = mail.iter().find(|m| m.to.contains("ana.lopez@")).unwrap();
    let r = h
        .http()
        .post(format!("{}/f/{}", h.url, token_in(&ana_mail.text, "/f/")))
        .form(&[("score", "5"), ("comment", "Crusty loaf")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let path = |what: &str| format!("/workspaces/{ws}/privacy/{what}");

    // Bad requests: nothing to change, no such contact, a bad address, a manager.
    for (body, want) in [
        (
            json!({"email": "ana.lopez@example.net"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"email": "nobody@example.net", "name": "X"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"email": "ana.lopez@example.net", "new_email": "not an address"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"email": "ana.lopez@example.net", "new_email": "BO@example.net"}),
            StatusCode::CONFLICT,
        ),
    ] {
        let (s, e) = api.post(&path("rectify"), body.clone()).await;
        assert_eq!(s, want, "{body}: {e}");
    }
    let (s, _) = h
        .api()
        .as_(&mt)
        .post(
            &path("rectify"),
            json!({"email": "ana.lopez@example.net", "name": "X"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The name, then the address.
    let (s, c) = api
        .post(
            &path("rectify"),
            json!({"email": "ana.lopez@example.net", "name": "Ana  López"}),
        )
        .await;
    assert_eq!(
        (s, c["contacts"].as_u64()),
        (StatusCode::OK, Some(1)),
        "{c}"
    );
    let (s, c) = api
        .post(
            &path("rectify"),
            json!({"email": "Ana.Lopez@example.net", "new_email": "ana@right.example"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(
        (c["feedback"].as_u64(), c["outgoing_mail"].as_u64()),
        (Some(1), Some(1)),
        "her answer moves, mail for the old address goes: {c}"
    );
    let (_, old) = api
        .post(&path("export"), json!({"email": "ana.lopez@example.net"}))
        .await;
    assert!(old["contact"].is_null(), "{old}");
    assert!(old["feedback"].as_array().unwrap().is_empty(), "{old}");
    let (_, new) = api
        .post(&path("export"), json!({"email": "ana@right.example"}))
        .await;
    assert_eq!(new["contact"]["name"], "Ana López", "{new}");
    assert_eq!(new["feedback"][0]["comment"], "Crusty loaf", "{new}");
    assert_eq!(
        new["campaign_messages"].as_array().unwrap().len(),
        1,
        "{new}"
    );
    let right = Email::parse("ana@right.example").unwrap();
    assert!(
        h.store
            .contacts()
            .by_email(&w.id, &right)
            .unwrap()
            .is_some()
    );

    // Objection: Bo keeps his records, is never mailed again, even re-added.
    let (s, c) = api
        .post(&path("object"), json!({"email": "bo@example.net"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(
        (c["contacts"].as_u64(), c["suppressed"].as_u64()),
        (Some(1), Some(1))
    );
    let (_, bo) = api
        .post(&path("export"), json!({"email": "bo@example.net"}))
        .await;
    assert_eq!(bo["contact"]["name"], "Bo Berg");
    assert_eq!(bo["suppression"]["reason"], "objected");
    api.post(
        &format!("/workspaces/{ws}/contacts"),
        json!([{"email": "bo@example.net", "name": "Bo"}]),
    )
    .await;
    let (c2, _) = crate::feedback::ask(&h, &api, &ws, 2).await;
    h.run_jobs().await;
    let to = mailed_by(&h, &c2);
    assert!(
        to.len() == 1 && to[0].contains("ana@right.example"),
        "only Ana, at her real address: {to:?}"
    );

    // Both requests are in the audit log, without the addresses.
    let audit = api
        .get(&format!("/workspaces/{ws}/audit?limit=200"))
        .await
        .1
        .to_string();
    assert!(audit.contains("privacy.rectified") && audit.contains("privacy.objected"));
    assert!(
        !audit.contains("right.example") && !audit.contains("bo@"),
        "{audit}"
    );
}

/// A data folder (under `dir`) with a workspace "Shop" holding one contact, Dee
/// (dee@example.net), for the CLI to answer requests about offline; the config and workspace.
pub fn shop_with_dee(dir: &std::path::Path) -> (std::path::PathBuf, plaudit::domain::Workspace) {
    let config = crate::support::write_config(dir, "");
    let now = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let ws = plaudit::domain::Workspace {
        id: plaudit::domain::Id::generate(now),
        name: "Shop".into(),
        plan: "standard".into(),
        created_at: now,
    };
    let store = crate::support::open_store_in(dir, now);
    store
        .workspaces()
        .create(&ws, &plaudit::domain::Id::generate(now))
        .unwrap();
    store
        .contacts()
        .upsert(plaudit::domain::Contact {
            id: plaudit::domain::Id::generate(now),
            workspace: ws.id,
            email: Email::parse("dee@example.net").unwrap(),
            name: "Dee".into(),
            location: None,
            source: "csv".into(),
            consent: Default::default(),
            created_at: now,
            last_asked_at: None,
            restricted: false,

            last_answered_at: None,

            last_campaign: None,
        })
        .unwrap();
    store.flush_blocking().unwrap();
    store.close().unwrap();
    (config, ws)
}

#[test]
fn the_cli_answers_requests_across_workspaces() {
    let dir = tempfile::tempdir().unwrap();
    let (config, ws) = shop_with_dee(dir.path());
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--config", config.to_str().unwrap()]);
        let out = plaudit(&all, &[], None, dir.path());
        let (o, e) = text(&out);
        (out.status.code(), o, e)
    };
    let (code, out, err) = run(&["privacy", "export", "--email", "DEE@example.net"]);
    assert_eq!(code, Some(0), "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[ws.id.to_string()]["contact"]["name"], "Dee");
    let (code, out, err) = run(&[
        "privacy",
        "rectify",
        "--email",
        "dee@example.net",
        "--set-name",
        "Dee Dupont",
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    let (code, out, err) = run(&["privacy", "object", "--email", "dee@example.net"]);
    assert_eq!(code, Some(0), "{out}{err}");
    let (_, out, _) = run(&["privacy", "export", "--email", "dee@example.net"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[ws.id.to_string()]["contact"]["name"], "Dee Dupont");
    assert_eq!(v[ws.id.to_string()]["suppression"]["reason"], "objected");
    for bad in [
        &["privacy", "rectify", "--email", "dee@example.net"][..],
        &[
            "privacy",
            "export",
            "--email",
            "dee@example.net",
            "--set-name",
            "X",
        ],
        &["privacy", "object", "--name", "Dee"],
    ] {
        let (code, _, err) = run(bad);
        assert_eq!(code, Some(2), "{bad:?}: {err}");
    }
    let (code, out, err) = run(&["privacy", "erase", "--email", "dee@example.net"]);
    assert_eq!(code, Some(0), "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[ws.id.to_string()]["contacts"], 1);
    let (code, _, err) = run(&["privacy", "erase", "--email", "nope"]);
    assert_eq!(code, Some(2), "{err}");
    let (code, _, _) = run(&["privacy", "forget", "--email", "dee@example.net"]);
    assert_eq!(code, Some(2));
    // Each request went through the services as the operator: audited in its name.
    let store = crate::support::open_store_in(dir.path(), time::OffsetDateTime::now_utc());
    let (entries, _) = store.audit().page(&ws.id, None, 50).unwrap();
    let by_operator: Vec<&str> = entries
        .iter()
        .filter(|e| e.actor == "operator")
        .map(|e| e.action.as_str())
        .collect();
    for action in [
        "privacy.export",
        "privacy.rectify",
        "privacy.object",
        "privacy.erase",
    ] {
        assert!(
            by_operator.contains(&action),
            "{action} not audited as the operator: {entries:?}"
        );
    }
    store.close().unwrap();
}

#[test]
fn restoring_a_backup_from_before_an_erasure_does_not_bring_the_person_back() {
    // On either backend: the restore replaces the store it backed up (a sled folder, or the
    // PostgreSQL database), and the erasure journal is replayed on it.
    let dir = tempfile::tempdir().unwrap();
    let config = crate::support::write_config(dir.path(), "");
    let now = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let ws = plaudit::domain::Workspace {
        id: plaudit::domain::Id::generate(now),
        name: "Shop".into(),
        plan: "standard".into(),
        created_at: now,
    };
    let contact = |email: &str, name: &str| plaudit::domain::Contact {
        id: plaudit::domain::Id::generate(now),
        workspace: ws.id,
        email: Email::parse(email).unwrap(),
        name: name.into(),
        location: None,
        source: "csv".into(),
        consent: Default::default(),
        created_at: now,
        last_asked_at: None,
        restricted: false,

        last_answered_at: None,

        last_campaign: None,
    };
    {
        let store = crate::support::open_store_in(dir.path(), now);
        store
            .workspaces()
            .create(&ws, &plaudit::domain::Id::generate(now))
            .unwrap();
        store
            .contacts()
            .upsert(contact("eve@example.net", "Eve"))
            .unwrap();
        store
            .contacts()
            .upsert(contact("fay@example.net", "Fay"))
            .unwrap();
        store.flush_blocking().unwrap();
        store.close().unwrap();
    }
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--config", config.to_str().unwrap()]);
        let out = plaudit(&all, &[], None, dir.path());
        let (o, e) = text(&out);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {o}{e}");
        o
    };
    let out_dir = dir.path().join("backups-out");
    let made = run(&["backup", "--out", out_dir.to_str().unwrap()]);
    let file = made.split_whitespace().next().unwrap().to_string();
    run(&["privacy", "erase", "--email", "eve@example.net"]);
    run(&["restore", "--from", &file]);
    let store = crate::support::open_store_in(dir.path(), now);
    let eve = Email::parse("eve@example.net").unwrap();
    let fay = Email::parse("fay@example.net").unwrap();
    assert!(
        store.contacts().by_email(&ws.id, &eve).unwrap().is_none(),
        "Eve stays erased"
    );
    assert_eq!(
        store
            .contacts()
            .suppression(&ws.id, &eve)
            .unwrap()
            .unwrap()
            .reason,
        plaudit::domain::SuppressionReason::Erased
    );
    assert_eq!(
        store
            .contacts()
            .by_email(&ws.id, &fay)
            .unwrap()
            .unwrap()
            .name,
        "Fay"
    );
    let journal = std::fs::read_to_string(dir.path().join("data/erasures.log")).unwrap();
    assert!(
        !journal.contains("eve"),
        "the journal holds no address: {journal}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_privacy_page_exports_and_erases_for_owners_only() {
    let h = InProc::start(|_| {}).await;
    let (c, csrf) = crate::pages::signed_in(&h, "Ana").await;
    let user = h
        .store
        .users()
        .by_email(&Email::parse("ana@example.com").unwrap())
        .unwrap()
        .unwrap();
    let ws = h.workspace("Bakery", &user);
    h.add(&ws, &user, Role::Owner);
    h.store
        .contacts()
        .upsert(plaudit::domain::Contact {
            id: plaudit::domain::Id::generate(plaudit::Clock::now(&h.clock)),
            workspace: ws.id,
            email: Email::parse("gus@example.net").unwrap(),
            name: "Gus".into(),
            location: None,
            source: "csv".into(),
            consent: Default::default(),
            created_at: plaudit::Clock::now(&h.clock),
            last_asked_at: None,
            restricted: false,

            last_answered_at: None,

            last_campaign: None,
        })
        .unwrap();
    let url = format!("{}/w/{}/privacy", h.url, ws.id);
    let page = c.get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let r = c
        .post(&url)
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "gus@example.net"),
            ("action", "export"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    let today = plaudit::Clock::now(&h.clock).date().to_string();
    assert!(
        disposition.contains("attachment")
            && disposition.contains(&format!("privacy-export-gus-example-net-{today}.json")),
        "named for who and when: {disposition}"
    );
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["contact"]["name"], "Gus");
    // An address nothing is about: said so, no file of empty lists; the same for an erasure.
    for action in ["export", "erase"] {
        let r = c
            .post(&url)
            .form(&[
                ("csrf", csrf.as_str()),
                ("email", "nobody@example.net"),
                ("action", action),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
        let page = r.text().await.unwrap();
        assert!(
            page.contains("Nothing in this workspace is about nobody@example.net"),
            "{page}"
        );
    }
    let r = c
        .post(&url)
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "gus@example.net"),
            ("action", "export_zip"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/zip");
    let files = crate::exports::unzip(&r.bytes().await.unwrap());
    assert_eq!(files["privacy-export.json"]["contact"]["name"], "Gus");
    assert!(files.contains_key("contact.csv"), "{:?}", files.keys());
    let r = c
        .post(&url)
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "gus@example.net"),
            ("action", "erase"),
        ])
        .send()
        .await
        .unwrap();
    // An erasure is previewed first: what it removes, and a confirmation.
    let preview = r.text().await.unwrap();
    assert!(
        preview.contains("Erase everything about gus@example.net?")
            && preview.contains("their contact record"),
        "{preview}"
    );
    let gus = Email::parse("gus@example.net").unwrap();
    assert!(h.store.contacts().by_email(&ws.id, &gus).unwrap().is_some());
    let expected = crate::support::token_in(&preview, "name=\"expected\" value=\"");
    let confirm = |confirm: bool| {
        let mut form = vec![
            ("csrf", csrf.clone()),
            ("email", "gus@example.net".to_string()),
            ("action", "erase".to_string()),
            ("expected", expected.clone()),
        ];
        if confirm {
            form.push(("confirm", "1".to_string()));
        }
        c.post(&url).form(&form).send()
    };
    let page = confirm(false).await.unwrap().text().await.unwrap();
    assert!(page.contains("Tick the box to confirm"), "{page}");
    assert!(h.store.contacts().by_email(&ws.id, &gus).unwrap().is_some());
    // Rectification from the form: the name, then an objection; a bad new address is explained.
    let post = |fields: Vec<(&'static str, String)>| {
        let mut form = vec![
            ("csrf", csrf.clone()),
            ("email", "gus@example.net".to_string()),
        ];
        form.extend(fields);
        c.post(&url).form(&form).send()
    };
    let r = post(vec![
        ("action", "rectify".into()),
        ("name", "Gustav Berg".into()),
    ])
    .await
    .unwrap();
    assert!(r.text().await.unwrap().contains("is corrected"));
    assert_eq!(
        h.store
            .contacts()
            .by_email(&ws.id, &gus)
            .unwrap()
            .unwrap()
            .name,
        "Gustav Berg"
    );
    let r = post(vec![
        ("action", "rectify".into()),
        ("new_email", "not-an-address".into()),
    ])
    .await
    .unwrap();
    let text = r.text().await.unwrap();
    assert!(text.contains("role=\"alert\""), "{text}");
    let r = post(vec![("action", "object".into())]).await.unwrap();
    assert!(r.text().await.unwrap().contains("no longer emailed"));
    assert!(
        h.store
            .contacts()
            .suppression(&ws.id, &gus)
            .unwrap()
            .is_some()
    );
    // The counts changed since the first preview (the objection added a suppression): the
    // old confirmation shows the preview again; the new one erases.
    let page = confirm(true).await.unwrap().text().await.unwrap();
    assert!(
        page.contains("Erase everything about gus@example.net?"),
        "{page}"
    );
    assert!(h.store.contacts().by_email(&ws.id, &gus).unwrap().is_some());
    let expected = crate::support::token_in(&page, "name=\"expected\" value=\"");
    let r = c
        .post(&url)
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "gus@example.net"),
            ("action", "erase"),
            ("expected", expected.as_str()),
            ("confirm", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("is erased"));
    assert!(h.store.contacts().by_email(&ws.id, &gus).unwrap().is_none());
    // A forged form does nothing.
    let r = c
        .post(&url)
        .form(&[
            ("csrf", "forged"),
            ("email", "gus@example.net"),
            ("action", "export"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // Reviewers: found by the name shown, exported, erased, and kept out of later syncs.
    let now = plaudit::Clock::now(&h.clock);
    let loc = h.location(&ws, 1);
    let dest = plaudit::store::Destination {
        workspace: ws.id,
        location: loc.id,
        origin: plaudit::domain::Origin::Facebook,
        feed: "ratings",
        connection: None,
        alert: false,
    };
    let rating = plaudit::domain::Fetched {
        kind: plaudit::domain::Kind::Review,
        external_id: "fb-rating-1".into(),
        parent_external_id: None,
        author: plaudit::domain::Author {
            name: "Greta Holm".into(),
            external_id: Some("fb-user-77".into()),
            ..Default::default()
        },
        rating: Some(plaudit::domain::Rating::Recommends(false)),
        text: "Cold coffee twice".into(),
        link: None,
        created_at: now,
        updated_at: now,
        reply: None,
        reply_authoritative: true,
    };
    let fetched = std::slice::from_ref(&rating);
    h.store.items().ingest(&dest, fetched, now).unwrap();
    let reviewers = format!("{url}/reviewers");
    let send = |form: Vec<(&'static str, String)>| c.post(&reviewers).form(&form).send();
    let form = |action: &str, extra: &[(&'static str, &str)]| {
        let mut f = vec![("csrf", csrf.clone()), ("action", action.to_string())];
        f.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        f
    };
    let r = send(form("export", &[("provider_id", "fb-user-77")]))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["items"][0]["text"], "Cold coffee twice", "{v}");
    let r = send(form("erase", &[("name", "")])).await.unwrap();
    assert!(r.text().await.unwrap().contains("give the reviewer"));
    // Listed first (author, location, date, first words), erased once that number is confirmed.
    let r = send(form("erase", &[("name", "greta holm")]))
        .await
        .unwrap();
    let preview = r.text().await.unwrap();
    assert!(
        preview.contains("Erase this item?")
            && preview.contains("Cold coffee twice")
            && preview.contains("name=\"expected\" value=\"1\""),
        "{preview}"
    );
    let r = send(form("erase", &[("name", "nobody at all")]))
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("nothing was erased"));
    assert_eq!(
        h.store
            .items()
            .by_author(&ws.id, Some("Greta Holm"), None)
            .unwrap()
            .len(),
        1
    );
    let r = send(form(
        "erase",
        &[("name", "greta holm"), ("confirm", "1"), ("expected", "1")],
    ))
    .await
    .unwrap();
    assert!(r.text().await.unwrap().contains("Reviews and comments: 1"));
    assert!(
        h.store
            .items()
            .by_author(&ws.id, Some("Greta Holm"), None)
            .unwrap()
            .is_empty()
    );
    let again = h.store.items().ingest(&dest, fetched, now).unwrap();
    assert_eq!(again.new, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_privacy_notice_follows_the_configuration() {
    let h = InProc::start(|c| {
        c.privacy.operator_name = Some("Example Agency <Ltd>".into());
        c.privacy.operator_contact = Some("privacy@agency.example".into());
        c.retention.feedback_days = 400;
        c.logs.retention_days = 14;
        c.smtp.host = Some("relay.agency.example".into());
    })
    .await;
    let r = h
        .http()
        .get(format!("{}/privacy", h.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers().get("set-cookie").is_none(),
        "reading the notice sets no cookie"
    );
    let body = r.text().await.unwrap();
    assert!(
        body.contains("Example Agency &lt;Ltd&gt;")
            || body.contains("Example Agency &#60;Ltd&#62;"),
        "{body}"
    );
    assert!(body.contains("mailto:privacy@agency.example"));
    assert!(body.contains("400 days") && body.contains("14 days"));
    assert!(body.contains("relay.agency.example"));
    assert!(
        !body.contains("Google (Business Profile"),
        "Google is not configured here"
    );
    assert!(body.contains("plaudit_session") && body.contains("plaudit_flash"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workspace_export_streams_everything_for_owners() {
    let h = InProc::start(|_| {}).await;
    let (owner, t) = h.user("owner@agency.example", false);
    let (manager, mt) = h.user("manager@agency.example", false);
    let w = h.workspace("Bakery", &owner);
    h.add(&w, &manager, Role::Manager);
    let loc = h.location(&w, 1);
    let ws = w.id.to_string();
    let api = h.api().as_(&t);
    let contacts: Vec<Value> = (0..450)
        .map(|i| json!({"email": format!("c{i}@example.net"), "name": format!("C {i}")}))
        .collect();
    api.post(
        &format!("/workspaces/{ws}/contacts"),
        Value::Array(contacts),
    )
    .await;
    api.post(
        &format!("/workspaces/{ws}/campaigns"),
        json!({"name": "Draft"}),
    )
    .await;
    let url = format!("{}/api/v1/workspaces/{ws}/export", h.url);
    let r = h.http().get(&url).bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["workspace"]["name"], "Bakery");
    assert_eq!(v["locations"][0]["name"], loc.name);
    assert_eq!(
        v["contacts"].as_array().unwrap().len(),
        450,
        "every page of contacts"
    );
    assert_eq!(v["campaigns"].as_array().unwrap().len(), 1);
    assert_eq!(v["members"].as_array().unwrap().len(), 2);
    assert!(v["items"].as_array().unwrap().is_empty());
    let r = h.http().get(&url).bearer_auth(&mt).send().await.unwrap();
    assert_eq!(
        r.status(),
        403,
        "managers may not take the whole workspace away"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_download_their_own_data() {
    let h = InProc::start(|_| {}).await;
    let (owner, t) = h.user("owner@agency.example", false);
    let w = h.workspace("Bakery", &owner);
    let api = h.api().as_(&t);
    api.post(
        &format!("/workspaces/{}/contacts", w.id),
        json!([{"email": "x@example.net"}]),
    )
    .await;
    let (s, v) = api.get("/me/export").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["account"]["email"], "owner@agency.example");
    assert!(v["account"].get("password_hash").is_none(), "{v}");
    assert_eq!(v["workspaces"][0]["name"], "Bakery");
    assert_eq!(v["workspaces"][0]["role"], "owner");
    let actions = v["workspaces"][0]["actions"].as_array().unwrap();
    assert!(
        actions.iter().any(|a| a["action"] == "contacts.added"),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_account_leaves_no_address_in_the_logs() {
    use plaudit::Clock;
    use plaudit::store::RequestRecord;
    let h = InProc::start(|_| {}).await;
    let (owner, t) = h.user("owner@agency.example", false);
    let (leaver, lt) = h.user("leaver@agency.example", false);
    let w = h.workspace("Bakery", &owner);
    h.add(&w, &leaver, Role::Manager);
    let ws = w.id.to_string();
    // Something the leaver did, and something done to them, both in the audit log.
    let (s, _) = h
        .api()
        .as_(&lt)
        .post(
            &format!("/workspaces/{ws}/contacts"),
            json!([{"email": "x@example.net"}]),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let entry = |actor: &str, label: &str, target: &str| plaudit::domain::AuditEntry {
        at: h.clock.now(),
        actor: actor.into(),
        actor_label: label.into(),
        action: "members.added".into(),
        target: target.into(),
        ip: "198.51.100.9".into(),
    };
    h.store
        .audit()
        .append(
            &w.id,
            &entry(
                &format!("user:{}", owner.id),
                "owner@agency.example",
                "leaver@agency.example as manager",
            ),
        )
        .unwrap();
    // The request log: the leaver signed in from 203.0.113.7 (an anonymous request first).
    let record = |client: &str, user: Option<String>| RequestRecord {
        at: h.clock.now(),
        client: client.into(),
        method: "GET".into(),
        path: "/inbox".into(),
        status: 200,
        bytes: 10,
        latency_us: 5,
        user_agent: "test".into(),
        referrer: String::new(),
        user,
        acted: None,
    };
    h.store
        .traffic()
        .append(&[
            record("203.0.113.7", None),
            record("203.0.113.7", Some(format!("user:{}", leaver.id))),
            record("192.0.2.1", Some(format!("user:{}", owner.id))),
        ])
        .unwrap();

    let (s, v) = h
        .api()
        .as_(&lt)
        .call(
            reqwest::Method::DELETE,
            "/me",
            Some(json!({"password": ""})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");

    let log = h.store.traffic().recent(100).unwrap();
    assert!(log.iter().all(|r| r.client != "203.0.113.7"), "{log:?}");
    assert!(
        log.iter().any(|r| r.client == "192.0.2.1"),
        "others' requests stay"
    );
    let audit = h
        .api()
        .as_(&t)
        .get(&format!("/workspaces/{ws}/audit?limit=200"))
        .await
        .1;
    let text = audit.to_string();
    assert!(!text.contains("leaver@agency.example"), "{text}");
    let theirs: Vec<&Value> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor"] == format!("user:{}", leaver.id))
        .collect();
    assert!(!theirs.is_empty(), "their actions stay in the log: {text}");
    assert!(
        theirs
            .iter()
            .all(|e| e["ip"] == "" && e["actor_label"] == "a deleted user"),
        "{text}"
    );
    assert!(
        text.contains("198.51.100.9"),
        "the owner's entry keeps its address: {text}"
    );
}
