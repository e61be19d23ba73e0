//! The store watchdog: a probe thread reads the store every second; when no read has returned
//! for `storage.stuck_secs`, the watchdog logs every thread's state and exits the process with
//! status 70, so systemd or Docker restarts it. A hung store is not recoverable in-process (sled
//! 0.34's lock cannot be broken from outside), and a process that answers /healthz but nothing
//! else is worse than a restart: everything acknowledged was flushed, so a restart loses nothing.

use crate::store::Store;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Exit status when the store is stuck (EX_SOFTWARE).
pub const STUCK_EXIT: i32 = 70;

/// When the last store probe returned, as milliseconds since the watchdog started.
#[derive(Clone)]
pub struct Heartbeat {
    started: Instant,
    last_ok_ms: Arc<AtomicU64>,
}

impl Heartbeat {
    fn beat(&self) {
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ok_ms.store(ms, Ordering::Release);
    }

    /// How long since the store last answered.
    pub fn silence(&self) -> Duration {
        let last = Duration::from_millis(self.last_ok_ms.load(Ordering::Acquire));
        self.started.elapsed().saturating_sub(last)
    }
}

/// Starts the probe and the watchdog threads; they live as long as the process.
pub fn start(store: Store, stuck: Duration) -> anyhow::Result<Heartbeat> {
    let heartbeat = Heartbeat {
        started: Instant::now(),
        last_ok_ms: Arc::new(AtomicU64::new(0)),
    };
    let probe = heartbeat.clone();
    std::thread::Builder::new()
        .name("store-probe".into())
        .spawn(move || {
            loop {
                if store.answers() {
                    probe.beat();
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        })?;
    let watched = heartbeat.clone();
    std::thread::Builder::new()
        .name("store-watchdog".into())
        .spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(500));
                if watched.silence() > stuck {
                    tracing::error!(
                        stuck_secs = stuck.as_secs(),
                        threads = %thread_states(),
                        "the store has not answered a read in time; exiting so the service manager restarts Plaudit"
                    );
                    eprintln!("plaudit: store stuck for {}s; thread states:\n{}", stuck.as_secs(), thread_states());
                    std::process::exit(STUCK_EXIT);
                }
            }
        })?;
    Ok(heartbeat)
}

/// One line per thread: id, name, scheduler state and the kernel function it waits in.
pub fn thread_states() -> String {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return "(thread states unavailable)".into();
    };
    let mut lines = Vec::new();
    for task in tasks.flatten() {
        let path = task.path();
        let read = |f: &str| std::fs::read_to_string(path.join(f)).unwrap_or_default();
        let name = read("comm");
        let stat = read("stat");
        // The state letter follows the parenthesised name: "pid (name) S ...".
        let state = stat
            .rsplit_once(") ")
            .and_then(|(_, rest)| rest.split(' ').next())
            .unwrap_or("?")
            .to_string();
        lines.push(format!(
            "{} {} state={} wchan={}",
            task.file_name().to_string_lossy(),
            name.trim(),
            state,
            read("wchan").trim()
        ));
    }
    lines.sort();
    lines.join("\n")
}
