//! Group commit: one thread makes the store durable for every caller waiting on it.
//!
//! Why not `kv::Db::flush_async`: it runs each flush on sled's small IO thread pool, where it
//! holds the read side of sled's global lock while waiting for a log buffer that another task on
//! the same pool must write. Under concurrent writes every pool thread ended up holding such a
//! flush, queued behind a transaction waiting for the write side, and the buffer write never ran:
//! a permanent hang (thread dumps in the floor issue). One flush at a time, on a thread of our
//! own, leaves the pool free to write; waiters that arrive during a flush share the next one.
use crate::store::kv;

use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use tokio::sync::watch;

#[derive(Default)]
struct Requests {
    /// Highest ticket handed out.
    wanted: u64,
    stopping: bool,
}

/// (tickets made durable, error of the last flush if it failed).
type Done = (u64, Option<Arc<String>>);

struct Shared {
    requests: Mutex<Requests>,
    wake: Condvar,
}

pub(super) struct Flusher {
    shared: Arc<Shared>,
    done: watch::Receiver<Done>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Flusher {
    pub(super) fn start(db: kv::Db) -> anyhow::Result<Self> {
        let shared = Arc::new(Shared {
            requests: Mutex::new(Requests::default()),
            wake: Condvar::new(),
        });
        let (tx, done) = watch::channel((0, None));
        let worker = shared.clone();
        let thread = std::thread::Builder::new()
            .name("store-flusher".into())
            .spawn(move || run(db, worker, tx))?;
        Ok(Self {
            shared,
            done,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Waits until everything written before this call is on disk.
    pub(super) async fn flush(&self) -> anyhow::Result<()> {
        let ticket = {
            let mut r = self
                .shared
                .requests
                .lock()
                .map_err(|_| anyhow::anyhow!("the store flusher failed"))?;
            r.wanted += 1;
            r.wanted
        };
        self.shared.wake.notify_one();
        let mut done = self.done.clone();
        let outcome = done
            .wait_for(|(n, _)| *n >= ticket)
            .await
            .map_err(|_| anyhow::anyhow!("the store flusher stopped"))?;
        match &outcome.1 {
            Some(e) => Err(anyhow::anyhow!("flushing the store: {e}")),
            None => Ok(()),
        }
    }
}

impl Drop for Flusher {
    fn drop(&mut self) {
        if let Ok(mut r) = self.shared.requests.lock() {
            r.stopping = true;
        }
        self.shared.wake.notify_one();
        // Joined so the thread's handle on the database is gone when the store is: a reopen
        // in the same process must find the folder unlocked. Bounded, so a stuck disk cannot
        // hold the process past its shutdown bound.
        if let Some(t) = self.thread.lock().ok().and_then(|mut t| t.take()) {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
            while !t.is_finished() && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            if t.is_finished() {
                let _ = t.join();
            }
        }
    }
}

fn run(db: kv::Db, shared: Arc<Shared>, done: watch::Sender<Done>) {
    let mut flushed = 0;
    loop {
        let target = {
            let Ok(mut r) = shared.requests.lock() else {
                return;
            };
            while r.wanted == flushed && !r.stopping {
                r = match shared.wake.wait(r) {
                    Ok(r) => r,
                    Err(_) => return,
                };
            }
            if r.wanted == flushed {
                return; // stopping, nobody waiting
            }
            r.wanted
        };
        let error = db.flush().err().map(|e| Arc::new(e.to_string()));
        if let Some(e) = &error {
            tracing::error!(error = %e, "flushing the store failed");
        }
        flushed = target;
        done.send_replace((flushed, error));
    }
}
