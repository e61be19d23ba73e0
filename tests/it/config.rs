//! Bad configs give exit 2 and one precise `file:line: key: problem` line; good ones pass.

use crate::support::{plaudit, text};
use std::path::Path;

fn check(dir: &Path, toml: &str, env: &[(&str, &str)]) -> (i32, String) {
    let path = dir.join("bad.toml");
    std::fs::write(&path, toml).unwrap();
    let out = plaudit(
        &["check-config", "--config", path.to_str().unwrap()],
        env,
        None,
        dir,
    );
    let (_, err) = text(&out);
    (out.status.code().unwrap_or(-1), err)
}

fn assert_precise(code: i32, err: &str, expect: &[&str]) {
    assert_eq!(code, 2, "exit code for: {err}");
    assert_eq!(err.trim().lines().count(), 1, "one line expected: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("Error {"),
        "no debug dump: {err}"
    );
    for e in expect {
        assert!(err.contains(e), "`{e}` missing in: {err}");
    }
}

#[test]
fn each_malformed_config_exits_2_with_file_line_key_and_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let file = dir.join("bad.toml").display().to_string();
    std::fs::write(dir.join("not-a-dir"), "x").unwrap();
    let cases: Vec<(String, Vec<String>)> = vec![
        ("[server]\nlisten = = 1\n".into(), vec![format!("{file}:2"), "server.listen".into()]),
        ("[server]\nlisten = \"127.0.0.1:8080\"\nlistne = 1\n".into(), vec![format!("{file}:3"), "server.listne".into(), "unknown field".into()]),
        ("[bogus]\nx = 1\n".into(), vec![format!("{file}:1"), "bogus".into(), "unknown field".into()]),
        ("[storage]\ncache_mb = \"lots\"\n".into(), vec![format!("{file}:2"), "storage.cache_mb".into(), "invalid type".into()]),
        ("[server]\nlisten = \"localhost\"\n".into(), vec![format!("{file}:2"), "server.listen".into()]),
        ("[server]\npublic_url = \"not a url\"\n".into(), vec![format!("{file}:2"), "server.public_url".into()]),
        ("[server]\npublic_url = \"ftp://example.com\"\n".into(), vec![format!("{file}:2"), "server.public_url".into(), "http(s)".into()]),
        ("[server]\ntls = \"static\"\ntls_cert = \"/nonexistent/cert.pem\"\ntls_key = \"/nonexistent/key.pem\"\n".into(), vec![format!("{file}:3"), "server.tls_cert".into(), "cannot read /nonexistent/cert.pem".into()]),
        ("[server]\ntls = \"static\"\n".into(), vec!["server.tls_cert".into(), "required".into()]),
        ("[server]\ntls = \"maybe\"\n".into(), vec![format!("{file}:2"), "server.tls".into(), "unknown variant".into()]),
        (format!("[storage]\ndata_dir = \"{}\"\n", dir.join("not-a-dir").display()), vec![format!("{file}:2"), "storage.data_dir".into(), "not a directory".into()]),
        (format!("[storage]\ndata_dir = \"{}\"\n", dir.join("not-a-dir/data").display()), vec![format!("{file}:2"), "storage.data_dir".into(), "cannot create".into()]),
        ("[smtp]\nhost = \"mail.example.com\"\nfrom = \"nobody\"\n".into(), vec![format!("{file}:3"), "smtp.from".into()]),
        ("[smtp]\npassword_file = \"/nonexistent/secret\"\nusername = \"u\"\n".into(), vec![format!("{file}:2"), "smtp.password_file".into()]),
        ("[outbox]\nconcurrency = 0\n".into(), vec![format!("{file}:2"), "outbox.concurrency".into(), "from 1 to 64".into()]),
        ("[logs]\nlevel = \"loud!!\"\n".into(), vec![format!("{file}:2"), "logs.level".into()]),
        // The checks config takes from the parts above it (`app::CONFIG_CHECKS`) locate theirs too.
        ("[waf]\ndisabled_rules = [\"942100\", \"no-such-rule\"]\n".into(), vec![format!("{file}:2"), "waf.disabled_rules".into(), "no WAF rule `no-such-rule`".into()]),
        ("[smtp]\ndkim_domain = \"shop.example\"\n".into(), vec![format!("{file}:2"), "smtp.dkim_domain".into(), "go together".into()]),
        ("[smtp]\ndkim_domain = \"shop.example\"\ndkim_selector = \"mail\"\ndkim_key_file = \"/nonexistent/dkim.pem\"\n".into(), vec![format!("{file}:4"), "smtp.dkim_key_file".into(), "cannot read /nonexistent/dkim.pem".into()]),
        // The PostgreSQL backend: a URL that reads, and only with the backend that uses it.
        ("[storage]\nbackend = \"postgres\"\n".into(), vec![format!("{file}:2"), "storage.backend".into(), "needs storage.postgres_url".into()]),
        ("[storage]\nbackend = \"postgres\"\npostgres_url = \"mysql://u@h/db\"\n".into(), vec![format!("{file}:3"), "storage.postgres_url".into(), "postgres://".into()]),
        ("[storage]\nbackend = \"postgres\"\npostgres_url = \"postgres://u@h/db?sslmode=sometimes\"\n".into(), vec![format!("{file}:3"), "storage.postgres_url".into(), "sslmode".into()]),
        ("[storage]\nbackend = \"postgres\"\npostgres_url_file = \"/nonexistent/url\"\n".into(), vec![format!("{file}:3"), "storage.postgres_url_file".into(), "/nonexistent/url".into()]),
        ("[storage]\npostgres_url = \"postgres://u@h/db\"\n".into(), vec![format!("{file}:2"), "storage.postgres_url".into(), "backend = \"postgres\"".into()]),
        ("[storage]\nbackend = \"mysql\"\n".into(), vec![format!("{file}:2"), "storage.backend".into(), "unknown variant".into()]),
    ];
    for (toml, expect) in cases {
        let (code, err) = check(dir, &toml, &[]);
        let expect: Vec<&str> = expect.iter().map(String::as_str).collect();
        assert_precise(code, &err, &expect);
    }
}

