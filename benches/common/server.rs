//! A release `plaudit serve` for the benches that read over HTTP, and its memory.

use std::process::{Child, Command, Stdio};

/// A free local port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a local port")
        .local_addr()
        .expect("its address")
        .port()
}

/// A release `plaudit serve` on `data`, its poller off, limits out of the way.
pub fn serve(data: &std::path::Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_plaudit"))
        .arg("serve")
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
