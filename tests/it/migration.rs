//! Schema migrations on a data folder written in the old layout, and refusal of newer ones.

use crate::support::{Server, plaudit, text, write_config};
use plaudit::domain::Email;
use plaudit::store::{SCHEMA_VERSION, Store, snapshot};
use serde_json::json;
use time::OffsetDateTime;

/// Writes a data folder exactly as schema 1 laid it out (users keyed by email).
fn write_v1(data: &std::path::Path) {
    let db = sled::open(data.join("db")).unwrap();
    let meta = db.open_tree("meta").unwrap();
    meta.insert("schema_version", &1u32.to_be_bytes()).unwrap();
    meta.insert("instance_secret", &[7u8; 32]).unwrap();
    let users = db.open_tree("users").unwrap();
    for (email, admin) in [
        ("old-admin@example.com", true),
        ("member@example.com", false),
    ] {
        let mut value = vec![1u8];
        value.extend(
            serde_json::to_vec(&json!({
                "email": email, "name": "Old", "password_hash": "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
                "instance_admin": admin, "created_at": "2026-01-02T03:04:05Z"
            }))
            .unwrap(),
        );
        users.insert(email.as_bytes(), value).unwrap();
    }
    db.flush().unwrap();
    // Released before anything else opens the folder (sled lets go of it a moment late).
    drop((meta, users));
    plaudit::store::close(plaudit::store::kv::Db::from_sled(db), &data.join("db")).unwrap();
}

