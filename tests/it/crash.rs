//! Deletion and crashes: a deleted workspace is answered at once and purged completely, in
//! chunks that resume after a kill; an invitation is never stored without its email.

use crate::inproc::InProc;
use plaudit::Clock;
use plaudit::domain::{AuditEntry, Id, Role};
use plaudit::store::PageRequest;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_workspace_answers_at_once_and_housekeeping_leaves_nothing() {
    let h = InProc::start(|_| {}).await;
    let (owner, t) = h.user("owner@example.com", false);
    let ws = h.workspace("Big", &owner);
    let keep = h.workspace("Kept", &owner);
    // 100,000 records: audit entries, locations and members.
    let entry = |n: usize| AuditEntry {
        at: h.clock.now() + time::Duration::milliseconds(n as i64),
        actor: "system".into(),
        actor_label: "fixture".into(),
        action: "fixture".into(),
        target: n.to_string(),
        ip: String::new(),
    };
    for n in 0..95_000 {
        h.store.audit().append(&ws.id, &entry(n)).unwrap();
    }
    for n in 0..4_000 {
        h.location(&ws, n);
    }
    for n in 0..1_000 {
        h.store
            .workspaces()
            .add_member(
                &ws.id,
                &Id::generate(h.clock.now()),
                if n % 2 == 0 {
                    Role::Viewer
                } else {
                    Role::Owner
                },
            )
            .unwrap();
    }
    h.store.audit().append(&keep.id, &entry(0)).unwrap();
    // Customers and a sent campaign, whose recipients are keyed by the campaign, not the
    // workspace; the kept workspace has a customer too.
    let api = h.api().as_(&t);
    let customers = json!([{"email": "ann@example.org", "name": "Ann Ek"},
                           {"email": "bert@example.org"}]);
    let mail = crate::privacy::mail_a_campaign(&h, &api, &ws.id.to_string(), customers).await;
    let sent: Vec<_> = mail.iter().filter_map(|m| m.campaign.clone()).collect();
    assert_eq!(sent.len(), 2);
    let (_, r) = api
        .post(
            &format!("/workspaces/{}/contacts", keep.id),
            json!([{"email": "ann@example.org", "name": "Ann Ek"}]),
        )
        .await;
    assert_eq!(r["created"], 1, "{r}");
    let c = h.http();
    let url = format!("{}/api/v1/workspaces/{}", h.url, ws.id);
    let started = std::time::Instant::now();
    let r = c.delete(&url).bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.status(), 204);
    // "At once" here means it does not scale with the records: a handful of writes.
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(
        c.get(&url).bearer_auth(&t).send().await.unwrap().status(),
        404
    );
    assert!(h.store.purge().leftovers(&ws.id).unwrap() > 0);
    // Kept through the grace period (30 days by default) for the operator to undo.
    let purge = |store: &plaudit::store::Store, chunks, days| {
        let at = h.clock.now() + time::Duration::days(days);
        plaudit::workers::housekeeping::purge_deleted_workspaces(store, chunks, at).unwrap()
    };
    assert_eq!(purge(&h.store, usize::MAX, 29), 0);

    // A purge interrupted after a few chunks (as a kill would) resumes where it stopped.
    let store = h.store.clone();
    let at = h.clock.now() + time::Duration::days(31);
    let partial = tokio::task::spawn_blocking(move || {
        plaudit::workers::housekeeping::purge_deleted_workspaces(&store, 3, at)
    })
    .await
    .unwrap()
    .unwrap();
    assert!((1..=3_000).contains(&partial), "{partial}");
    assert!(h.store.purge().leftovers(&ws.id).unwrap() > 90_000);
    let store = h.store.clone();
    tokio::task::spawn_blocking(move || {
        plaudit::workers::housekeeping::purge_deleted_workspaces(&store, usize::MAX, at)
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(h.store.purge().leftovers(&ws.id).unwrap(), 0);
    assert!(h.store.purge().deleted().unwrap().is_empty());
    for m in &sent {
        let r = h.store.campaigns().recipient(&m.campaign, &m.contact);
        assert!(
            r.unwrap().is_none(),
            "a recipient of the deleted workspace is left"
        );
    }
    // The other workspace is untouched.
    let ann = plaudit::domain::Email::parse("ann@example.org").unwrap();
    let kept_ann = h.store.contacts().by_email(&keep.id, &ann).unwrap();
    assert_eq!(kept_ann.unwrap().name, "Ann Ek");
    let kept = h.store.audit().page(&keep.id, None, 10).unwrap().0;
    assert_eq!(kept.len(), 2, "the fixture entry and the contact import's");
    assert!(kept.iter().any(|e| e.action == "fixture"));
    let mine = h
        .store
        .workspaces()
        .of_user(&owner.id, &PageRequest::first(10))
        .unwrap();
    assert_eq!(mine.items.len(), 1);
}

/// A deleted workspace is gone for everyone at once, but the operator can bring it back, as
/// it was, until its purge time; after that it cannot be, and the purge takes everything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_workspace_can_be_brought_back_until_its_purge_time() {
    use plaudit::services::{Error, workspaces};
    let h = InProc::start(|_| {}).await;
    let (owner, t) = h.user("owner@example.com", false);
    let ws = h.workspace("Bakery", &owner);
    h.location(&ws, 1);
    let api = h.api().as_(&t);
    let (_, r) = api
        .post(
            &format!("/workspaces/{}/contacts", ws.id),
            json!([{"email": "dora@example.org", "name": "Dora"}]),
        )
        .await;
    assert_eq!(r["created"], 1, "{r}");
    let c = h.http();
    let url = format!("{}/api/v1/workspaces/{}", h.url, ws.id);
    assert_eq!(
        c.delete(&url)
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        c.get(&url).bearer_auth(&t).send().await.unwrap().status(),
        404
    );
    let listed = workspaces::deleted(&h.store).unwrap();
    assert_eq!(listed[0]["name"], "Bakery", "{listed}");
    let day = |n: i64| h.clock.now() + time::Duration::days(n);
    let purge = |n| {
        plaudit::workers::housekeeping::purge_deleted_workspaces(&h.store, usize::MAX, day(n))
            .unwrap()
    };
    assert_eq!(purge(29), 0, "nothing is purged within the grace period");
    let id = ws.id.to_string();
    workspaces::undelete(&h.store, &id, day(29)).unwrap();
    assert_eq!(
        c.get(&url).bearer_auth(&t).send().await.unwrap().status(),
        200
    );
    let dora = plaudit::domain::Email::parse("dora@example.org").unwrap();
    let back = h.store.contacts().by_email(&ws.id, &dora).unwrap();
    assert_eq!(back.unwrap().name, "Dora", "everything is there again");
    assert!(matches!(
        workspaces::undelete(&h.store, &id, day(1)),
        Err(Error::Invalid(_))
    ));
    // Deleted again, and past its purge time: no way back; the purge takes it all.
    assert_eq!(
        c.delete(&url)
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert!(matches!(
        workspaces::undelete(&h.store, &id, day(31)),
        Err(Error::Conflict(_))
    ));
    assert!(purge(31) > 0);
    assert_eq!(h.store.purge().leftovers(&ws.id).unwrap(), 0);
    assert!(
        workspaces::deleted(&h.store)
            .unwrap()
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        workspaces::undelete(&h.store, "not-an-id", day(1)),
        Err(Error::Invalid(_))
    ));
}

