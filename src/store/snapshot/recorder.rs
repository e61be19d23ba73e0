//! Point in time for a store that keeps changing while it is read: every change made during the
//! read is recorded, and the last one per key goes after the trees (the redo section), so a
//! restore yields the store as it was at one instant, the cut, across all trees.
//!
//! Why this holds with sled 0.34: a write announces itself to subscribers while it holds the
//! read side of sled's global concurrency lock, and a transaction holds the write side for its
//! whole closure. An empty transaction after subscribing waits out writes that began before the
//! subscription; inside the transaction at the end (the cut) every earlier write's event is
//! already in the channels and no later write has begun. Subscribers are dropped inside the cut
//! too: dropping one while a writer is blocked on its full channel would hang both.
use crate::store::kv;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread::JoinHandle;
use std::time::Duration;

/// Changes beyond this many bytes make the backup fail rather than fill memory.
const LIMIT: usize = 1 << 30;

/// One tree's last change per key: key → value (`None`: removed).
pub type Changes = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// The last change per key, by tree name.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Redo {
    pub trees: BTreeMap<Vec<u8>, Changes>,
}

impl Redo {
    pub fn is_empty(&self) -> bool {
        self.trees.values().all(BTreeMap::is_empty)
    }

    pub fn len(&self) -> usize {
        self.trees.values().map(BTreeMap::len).sum()
    }

    pub fn set(&mut self, tree: &[u8], key: &[u8], value: Option<&[u8]>) {
        self.trees
            .entry(tree.to_vec())
            .or_default()
            .insert(key.to_vec(), value.map(<[u8]>::to_vec));
    }

    /// Applies every change to `db`, a batch per tree.
    pub fn apply(&self, db: &kv::Db) -> anyhow::Result<()> {
        for (name, changes) in &self.trees {
            let tree = db.open_tree(name)?;
            let mut batch = kv::Batch::default();
            for (k, v) in changes {
                match v {
                    Some(v) => batch.insert(k.as_slice(), v.as_slice()),
                    None => batch.remove(k.as_slice()),
                }
            }
            tree.apply_batch(batch)?;
        }
        Ok(())
    }
}

#[derive(Default)]
struct Collected {
    redo: Redo,
    bytes: usize,
    overflow: bool,
}

