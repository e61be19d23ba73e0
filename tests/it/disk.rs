//! What Plaudit leaves on disk is the service user's alone, even in a folder that existed at
//! 0755 with a file at 0644 (a Docker volume, a bind mount, an older version).

use crate::support::{Server, wait_until};
use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

fn loose(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let meta = std::fs::symlink_metadata(e.path()).unwrap();
            if meta.permissions().mode() & 0o077 != 0 {
                out.push(format!(
                    "{} {:o}",
                    e.path().display(),
                    meta.permissions().mode()
                ));
            }
            if meta.is_dir() {
                stack.push(e.path());
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_file_under_the_data_folder_is_private_even_when_it_existed_open() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(data.join("left-over.txt"), "x").unwrap();
    std::fs::set_permissions(
        data.join("left-over.txt"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let server = Server::start_with_env(
        tmp.path(),
        "[accounts]\nregistration = \"open\"\n",
        &[
            ("PLAUDIT_ADMIN_EMAIL", "admin@example.com"),
            ("PLAUDIT_ADMIN_PASSWORD", "a long admin password"),
        ],
    );
    // Mail through the file transport: a registration sends a verification link.
    let r = crate::support::http()
        .post(format!("{}/api/v1/auth/register", server.url))
        .json(&json!({"email": "new@example.com", "password": "a fine password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    assert!(wait_until(Duration::from_secs(20), || {
        std::fs::read_dir(data.join("mail")).is_ok_and(|d| d.count() > 0)
    }));
    assert_eq!(
        std::fs::metadata(&data).unwrap().permissions().mode() & 0o777,
        0o700
    );
    assert_eq!(loose(&data), Vec::<String>::new(), "readable by others");
    let log = server.stderr();
    assert!(log.contains("tightening"), "the operator is told: {log}");
    assert!(
        log.contains("readable by other users") && log.contains("left-over.txt"),
        "the file someone else left is named: {log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_folder_the_server_creates_raises_no_permission_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path(), "");
    let data = tmp.path().join("data");
    // The store's own files (sled's folder), or on PostgreSQL the control socket.
    let made = if crate::support::on_postgres() {
        "control.sock"
    } else {
        "db"
    };
    assert!(wait_until(Duration::from_secs(20), || data
        .join(made)
        .exists()));
    assert_eq!(loose(&data), Vec::<String>::new(), "readable by others");
    let log = server.stderr();
    assert!(
        !log.contains("readable by other users") && !log.contains("tightening"),
        "no alarm about files the server made itself: {log}"
    );
}