/// An invitation and its email are one transaction: killed at any moment, the store never
/// holds one without the other, and every acknowledged invitation survives.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_during_invitations_never_splits_an_invitation_from_its_email() {
    use crate::support::{Server, http};
    use std::collections::BTreeSet;
    use std::sync::{Arc, Mutex};
    for round in 0..4u64 {
        let tmp = tempfile::tempdir().unwrap();
        let extra = "[limits]\nper_ip_per_minute = 1000000\nper_ip_burst = 1000000\n\
                     [plans.standard]\nmax_members = 1000000\n";
        let server = Server::start_with_env(
            tmp.path(),
            extra,
            &[
                ("PLAUDIT_ADMIN_EMAIL", "admin@example.com"),
                ("PLAUDIT_ADMIN_PASSWORD", "a long admin password"),
            ],
        );
        let c = http();
        let admin = crate::caller::Api::new(&server.url)
            .signed_in("admin@example.com", "a long admin password")
            .await;
        let token = admin.token().to_string();
        let (_, ws) = admin.post("/workspaces", json!({"name": "Kill"})).await;
        let url = format!(
            "{}/api/v1/workspaces/{}/members",
            server.url,
            ws["id"].as_str().unwrap()
        );
        let acked = Arc::new(Mutex::new(BTreeSet::new()));
        let mut tasks = Vec::new();
        for client in 0..6 {
            let (c, url, token, acked) = (c.clone(), url.clone(), token.clone(), acked.clone());
            tasks.push(tokio::spawn(async move {
                for n in 0.. {
                    let email = format!("k{client}-{n}@example.com");
                    let sent = c
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&json!({"email": email, "role": "viewer"}))
                        .send()
                        .await;
                    match sent {
                        Ok(r) if r.status() == 201 => {
                            acked.lock().unwrap().insert(email);
                        }
                        Ok(r) => panic!("unexpected {}", r.status()),
                        Err(_) => return, // the server is gone
                    }
                }
            }));
        }
        // A different moment each round.
        tokio::time::sleep(std::time::Duration::from_millis(150 + 170 * round)).await;
        server.kill9();
        for t in tasks {
            t.await.unwrap();
        }
        let store = crate::support::open_store_in(
            tmp.path(),
            time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap(),
        );
        let ws_id: Id<plaudit::domain::Workspace> = ws["id"].as_str().unwrap().parse().unwrap();
        let mut invited = BTreeSet::new();
        let mut req = PageRequest::first(200);
        loop {
            let page = store.invitations().page(&ws_id, &req).unwrap();
            invited.extend(page.items.iter().map(|i| i.email.to_string()));
            match page.next {
                Some(n) => req.cursor = Some(n),
                None => break,
            }
        }
        let mailed: BTreeSet<String> = store
            .outbox()
            .all()
            .unwrap()
            .into_iter()
            .map(|m| m.to)
            .collect();
        let acked = acked.lock().unwrap().clone();
        assert!(
            !acked.is_empty(),
            "round {round}: nothing was acknowledged before the kill"
        );
        assert_eq!(
            invited, mailed,
            "round {round}: invitations and emails differ"
        );
        assert!(
            acked.is_subset(&invited),
            "round {round}: an acknowledged invitation was lost"
        );
        assert_eq!(
            store.workspaces().counts(&ws_id).unwrap().invitations,
            invited.len() as u64,
            "round {round}: the counter agrees"
        );
        store.close().unwrap();
    }
}