/// Records every change to the trees it was started on, until `finish` makes the cut.
pub struct Recorder {
    db: kv::Db,
    names: Vec<Vec<u8>>,
    cutting: Arc<AtomicBool>,
    collected: Arc<Mutex<Collected>>,
    drained: Mutex<mpsc::Receiver<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Recorder {
    /// Subscribes to every tree of `db`, then waits until writes begun before are done.
    pub fn start(db: &kv::Db) -> anyhow::Result<Self> {
        let sled = db
            .sled()
            .ok_or_else(|| anyhow::anyhow!("the change recorder is for sled stores"))?;
        let names: Vec<Vec<u8>> = db.tree_names().into_iter().map(|n| n.to_vec()).collect();
        let mut subscribers = Vec::with_capacity(names.len());
        for name in &names {
            subscribers.push((name.clone(), sled.open_tree(name)?.watch_prefix(vec![])));
        }
        let cutting = Arc::new(AtomicBool::new(false));
        let collected = Arc::new(Mutex::new(Collected::default()));
        let (tx, drained) = mpsc::channel();
        let thread = {
            let (cutting, collected) = (cutting.clone(), collected.clone());
            std::thread::Builder::new()
                .name("backup-recorder".into())
                .spawn(move || drain(subscribers, &cutting, &collected, &tx))?
        };
        let recorder = Self {
            db: db.clone(),
            names,
            cutting,
            collected,
            drained: Mutex::new(drained),
            thread: Some(thread),
        };
        // The barrier: a transaction begins only when no write is under way.
        recorder.hold_writes(|| {})?;
        Ok(recorder)
    }

    /// The trees being recorded, in the order a snapshot writes them.
    pub fn names(&self) -> &[Vec<u8>] {
        &self.names
    }

    /// Runs `f` while no write can happen (inside an empty transaction).
    fn hold_writes(&self, f: impl Fn()) -> anyhow::Result<()> {
        let sled = self
            .db
            .sled()
            .ok_or_else(|| anyhow::anyhow!("the change recorder is for sled stores"))?;
        let result: kv::transaction::TransactionResult<(), ()> = sled.transaction(|_| {
            f();
            Ok(())
        });
        result.map_err(|e| anyhow::anyhow!("holding writes for the backup: {e:?}"))
    }

    /// The cut: everything written before it, nothing after; the recorder stops.
    pub fn finish(mut self) -> anyhow::Result<Redo> {
        self.cut()?;
        let mut c = self
            .collected
            .lock()
            .map_err(|_| anyhow::anyhow!("the backup recorder failed"))?;
        if c.overflow {
            anyhow::bail!(
                "the store changed by more than {} MiB while the backup was read; run it again \
                 at a quieter time",
                LIMIT >> 20
            );
        }
        Ok(std::mem::take(&mut c.redo))
    }

    fn cut(&mut self) -> anyhow::Result<()> {
        let Some(thread) = self.thread.take() else {
            return Ok(());
        };
        let done = AtomicBool::new(false);
        self.hold_writes(|| {
            if done.swap(true, Ordering::AcqRel) {
                return; // a retried closure: the cut was made
            }
            self.cutting.store(true, Ordering::Release);
            if let Ok(rx) = self.drained.lock() {
                // An error means the thread ended (panicked): nothing more will come.
                let _ = rx.recv();
            }
        })?;
        thread
            .join()
            .map_err(|_| anyhow::anyhow!("the backup recorder failed"))
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        // An abandoned backup still has to drop its subscribers inside a cut.
        if let Err(e) = self.cut() {
            tracing::warn!(error = %e, "stopping the backup recorder");
        }
    }
}

fn drain(
    mut subscribers: Vec<(Vec<u8>, sled::Subscriber)>,
    cutting: &AtomicBool,
    collected: &Mutex<Collected>,
    drained: &mpsc::Sender<()>,
) {
    // Nobody waits on the subscribers: they are polled again every millisecond.
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        // Read before the round: once it is seen, writes are held and the round takes all.
        let last = cutting.load(Ordering::Acquire);
        let mut seen = false;
        for (name, subscriber) in &mut subscribers {
            // Polled as a future, not with `next_timeout`: in sled 0.34 that one keeps a
            // reservation whose write turned out a no-op (removing an absent key, setting
            // the same value) as "not ready" for ever, so the subscriber would stop seeing
            // anything, its channel would fill and every writer would block on it.
            while let Poll::Ready(Some(event)) = Pin::new(&mut *subscriber).poll(&mut cx) {
                seen = true;
                record(collected, name, event);
            }
        }
        if last {
            drop(subscribers); // still inside the cut
            let _ = drained.send(());
            return;
        }
        if !seen {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

fn record(collected: &Mutex<Collected>, tree: &[u8], event: sled::Event) {
    let Ok(mut c) = collected.lock() else { return };
    if c.overflow {
        return;
    }
    let (key, value) = match &event {
        sled::Event::Insert { key, value } => (key, Some(value.as_ref())),
        sled::Event::Remove { key } => (key, None),
    };
    c.bytes += key.len() + value.map_or(0, <[u8]>::len) + 32;
    if c.bytes > LIMIT {
        c.overflow = true;
        c.redo = Redo::default();
        return;
    }
    c.redo.set(tree, key, value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_during_the_read_are_recorded_and_none_after_the_cut() {
        let dir = tempfile::tempdir().unwrap();
        let db = kv::Db::at(dir.path());
        let a = db.open_tree("a").unwrap();
        a.insert("before", "1").unwrap();
        let recorder = Recorder::start(&db).unwrap();
        // No-op writes first (sled announces them, then withdraws): recording goes on.
        a.remove("absent").unwrap();
        a.insert("before", "1").unwrap();
        a.insert("during", "2").unwrap();
        a.remove("before").unwrap();
        a.insert("during", "3").unwrap();
        let redo = recorder.finish().unwrap();
        a.insert("after", "4").unwrap();
        let changes = &redo.trees[b"a".as_slice()];
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[b"during".as_slice()], Some(b"3".to_vec()));
        assert_eq!(changes[b"before".as_slice()], None);
        // More changes than a subscriber's channel holds, with no-ops among them: none is
        // lost, nothing blocks.
        let recorder = Recorder::start(&db).unwrap();
        for i in 0..3000u32 {
            a.remove(b"absent").unwrap();
            a.insert(i.to_be_bytes(), "y").unwrap();
        }
        let redo = recorder.finish().unwrap();
        assert_eq!(redo.trees[b"a".as_slice()].len(), 3000);
        // The subscribers are gone: writes go on without anyone to drain them.
        for i in 0..3000u32 {
            a.insert(i.to_be_bytes(), "x").unwrap();
        }
    }
}
