//! One shape for every background job and one runner that drives them all: a job is a type
//! with a single `step`; the runner loops it with pauses, backoff, shutdown and metrics, and
//! tests (or an operator) can drive every job until none has work left.

use crate::services::Ctx;
use prometheus::IntCounterVec;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::{Mutex, watch};
use tokio::task::JoinHandle;

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Something was done: step again at once.
    Worked,
    /// Nothing to do: step again after the job's idle pause.
    Idle,
    /// Nothing to do before this moment (an earlier one than the idle pause shortens it).
    RetryAt(OffsetDateTime),
}

impl Outcome {
    /// `Worked` when `n` things were done, else `Idle`.
    pub fn from_count(n: usize) -> Self {
        if n > 0 { Self::Worked } else { Self::Idle }
    }
}

pub type Step<'a> = Pin<Box<dyn Future<Output = anyhow::Result<Outcome>> + Send + 'a>>;

/// A background job. `step` does at most one bounded piece of work and says what it did; it
/// must be safe to call again right after an error or a kill.
pub trait Job: Send + Sync + 'static {
    /// For logs and metrics (`plaudit_job_steps_total{job=…}`).
    fn name(&self) -> &'static str;
    /// How long to wait after an idle step.
    fn idle_pause(&self) -> Duration;
    /// How long the first step waits after start (the backup schedule waits: a restart loop
    /// must not become a backup loop).
    fn first_delay(&self) -> Duration {
        Duration::ZERO
    }
    /// How many copies may step at once (the outbox sends in parallel); others step alone.
    fn copies(&self) -> usize {
        1
    }
    /// Whether, among several instances sharing a database, only one at a time runs this job
    /// (by lease, `cluster`). Work claimed piece by piece (the outbox, syncs) or kept per
    /// process (the edge's memory) says false.
    fn single_runner(&self) -> bool {
        true
    }
    fn step<'a>(&'a self, ctx: &'a Ctx, now: OffsetDateTime) -> Step<'a>;
}

/// A registered job and the gate that keeps its steps one at a time (the background loop and
/// `run_until_idle` may both want it).
struct Slot {
    job: Arc<dyn Job>,
    gate: Option<Mutex<()>>,
}

impl Slot {
    async fn step(&self, ctx: &Ctx, now: OffsetDateTime) -> anyhow::Result<Outcome> {
        let _held = match &self.gate {
            Some(g) => Some(g.lock().await),
            None => None,
        };
        match &ctx.cluster {
            Some(cluster) if self.job.single_runner() => {
                let lease = format!("job:{}", self.job.name());
                let step = self.job.step(ctx, now);
                match cluster.hold(&ctx.store, &ctx.clock, &lease, step).await? {
                    Ok(outcome) => Ok(outcome),
                    // Another instance runs it: look again when its lease would lapse.
                    Err(other) => Ok(Outcome::RetryAt(other.until() + time::Duration::seconds(1))),
                }
            }
            _ => self.job.step(ctx, now).await,
        }
    }
}

/// The shortest pause a `RetryAt` asks for.
const MIN_RETRY_PAUSE: Duration = Duration::from_millis(20);

/// The pause after `RetryAt(at)`: until `at` when that comes before the idle pause (never
/// under a few milliseconds). A time already past is work the job could not take (another copy
/// holds it): no reason to spin, so the idle pause.
fn retry_pause(idle: Duration, at: OffsetDateTime, now: OffsetDateTime) -> Duration {
    match Duration::try_from(at - now) {
        Ok(until) if !until.is_zero() => idle.min(until.max(MIN_RETRY_PAUSE)),
        _ => idle,
    }
}

/// Every job of the appliance, with the context they share.
#[derive(Clone)]
pub struct Runner {
    ctx: Ctx,
    slots: Arc<Vec<Slot>>,
    steps: Option<IntCounterVec>,
}

/// Backoff after failures: 1 s, 2 s, 4 s … at most a minute.
fn backoff(failures: u32) -> Duration {
    Duration::from_secs(1u64 << failures.min(6)).min(Duration::from_secs(60))
}

