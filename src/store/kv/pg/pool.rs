//! A bounded set of connections: taken for one statement or one transaction and given back,
//! opened when needed, dropped when broken; a caller waits for one at most a few seconds.

use super::target::Target;
use super::wire::{Conn, PgError, Result};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

pub struct Pool {
    target: Target,
    max: usize,
    state: Mutex<State>,
    freed: Condvar,
    /// Round trips made on connections given back so far (`round_trips`).
    trips: AtomicU64,
}

struct State {
    idle: Vec<Conn>,
    /// Connections open, idle or taken.
    open: usize,
}

/// How long a caller waits for a connection when all are taken.
const WAIT: Duration = Duration::from_secs(10);

impl Pool {
    pub fn new(target: Target, max: usize) -> Self {
        Self {
            target,
            max: max.max(1),
            state: Mutex::new(State {
                idle: Vec::new(),
                open: 0,
            }),
            freed: Condvar::new(),
            trips: AtomicU64::new(0),
        }
    }

    /// A connection: an idle one, a new one while fewer than `max` are open, or the first one
    /// given back within `WAIT`.
    pub fn get(&self) -> Result<Taken<'_>> {
        Ok(Taken {
            pool: self,
            conn: Some(self.checkout()?),
        })
    }

    /// A connection to hand back with `checkin` (or to drop, then `closed`), for a holder that
    /// outlives a borrow (a backup's snapshot).
    pub fn checkout(&self) -> Result<Conn> {
        let deadline = Instant::now() + WAIT;
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(conn) = state.idle.pop() {
                return Ok(conn);
            }
            if state.open < self.max {
                state.open += 1;
                drop(state);
                return Conn::connect(&self.target).inspect_err(|_| self.closed());
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(PgError::Protocol(format!(
                    "all {} connections to the database stayed busy for {} s",
                    self.max,
                    WAIT.as_secs()
                )));
            }
            state = self
                .freed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// Gives back a connection from `checkout`: kept if it is idle, closed if not (left in a
    /// transaction).
    pub fn checkin(&self, mut conn: Conn) {
        self.trips
            .fetch_add(std::mem::take(&mut conn.sent), Ordering::Relaxed);
        if conn.status != b'I' {
            drop(conn);
            self.closed();
            return;
        }
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.idle.push(conn);
        drop(state);
        self.freed.notify_one();
    }

    /// Round trips to the database so far (those of connections in use counted when they
    /// are given back): what a request costs here, where sled's reads cost none.
    pub fn round_trips(&self) -> u64 {
        self.trips.load(Ordering::Relaxed)
    }

    pub fn closed(&self) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.open -= 1;
        drop(state);
        self.freed.notify_one();
    }
}

fn given_back() -> PgError {
    PgError::Protocol("a connection used after it was handed back".into())
}

/// A connection taken from the pool: given back when dropped, unless `broken` (or left in a
/// transaction, which a panic in the middle of one could do).
pub struct Taken<'a> {
    pool: &'a Pool,
    conn: Option<Conn>,
}

impl Taken<'_> {
    pub fn conn(&mut self) -> Result<&mut Conn> {
        self.conn.as_mut().ok_or_else(given_back)
    }

    /// The connection itself, to hand back with `put` (or not: the pool then counts it closed
    /// when this is dropped).
    pub fn take(&mut self) -> Result<Conn> {
        self.conn.take().ok_or_else(given_back)
    }

    pub fn put(&mut self, conn: Conn) {
        self.conn = Some(conn);
    }

    /// Closes the connection instead of giving it back.
    pub fn discard(mut self) {
        // Dropped without its connection: counted closed in `drop`.
        self.conn = None;
    }
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        match self.conn.take() {
            Some(conn) => self.pool.checkin(conn),
            None => self.pool.closed(),
        }
    }
}
