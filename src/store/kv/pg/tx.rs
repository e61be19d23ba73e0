//! Transactions on a PostgreSQL-wire database as the store writes them for sled: a closure
//! reads through the database and keeps its writes until it returns, then they are written and
//! committed at `SERIALIZABLE`; a serialization failure (40001) runs the closure again.

use super::wire::{Conn, Param, PgError};
use super::{PgDb, PgTree, backoff, bytes, engine_error};
use crate::store::kv::IVec;
use crate::store::kv::transaction::{
    ConflictableTransactionError, ConflictableTransactionResult, TransactionError,
    TransactionResult, UnabortableTransactionError,
};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// Upserts and deletes `writes` (tree, key, value or `None` to remove) in one round trip.
pub(super) fn write_all<'a>(
    c: &mut Conn,
    writes: impl Iterator<Item = (i64, &'a IVec, Option<&'a IVec>)>,
) -> Result<(), PgError> {
    let statements: Vec<(&str, Vec<Param<'_>>)> = writes
        .map(|(tree, k, v)| match v {
            Some(v) => (
                "INSERT INTO plaudit_kv (tree, k, v) VALUES ($1, $2, $3) \
                 ON CONFLICT (tree, k) DO UPDATE SET v = excluded.v",
                vec![Param::Int(tree), Param::Bytes(k), Param::Bytes(v)],
            ),
            None => (
                "DELETE FROM plaudit_kv WHERE tree = $1 AND k = $2",
                vec![Param::Int(tree), Param::Bytes(k)],
            ),
        })
        .collect();
    // Pipelined in slices: one round trip each, without holding one huge message.
    for chunk in statements.chunks(500) {
        c.pipeline(chunk)?;
    }
    Ok(())
}

struct State {
    conn: Conn,
    /// What the closure wrote, by tree and key (`None`: removed), written at commit.
    writes: BTreeMap<(i64, IVec), Option<IVec>>,
}

/// One tree inside a running transaction.
#[derive(Clone)]
pub struct PgTx {
    state: Rc<RefCell<State>>,
    tree: i64,
}

fn failed(e: PgError) -> UnabortableTransactionError {
    if e.is_retryable() {
        UnabortableTransactionError::Conflict
    } else {
        UnabortableTransactionError::Storage(engine_error(e))
    }
}

impl PgTx {
    pub fn get(&self, key: &[u8]) -> Result<Option<IVec>, UnabortableTransactionError> {
        let mut s = self.state.borrow_mut();
        if let Some(v) = s.writes.get(&(self.tree, IVec::from(key))) {
            return Ok(v.clone());
        }
        let rows = s
            .conn
            .query(
                "SELECT v FROM plaudit_kv WHERE tree = $1 AND k = $2",
                &[Param::Int(self.tree), Param::Bytes(key)],
            )
            .map_err(failed)?;
        Ok(rows.first().and_then(|r| bytes(r, 0)))
    }

    pub fn insert(
        &self,
        key: IVec,
        value: IVec,
    ) -> Result<Option<IVec>, UnabortableTransactionError> {
        let old = self.get(&key)?;
        self.state
            .borrow_mut()
            .writes
            .insert((self.tree, key), Some(value));
        Ok(old)
    }

    pub fn remove(&self, key: IVec) -> Result<Option<IVec>, UnabortableTransactionError> {
        let old = self.get(&key)?;
        self.state
            .borrow_mut()
            .writes
            .insert((self.tree, key), None);
        Ok(old)
    }

    pub fn generate_id(&self) -> crate::store::kv::Result<u64> {
        let mut s = self.state.borrow_mut();
        let rows = s
            .conn
            .query("SELECT nextval('plaudit_ids')", &[])
            .map_err(engine_error)?;
        rows.first()
            .and_then(|r| super::int(r, 0))
            .map(|i| i as u64)
            .ok_or_else(|| engine_error(PgError::Protocol("nextval gave nothing".into())))
    }
}

/// Runs `f` over `trees` as one transaction (see the module).
pub fn transaction<A, E>(
    db: &PgDb,
    trees: &[&PgTree],
    f: impl Fn(&[PgTx]) -> ConflictableTransactionResult<A, E>,
) -> TransactionResult<A, E> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut taken = db
            .inner
            .pool
            .get()
            .map_err(|e| TransactionError::Storage(engine_error(e)))?;
        let conn = taken
            .take()
            .map_err(|e| TransactionError::Storage(engine_error(e)))?;
        let (outcome, conn) = run_once(conn, trees, &f);
        let Some(mut conn) = conn else {
            taken.discard();
            return Err(TransactionError::Storage(engine_error(PgError::Protocol(
                "a transaction's tree was kept past its closure".into(),
            ))));
        };
        if conn.status != b'I' {
            let _ = conn.simple("ROLLBACK");
        }
        taken.put(conn);
        match outcome {
            Once::Done(a) => return Ok(a),
            Once::Abort(e) => return Err(TransactionError::Abort(e)),
            Once::Failed(e) if e.is_broken() => {
                taken.discard();
                if attempt > 3 {
                    return Err(TransactionError::Storage(engine_error(e)));
                }
                std::thread::sleep(std::time::Duration::from_millis(50 << attempt));
            }
            Once::Failed(e) if !e.is_retryable() => {
                return Err(TransactionError::Storage(engine_error(e)));
            }
            Once::Failed(_) | Once::Conflict if attempt < super::TRIES => backoff(attempt),
            Once::Failed(e) => return Err(TransactionError::Storage(engine_error(e))),
            Once::Conflict => {
                return Err(TransactionError::Storage(engine_error(PgError::Protocol(
                    "a transaction kept conflicting with others".into(),
                ))));
            }
            Once::Storage(e) => return Err(TransactionError::Storage(e)),
        }
    }
}

enum Once<A, E> {
    Done(A),
    Abort(E),
    Conflict,
    Failed(PgError),
    Storage(crate::store::kv::Error),
}

/// One try: BEGIN, the closure, the writes and COMMIT. Gives the connection back, unless the
/// closure kept one of its trees.
fn run_once<A, E>(
    mut conn: Conn,
    trees: &[&PgTree],
    f: &impl Fn(&[PgTx]) -> ConflictableTransactionResult<A, E>,
) -> (Once<A, E>, Option<Conn>) {
    if let Err(e) = conn.simple("BEGIN ISOLATION LEVEL SERIALIZABLE") {
        return (Once::Failed(e), Some(conn));
    }
    let state = Rc::new(RefCell::new(State {
        conn,
        writes: BTreeMap::new(),
    }));
    let views: Vec<PgTx> = trees
        .iter()
        .map(|t| PgTx {
            state: state.clone(),
            tree: t.id,
        })
        .collect();
    let result = f(&views);
    drop(views);
    let Ok(cell) = Rc::try_unwrap(state) else {
        return (Once::Conflict, None);
    };
    let State { mut conn, writes } = cell.into_inner();
    let outcome = match result {
        Ok(a) => {
            let done = write_all(
                &mut conn,
                writes.iter().map(|((t, k), v)| (*t, k, v.as_ref())),
            )
            .and_then(|()| conn.simple("COMMIT"));
            match done {
                Ok(()) => Once::Done(a),
                Err(e) => Once::Failed(e),
            }
        }
        Err(ConflictableTransactionError::Abort(e)) => Once::Abort(e),
        Err(ConflictableTransactionError::Conflict) => Once::Conflict,
        Err(ConflictableTransactionError::Storage(e)) => Once::Storage(e),
    };
    (outcome, Some(conn))
}