/// A purge killed mid-way (SIGKILL while housekeeping works through a 100,000-record workspace)
/// finishes after the restart, and leaves nothing of the workspace.
#[test]
fn a_purge_killed_mid_way_finishes_after_the_restart() {
    use crate::support::{Server, wait_until};
    use plaudit::domain::{User, Workspace};
    use std::time::Duration;
    let tmp = tempfile::tempdir().unwrap();
    let now = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let (ws, kept) = {
        let store = crate::support::open_store_in(tmp.path(), now);
        let owner: Id<User> = Id::generate(now);
        let mk = |name: &str| Workspace {
            id: Id::generate(now),
            name: name.into(),
            plan: "standard".into(),
            created_at: now,
        };
        let (ws, kept) = (mk("Big"), mk("Kept"));
        store.workspaces().create(&ws, &owner).unwrap();
        store.workspaces().create(&kept, &owner).unwrap();
        for n in 0..100_000 {
            let entry = AuditEntry {
                at: now + time::Duration::milliseconds(n),
                actor: "system".into(),
                actor_label: "fixture".into(),
                action: "fixture".into(),
                target: n.to_string(),
                ip: String::new(),
            };
            store.audit().append(&ws.id, &entry).unwrap();
        }
        store
            .audit()
            .append(
                &kept.id,
                &AuditEntry {
                    at: now,
                    actor: "system".into(),
                    actor_label: "fixture".into(),
                    action: "fixture".into(),
                    target: String::new(),
                    ip: String::new(),
                },
            )
            .unwrap();
        // Its grace period is over already (the server runs on the real clock).
        let purge_at = time::OffsetDateTime::UNIX_EPOCH;
        assert!(store.purge().delete_workspace(&ws.id, purge_at).unwrap());
        store.flush_blocking().unwrap();
        store.close().unwrap();
        (ws.id, kept.id)
    };
    // Housekeeping starts purging at start-up; kill it while it works.
    let server = Server::start(tmp.path(), "[logs]\nlevel = \"info\"\n");
    std::thread::sleep(Duration::from_millis(150));
    server.kill9();
    let server = Server::start(tmp.path(), "[logs]\nlevel = \"info\"\n");
    assert!(
        wait_until(Duration::from_secs(60), || server
            .stderr()
            .contains("deleted workspace purged")),
        "{}",
        server.stderr()
    );
    let (status, _) = server.terminate(Duration::from_secs(15));
    assert_eq!(status.and_then(|s| s.code()), Some(0));
    let store = crate::support::open_store_in(tmp.path(), now);
    assert_eq!(store.purge().leftovers(&ws).unwrap(), 0);
    assert!(store.purge().deleted().unwrap().is_empty());
    assert_eq!(store.audit().page(&kept, None, 10).unwrap().0.len(), 1);
}

