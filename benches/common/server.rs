//! A release `plaudit serve` for the benches that read over HTTP, and its memory; the store a
//! bench writes (sled, or `BENCH_POSTGRES_URL`'s database).
#![allow(dead_code)] // each bench uses a part

use std::process::{Child, Command, Stdio};

/// A free local port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a local port")
        .local_addr()
        .expect("its address")
        .port()
}

/// The PostgreSQL database the bench runs on (`BENCH_POSTGRES_URL`, set by `benches/run pg`),
/// or none: sled.
pub fn postgres_url() -> Option<String> {
    std::env::var("BENCH_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// "sled" or "postgres", for what the bench prints.
pub fn backend_name() -> &'static str {
    if postgres_url().is_some() {
        "postgres"
    } else {
        "sled"
    }
}

/// The store in `data` (sled), or in the bench's PostgreSQL database.
pub fn open_store(
    data: &std::path::Path,
    cache_mb: u64,
    now: time::OffsetDateTime,
) -> plaudit::store::Store {
    match postgres_url() {
        Some(url) => {
            let engine = plaudit::store::Engine::Postgres {
                target: plaudit::store::kv::pg::target::Target::parse(&url)
                    .expect("a postgres URL"),
                max_connections: 8,
            };
            plaudit::store::Store::open_on(data, &engine, now).expect("the bench's database")
        }
        None => plaudit::store::Store::open(data, cache_mb, now).expect("the bench's folder"),
    }
}

/// A release `plaudit serve` on `data` (or on the bench's PostgreSQL database), its poller
/// off, limits out of the way.
pub fn serve(data: &std::path::Path, port: u16) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_plaudit"));
    if let Some(url) = postgres_url() {
        cmd.env("PLAUDIT_STORAGE__BACKEND", "postgres")
            .env("PLAUDIT_STORAGE__POSTGRES_URL", url);
    }
    cmd.arg("serve")
        .env("PLAUDIT_SERVER__LISTEN", format!("127.0.0.1:{port}"))
        .env("PLAUDIT_STORAGE__DATA_DIR", data)
        .env("PLAUDIT_POLLER__ENABLED", "false")
        .env("PLAUDIT_LOGS__ACCESS_LOG", "off")
        .env("PLAUDIT_LIMITS__PER_IP_PER_MINUTE", "100000000")
        .env("PLAUDIT_LIMITS__PER_IP_BURST", "100000000")
        .env("PLAUDIT_SECURITY__ALLOW_LIST", "127.0.0.1/32")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the plaudit binary")
}

/// A field of `/proc/PID/status` in KiB (`VmRSS:`, `VmHWM:`).
pub fn status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        .unwrap_or(0)
}