#[test]
fn schema_1_is_migrated_to_the_current_schema_after_a_snapshot() {
    if crate::support::sled_only("it starts from a sled folder an older release wrote") {
        return;
    }
    assert_eq!(SCHEMA_VERSION, 6);
    let tmp = tempfile::tempdir().unwrap();
    let cfg = write_config(tmp.path(), "");
    let data = tmp.path().join("data");
    write_v1(&data);

    // The first start of the new binary migrates, and finds the migrated admin.
    let server = Server::spawn(tmp.path(), cfg.clone(), &[]).unwrap();
    assert_eq!(
        server.setup_url(),
        None,
        "the v1 admin is recognised after migration"
    );
    assert!(server.stderr().contains("migrating the store"));
    drop(server);

    let backups: Vec<_> = std::fs::read_dir(data.join("backups"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    assert_eq!(backups.len(), 1);
    assert!(
        backups[0]
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("pre-migration-v1-")
    );
    let (trees, entries) = snapshot::verify(&backups[0]).unwrap();
    assert!(
        trees >= 2 && entries >= 4,
        "{trees} trees, {entries} entries"
    );

    let store = Store::open(&data, 16, OffsetDateTime::now_utc()).unwrap();
    assert_eq!(store.schema_version().unwrap(), Some(SCHEMA_VERSION));
    let admin = store
        .users()
        .by_email(&Email::parse("old-admin@example.com").unwrap())
        .unwrap()
        .unwrap();
    assert!(admin.instance_admin);
    assert_eq!(
        admin.created_at,
        time::macros::datetime!(2026-01-02 03:04:05 UTC)
    );
    assert!(admin.password_hash.starts_with("$argon2id$"));
    assert_eq!(store.users().get(&admin.id).unwrap().unwrap(), admin);
    let member = store
        .users()
        .by_email(&Email::parse("member@example.com").unwrap())
        .unwrap()
        .unwrap();
    assert!(!member.instance_admin);
    drop(store);

    // Opening again neither migrates nor snapshots twice.
    let out = plaudit(
        &[
            "admin",
            "create",
            "--email",
            "new@example.com",
            "--config",
            cfg.to_str().unwrap(),
        ],
        &[],
        Some("a new password\n"),
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert_eq!(std::fs::read_dir(data.join("backups")).unwrap().count(), 1);
}

#[test]
fn a_data_folder_from_a_newer_version_is_refused_and_left_alone() {
    if crate::support::sled_only("it starts from a sled folder an older release wrote") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let cfg = write_config(tmp.path(), "");
    let data = tmp.path().join("data");
    {
        let db = sled::open(data.join("db")).unwrap();
        db.open_tree("meta")
            .unwrap()
            .insert("schema_version", &99u32.to_be_bytes())
            .unwrap();
        db.flush().unwrap();
        plaudit::store::close(plaudit::store::kv::Db::from_sled(db), &data.join("db")).unwrap();
    }
    let (_, err) = Server::spawn(tmp.path(), cfg, &[])
        .err()
        .expect("must refuse");
    assert!(
        err.contains(&format!(
            "newer Plaudit (schema 99; this binary knows up to {SCHEMA_VERSION})"
        )),
        "{err}"
    );
    let db = sled::open(data.join("db")).unwrap();
    let v = db
        .open_tree("meta")
        .unwrap()
        .get("schema_version")
        .unwrap()
        .unwrap();
    assert_eq!(v.as_ref(), &99u32.to_be_bytes());
}

/// A schema-2 folder has no counters and no invitation email index: the migration derives
/// them from the records, so plan limits and the last-owner rule hold on old data.
#[test]
fn schema_2_gets_its_counters_derived_from_the_records() {
    if crate::support::sled_only("it starts from a sled folder an older release wrote") {
        return;
    }
    use plaudit::domain::{Id, Invitation, LinkPurpose, LinkToken, Location, Role, Workspace};
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let ws = Workspace {
        id: Id::generate(now),
        name: "Old".into(),
        plan: "standard".into(),
        created_at: now,
    };
    {
        let store = Store::open(&data, 16, now).unwrap();
        let (a, b) = (Id::generate(now), Id::generate(now));
        store.workspaces().create(&ws, &a).unwrap();
        store
            .workspaces()
            .add_member(&ws.id, &b, Role::Viewer)
            .unwrap();
        for archived in [false, false, true] {
            let loc = Location {
                id: Id::generate(now),
                workspace: ws.id,
                name: "Shop".into(),
                address: String::new(),
                timezone: "UTC".into(),
                google_review_url: None,
                facebook_page_url: None,
                archived,
                created_at: now,
            };
            store
                .locations()
                .save(&loc, u64::MAX, None)
                .unwrap()
                .unwrap();
        }
        let inv = Invitation {
            id: Id::generate(now),
            workspace: ws.id,
            email: Email::parse("x@example.com").unwrap(),
            role: Role::Viewer,
            invited_by: Some(a),
            created_at: now,
            expires_at: now + time::Duration::days(1),
            token_hash: "h".into(),
        };
        let link = LinkToken {
            purpose: LinkPurpose::Invitation {
                workspace: ws.id,
                invitation: inv.id,
            },
            expires_at: inv.expires_at,
        };
        crate::inproc::invite(&store, &inv, &link);
        store.flush_blocking().unwrap();
        store.close().unwrap();
    }
    {
        // Make it schema 2 again: no counters, no email index.
        let db = plaudit::store::engine::config(&data.join("db"))
            .open()
            .unwrap();
        db.drop_tree("counters").unwrap();
        db.drop_tree("invitations_by_email").unwrap();
        db.open_tree("meta")
            .unwrap()
            .insert("schema_version", &2u32.to_be_bytes())
            .unwrap();
        db.flush().unwrap();
        plaudit::store::close(plaudit::store::kv::Db::from_sled(db), &data.join("db")).unwrap();
    }
    let store = Store::open(&data, 16, now).unwrap();
    assert_eq!(store.schema_version().unwrap(), Some(SCHEMA_VERSION));
    let counts = store.workspaces().counts(&ws.id).unwrap();
    assert_eq!(
        (
            counts.members,
            counts.owners,
            counts.invitations,
            counts.active_locations
        ),
        (2, 1, 1, 2)
    );
}