/// The operator's side of the grace period, from the command line (no server running).
#[test]
fn the_operator_lists_and_undeletes_workspaces_from_the_cli() {
    use crate::support::{plaudit, text};
    let dir = tempfile::tempdir().unwrap();
    let config = crate::support::write_config(dir.path(), "");
    let now = time::OffsetDateTime::now_utc();
    let ws = plaudit::domain::Workspace {
        id: Id::generate(now),
        name: "Florist".into(),
        plan: "standard".into(),
        created_at: now,
    };
    {
        let store = crate::support::open_store_in(dir.path(), now);
        store.workspaces().create(&ws, &Id::generate(now)).unwrap();
        let purge_at = now + time::Duration::days(30);
        assert!(store.purge().delete_workspace(&ws.id, purge_at).unwrap());
        store.flush_blocking().unwrap();
        store.close().unwrap();
    }
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--config", config.to_str().unwrap()]);
        let out = plaudit(&all, &[], None, dir.path());
        let (o, e) = text(&out);
        (out.status.code(), format!("{o}{e}"))
    };
    let (code, out) = run(&["admin", "deleted-workspaces"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("Florist") && out.contains("purge_at"), "{out}");
    let id = ws.id.to_string();
    let (code, out) = run(&["admin", "undelete-workspace", "nonsense"]);
    assert_eq!(code, Some(2), "{out}");
    let (code, out) = run(&["admin", "undelete-workspace", &id]);
    assert_eq!(code, Some(0), "{out}");
    let (code, _) = run(&["admin", "undelete-workspace", &id]);
    assert_eq!(code, Some(2), "no longer deleted");
    let store = crate::support::open_store_in(dir.path(), now);
    assert_eq!(
        store.workspaces().get(&ws.id).unwrap().unwrap().name,
        "Florist"
    );
}
