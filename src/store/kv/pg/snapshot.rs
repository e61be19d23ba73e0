//! The whole database as of one instant, for a backup: a read-only `REPEATABLE READ`
//! transaction on a connection of its own, read tree by tree in key order.

use super::wire::{Conn, Param};
use super::{Inner, PgDb, bytes, engine_error, int};
use crate::store::kv::{IVec, Result};
use std::sync::Arc;

pub struct PgSnapshot {
    inner: Arc<Inner>,
    conn: Option<Conn>,
}

/// Rows read at once.
const PAGE: i64 = 1024;

impl PgDb {
    pub fn snapshot(&self) -> Result<PgSnapshot> {
        let mut conn = self.inner.pool.checkout().map_err(engine_error)?;
        if let Err(e) = conn.simple("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") {
            drop(conn);
            self.inner.pool.closed();
            return Err(engine_error(e));
        }
        Ok(PgSnapshot {
            inner: self.inner.clone(),
            conn: Some(conn),
        })
    }
}

impl PgSnapshot {
    fn conn(&mut self) -> Result<&mut Conn> {
        self.conn.as_mut().ok_or_else(|| {
            engine_error(super::wire::PgError::Protocol(
                "the snapshot has ended".into(),
            ))
        })
    }

    /// Every tree, by name, with its number.
    pub fn trees(&mut self) -> Result<Vec<(IVec, i64)>> {
        let rows = self
            .conn()?
            .query(
                "SELECT name, id FROM plaudit_trees WHERE name NOT LIKE '~%' ORDER BY name",
                &[],
            )
            .map_err(engine_error)?;
        Ok(rows
            .iter()
            .filter_map(|r| Some((bytes(r, 0)?, int(r, 1)?)))
            .collect())
    }

    /// The entries of tree `id` after `after` (from the first without it), a page of them;
    /// fewer than a page at the end.
    pub fn page(&mut self, id: i64, after: Option<&[u8]>) -> Result<Vec<(IVec, IVec)>> {
        let conn = self.conn()?;
        let rows = match after {
            Some(k) => conn.query(
                "SELECT k, v FROM plaudit_kv WHERE tree = $1 AND k > $3 ORDER BY k LIMIT $2",
                &[Param::Int(id), Param::Int(PAGE), Param::Bytes(k)],
            ),
            None => conn.query(
                "SELECT k, v FROM plaudit_kv WHERE tree = $1 ORDER BY k LIMIT $2",
                &[Param::Int(id), Param::Int(PAGE)],
            ),
        }
        .map_err(engine_error)?;
        Ok(rows
            .iter()
            .filter_map(|r| Some((bytes(r, 0)?, bytes(r, 1)?)))
            .collect())
    }
}

impl Drop for PgSnapshot {
    fn drop(&mut self) {
        if let Some(mut conn) = self.conn.take() {
            let _ = conn.simple("ROLLBACK");
            self.inner.pool.checkin(conn);
        }
    }
}
