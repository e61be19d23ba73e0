//! A PostgreSQL server of a test's own (Debian's binaries, a temporary folder, the unprivileged
//! `postgres` user when run as root), for what the shared test server must not undergo: being
//! stopped and started again under load.

use std::path::PathBuf;
use std::process::Command;

pub struct PgCluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    pub port: u16,
}

fn as_postgres(cmd: &str) -> Command {
    // As root, the server runs as `postgres` (it refuses to run as root).
    let root = std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .is_some_and(|l| l.split_whitespace().nth(1) == Some("0"));
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", cmd]);
        c
    } else {
        Command::new(cmd)
    }
}

fn run(mut cmd: Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl PgCluster {
    /// A new server on a free port, trusting local connections, running.
    pub fn start() -> Self {
        let mut bins: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL is not installed: run scripts/test, which installs it")
            .flatten()
            .map(|e| e.path().join("bin"))
            .filter(|p| p.join("pg_ctl").exists())
            .collect();
        bins.sort();
        let bin = bins
            .pop()
            .expect("no PostgreSQL binaries under /usr/lib/postgresql");
        let dir = tempfile::Builder::new()
            .prefix("plaudit-pg-own")
            .tempdir_in("/tmp")
            .unwrap();
        run(
            {
                let mut c = Command::new("chmod");
                c.args(["755", dir.path().to_str().unwrap()]);
                c
            },
            "chmod",
        );
        let _ = Command::new("chown")
            .args(["postgres", dir.path().to_str().unwrap()])
            .output();
        let mut init = as_postgres(bin.join("initdb").to_str().unwrap());
        init.args(["-D", dir.path().join("data").to_str().unwrap()])
            .args(["-U", "plaudit", "-A", "trust"]);
        run(init, "initdb");
        let me = Self {
            bin,
            port: crate::support::free_port(),
            dir,
        };
        me.up();
        me
    }

    pub fn url(&self) -> String {
        format!(
            "postgres://plaudit@127.0.0.1:{}/postgres?sslmode=disable&connect_timeout=2",
            self.port
        )
    }

    fn ctl(&self, args: &[&str]) {
        let mut c = as_postgres(self.bin.join("pg_ctl").to_str().unwrap());
        c.args(["-D", self.dir.path().join("data").to_str().unwrap()])
            .args(args);
        run(c, "pg_ctl");
    }

    /// Starts the stopped server (waits until it accepts connections).
    pub fn up(&self) {
        let log = self.dir.path().join("log");
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        self.ctl(&["-l", log.to_str().unwrap(), "-w", "-o", &opts, "start"]);
    }

    /// Stops it the way a restart does: every session cut, nothing lost that was committed.
    pub fn down(&self) {
        self.ctl(&["-m", "fast", "-w", "stop"]);
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let mut c = as_postgres(self.bin.join("pg_ctl").to_str().unwrap());
        c.args(["-D", self.dir.path().join("data").to_str().unwrap()])
            .args(["-m", "immediate", "stop"]);
        let _ = c.output();
    }
}