impl Runner {
    pub fn new(ctx: Ctx, jobs: Vec<Arc<dyn Job>>) -> Self {
        let slots = jobs
            .into_iter()
            .map(|job| Slot {
                gate: (job.copies() <= 1).then(|| Mutex::new(())),
                job,
            })
            .collect();
        Self {
            ctx,
            slots: Arc::new(slots),
            steps: None,
        }
    }

    /// Counts every step by job and outcome.
    pub fn with_metrics(mut self, steps: IntCounterVec) -> Self {
        self.steps = Some(steps);
        self
    }

    fn count(&self, job: &str, outcome: &str) {
        if let Some(m) = &self.steps {
            m.with_label_values(&[job, outcome]).inc();
        }
    }

    /// Starts each job's loop (as many as its copies) until `shutdown` turns true.
    pub fn spawn(&self, shutdown: &watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
        let mut out = Vec::new();
        for i in 0..self.slots.len() {
            for _ in 0..self.slots[i].job.copies().max(1) {
                let (me, stop) = (self.clone(), shutdown.clone());
                out.push(tokio::spawn(async move { me.run_one(i, stop).await }));
            }
        }
        out
    }

    async fn run_one(&self, i: usize, mut shutdown: watch::Receiver<bool>) {
        let slot = &self.slots[i];
        let name = slot.job.name();
        let first = slot.job.first_delay();
        if !first.is_zero() {
            tokio::select! {
                _ = tokio::time::sleep(first) => {}
                _ = shutdown.changed() => return,
            }
        }
        let mut failures = 0u32;
        while !*shutdown.borrow() {
            let now = self.ctx.clock.now();
            let pause = match slot.step(&self.ctx, now).await {
                Ok(Outcome::Worked) => {
                    failures = 0;
                    self.count(name, "worked");
                    // Let the other tasks of this runtime in between two busy steps.
                    tokio::task::yield_now().await;
                    continue;
                }
                Ok(Outcome::Idle) => {
                    failures = 0;
                    self.count(name, "idle");
                    slot.job.idle_pause()
                }
                Ok(Outcome::RetryAt(at)) => {
                    failures = 0;
                    self.count(name, "idle");
                    retry_pause(slot.job.idle_pause(), at, now)
                }
                Err(e) => {
                    self.count(name, "failed");
                    tracing::error!(job = name, error = %format!("{e:#}"), "background job failed");
                    failures = failures.saturating_add(1);
                    backoff(failures - 1)
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Steps every job until a whole round finds none with work. A failed step is stepped
    /// again in the next round; three failures in a row of one job end the run with its
    /// error. Returns the steps that worked; an error when the jobs are still busy at
    /// `deadline`.
    pub async fn run_until_idle(&self, deadline: Duration) -> anyhow::Result<usize> {
        let started = tokio::time::Instant::now();
        let mut worked = 0;
        let mut failed = vec![0u32; self.slots.len()];
        loop {
            let mut busy = false;
            let mut working = Vec::new();
            for (slot, failed) in self.slots.iter().zip(failed.iter_mut()) {
                let now = self.ctx.clock.now();
                match slot.step(&self.ctx, now).await {
                    Ok(Outcome::Worked) => {
                        self.count(slot.job.name(), "worked");
                        (busy, *failed) = (true, 0);
                        worked += 1;
                        working.push(slot.job.name());
                    }
                    Ok(_) => *failed = 0,
                    Err(e) => {
                        self.count(slot.job.name(), "failed");
                        *failed += 1;
                        anyhow::ensure!(
                            *failed < 3,
                            "background job {} failed three times: {e:#}",
                            slot.job.name()
                        );
                        busy = true;
                    }
                }
            }
            if !busy {
                return Ok(worked);
            }
            anyhow::ensure!(
                started.elapsed() < deadline,
                "background jobs still had work after {} s: {}",
                deadline.as_secs(),
                working.join(", ")
            );
            tokio::task::yield_now().await;
        }
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.slots.iter().map(|s| s.job.name()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Has `left` things to do, one per step; fails on step `fail_at`.
    struct Countdown {
        left: AtomicUsize,
        steps: AtomicUsize,
        fail_at: usize,
    }

    impl Job for Countdown {
        fn name(&self) -> &'static str {
            "countdown"
        }
        fn idle_pause(&self) -> Duration {
            Duration::from_secs(3600)
        }
        fn step<'a>(&'a self, _: &'a Ctx, _: OffsetDateTime) -> Step<'a> {
            Box::pin(async move {
                let n = self.steps.fetch_add(1, Ordering::SeqCst) + 1;
                anyhow::ensure!(n != self.fail_at, "step {n} fails");
                let left = self.left.load(Ordering::SeqCst);
                if left == 0 {
                    return Ok(Outcome::Idle);
                }
                self.left.store(left - 1, Ordering::SeqCst);
                Ok(Outcome::Worked)
            })
        }
    }

    fn ctx(dir: &std::path::Path) -> Ctx {
        let now = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        Ctx::new(
            crate::store::Store::open(dir, 16, now).unwrap(),
            Arc::new(crate::Config::default()),
            Arc::new(crate::ManualClock::new(now)),
            "Plaudit <noreply@example.com>".parse().unwrap(),
            "http://127.0.0.1".into(),
        )
    }

    #[tokio::test]
    async fn running_until_idle_does_all_the_work_and_survives_a_failure() {
        let dir = tempfile::tempdir().unwrap();
        let a = Arc::new(Countdown {
            left: AtomicUsize::new(5),
            steps: AtomicUsize::new(0),
            fail_at: 2,
        });
        let b = Arc::new(Countdown {
            left: AtomicUsize::new(0),
            steps: AtomicUsize::new(0),
            fail_at: 0,
        });
        let runner = Runner::new(ctx(dir.path()), vec![a.clone(), b.clone()]);
        let worked = runner.run_until_idle(Duration::from_secs(5)).await.unwrap();
        // Five things done over six steps (one failed, stepped again), then an idle round.
        assert_eq!(worked, 5);
        assert_eq!(a.left.load(Ordering::SeqCst), 0);
        assert_eq!(a.steps.load(Ordering::SeqCst), 7);
        assert_eq!(b.steps.load(Ordering::SeqCst), 7);
    }

    #[tokio::test]
    async fn a_job_that_keeps_failing_ends_the_run_with_its_error() {
        let dir = tempfile::tempdir().unwrap();
        struct Broken;
        impl Job for Broken {
            fn name(&self) -> &'static str {
                "broken"
            }
            fn idle_pause(&self) -> Duration {
                Duration::from_secs(1)
            }
            fn step<'a>(&'a self, _: &'a Ctx, _: OffsetDateTime) -> Step<'a> {
                Box::pin(async { anyhow::bail!("the disk is full") })
            }
        }
        let runner = Runner::new(ctx(dir.path()), vec![Arc::new(Broken)]);
        let e = runner
            .run_until_idle(Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(format!("{e:#}").contains("broken failed three times: the disk is full"));
    }

    #[tokio::test]
    async fn the_loop_steps_until_shutdown_and_stops() {
        let dir = tempfile::tempdir().unwrap();
        let a = Arc::new(Countdown {
            left: AtomicUsize::new(50),
            steps: AtomicUsize::new(0),
            fail_at: 0,
        });
        let runner = Runner::new(ctx(dir.path()), vec![a.clone()]);
        let (stop, rx) = watch::channel(false);
        let tasks = runner.spawn(&rx);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while a.left.load(Ordering::SeqCst) > 0 {
            assert!(tokio::time::Instant::now() < deadline, "the loop stalled");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // Idle now, waiting an hour: shutdown wakes it.
        stop.send(true).unwrap();
        for t in tasks {
            tokio::time::timeout(Duration::from_secs(2), t)
                .await
                .unwrap()
                .unwrap();
        }
        assert_eq!(a.steps.load(Ordering::SeqCst), 51);
    }

    /// Counts how many of its copies (one per runner) step at once.
    struct Exclusive {
        inside: Arc<AtomicUsize>,
        most: Arc<AtomicUsize>,
        steps: AtomicUsize,
        single: bool,
    }

    impl Job for Exclusive {
        fn name(&self) -> &'static str {
            "exclusive"
        }
        fn idle_pause(&self) -> Duration {
            Duration::from_millis(50)
        }
        fn single_runner(&self) -> bool {
            self.single
        }
        fn step<'a>(&'a self, _: &'a Ctx, _: OffsetDateTime) -> Step<'a> {
            Box::pin(async move {
                let now = self.inside.fetch_add(1, Ordering::SeqCst) + 1;
                self.most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                self.inside.fetch_sub(1, Ordering::SeqCst);
                self.steps.fetch_add(1, Ordering::SeqCst);
                Ok(Outcome::Worked)
            })
        }
    }

    /// Two instances (runners with their own `Cluster`) on one store, each with a copy of a job.
    async fn two_instances(single: bool) -> (Arc<AtomicUsize>, [Arc<Exclusive>; 2], [Runner; 2]) {
        let dirs = [(); 3].map(|()| tempfile::tempdir().unwrap());
        let mut base = ctx(dirs[0].path());
        base.clock = Arc::new(crate::clock::SystemClock);
        let (inside, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let jobs = [(); 2].map(|()| {
            Arc::new(Exclusive {
                inside: inside.clone(),
                most: most.clone(),
                steps: AtomicUsize::new(0),
                single,
            })
        });
        let runners = [1, 2].map(|i| {
            let cluster = crate::cluster::Cluster::join(dirs[i].path(), 2)
                .unwrap()
                .unwrap();
            let job: Arc<dyn Job> = jobs[i - 1].clone();
            Runner::new(
                base.clone().with_cluster(Some(Arc::new(cluster))),
                vec![job],
            )
        });
        std::mem::forget(dirs); // the store and the lock files outlive this helper
        (most, jobs, runners)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn among_instances_a_single_runner_job_steps_on_one_at_a_time_and_moves_when_it_stops() {
        let (most, jobs, [a, b]) = two_instances(true).await;
        let (stop_a, rx_a) = watch::channel(false);
        let (stop_b, rx_b) = watch::channel(false);
        let tasks_a = a.spawn(&rx_a);
        tokio::time::sleep(Duration::from_millis(100)).await;
        let tasks_b = b.spawn(&rx_b);
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(
            most.load(Ordering::SeqCst),
            1,
            "two instances stepped at once"
        );
        assert!(jobs[0].steps.load(Ordering::SeqCst) > 20);
        assert_eq!(
            jobs[1].steps.load(Ordering::SeqCst),
            0,
            "the lease holder kept it"
        );
        // The holder stops without giving the lease up (a kill): the other takes over once it
        // lapses (two seconds).
        stop_a.send(true).unwrap();
        for t in tasks_a {
            t.await.unwrap();
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(6);
        while jobs[1].steps.load(Ordering::SeqCst) == 0 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the job never moved"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(most.load(Ordering::SeqCst), 1);
        stop_b.send(true).unwrap();
        for t in tasks_b {
            t.await.unwrap();
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn among_instances_work_claimed_piece_by_piece_runs_everywhere() {
        let (most, jobs, [a, b]) = two_instances(false).await;
        let (stop, rx) = watch::channel(false);
        let mut tasks = a.spawn(&rx);
        tasks.extend(b.spawn(&rx));
        tokio::time::sleep(Duration::from_millis(500)).await;
        stop.send(true).unwrap();
        for t in tasks {
            t.await.unwrap();
        }
        assert!(jobs.iter().all(|j| j.steps.load(Ordering::SeqCst) > 5));
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_retry_time_shortens_the_idle_pause_and_a_past_one_does_not_spin() {
        let now = time::macros::datetime!(2026-05-01 12:00 UTC);
        let idle = Duration::from_secs(1);
        let ms = time::Duration::milliseconds;
        assert_eq!(
            retry_pause(idle, now + ms(300), now),
            Duration::from_millis(300)
        );
        assert_eq!(retry_pause(idle, now + ms(5_000), now), idle);
        assert_eq!(retry_pause(idle, now + ms(1), now), MIN_RETRY_PAUSE);
        assert_eq!(retry_pause(idle, now, now), idle);
        assert_eq!(retry_pause(idle, now - ms(500), now), idle);
    }

    #[test]
    fn backoff_doubles_up_to_a_minute() {
        let waits: Vec<u64> = (0..9).map(|f| backoff(f).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }
}