#[test]
fn an_unreadable_data_folder_is_refused() {
    // As root, permission bits do not stop reads; a folder we cannot enter is modelled by
    // dropping privileges where possible, and by a path through a file everywhere.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let locked = dir.join("locked");
    std::fs::create_dir(&locked).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let toml = format!("[storage]\ndata_dir = \"{}\"\n", locked.display());
    let is_root = std::fs::read_dir(&locked).is_ok();
    if !is_root {
        let (code, err) = check(dir, &toml, &[]);
        assert_precise(
            code,
            &err,
            &["storage.data_dir", "not readable and writable"],
        );
    }
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o700)).unwrap();
    let (code, err) = check(dir, "[storage]\ndata_dir = \"/proc/self/plaudit\"\n", &[]);
    assert_precise(code, &err, &["storage.data_dir", "cannot create"]);
}

#[test]
fn environment_overrides_win_and_their_errors_name_the_variable() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (code, err) = check(
        dir,
        "[server]\nlisten = \"127.0.0.1:8080\"\n",
        &[("PLAUDIT_SERVER__SHUTDOWN_TIMEOUT_SECS", "soon")],
    );
    assert_precise(
        code,
        &err,
        &[
            "env PLAUDIT_SERVER__SHUTDOWN_TIMEOUT_SECS",
            "server.shutdown_timeout_secs",
            "integer",
        ],
    );
    let (code, err) = check(dir, "", &[("PLAUDIT_SERVER__PUBLIC_URL", "nope")]);
    assert_precise(
        code,
        &err,
        &["env PLAUDIT_SERVER__PUBLIC_URL", "server.public_url"],
    );
    let (code, err) = check(dir, "", &[("PLAUDIT_NOPE__X", "1")]);
    assert_precise(code, &err, &["env PLAUDIT_NOPE__X", "unknown section"]);
    let (code, err) = check(
        dir,
        "",
        &[
            ("PLAUDIT_SERVER__LISTEN", "127.0.0.1:9999"),
            ("PLAUDIT_OUTBOX__CONCURRENCY", "2"),
        ],
    );
    assert_eq!(code, 0, "{err}");
}

#[test]
fn missing_config_file_is_a_usage_error_and_no_file_means_defaults() {
    let tmp = tempfile::tempdir().unwrap();
    let out = plaudit(
        &["check-config", "--config", "/nonexistent/plaudit.toml"],
        &[],
        None,
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out)
            .1
            .contains("/nonexistent/plaudit.toml: -: cannot read the config file")
    );
    let out = plaudit(&["check-config"], &[], None, tmp.path());
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let out = plaudit(
        &["check-config"],
        &[("PLAUDIT_CONFIG", "/nonexistent/x.toml")],
        None,
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn init_writes_a_valid_documented_config_and_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    let out = plaudit(&["init"], &[], None, tmp.path());
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let written = std::fs::read_to_string(tmp.path().join("plaudit.toml")).unwrap();
    assert!(written.contains("[smtp]"));
    // ./plaudit.toml is now picked up without --config.
    let out = plaudit(&["check-config"], &[], None, tmp.path());
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(text(&out).0.contains("plaudit.toml: ok"));
    std::fs::write(tmp.path().join("plaudit.toml"), "# mine\n").unwrap();
    let out = plaudit(&["init"], &[], None, tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("plaudit.toml")).unwrap(),
        "# mine\n"
    );
}

#[test]
fn version_help_and_bad_usage() {
    let tmp = tempfile::tempdir().unwrap();
    let out = plaudit(&["--version"], &[], None, tmp.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out).0.starts_with("plaudit "));
    let out = plaudit(&["--help"], &[], None, tmp.path());
    assert_eq!(out.status.code(), Some(0));
    for cmd in ["serve", "init", "check-config", "admin"] {
        assert!(text(&out).0.contains(cmd));
    }
    let out = plaudit(&["frobnicate"], &[], None, tmp.path());
    assert_eq!(out.status.code(), Some(2));
}
