//! The store's trees in a PostgreSQL-wire database (PostgreSQL, CockroachDB, YugabyteDB): one
//! table of `(tree, key, value)` rows with the key in the primary key, so a tree is a range of
//! the index, and nothing those engines do not all support — plain tables, `bytea`, a
//! sequence, `SERIALIZABLE` transactions run again on serialization failures (40001); no
//! `LISTEN/NOTIFY`, advisory locks or extensions.

mod iter;
mod pool;
pub mod schema;
mod snapshot;
mod staging;
pub mod target;
#[cfg(test)]
pub mod testing;
mod tls;
mod tx;
pub mod wire;

pub use iter::PgIter;
pub use snapshot::PgSnapshot;
pub use tx::{PgTx, transaction};

use super::{IVec, Result};
use pool::Pool;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use target::Target;
use wire::{Conn, Param, PgError, Row};

/// Point reads `get_many` sends in one round trip.
const MANY: usize = 256;

/// Tries before a statement or transaction that keeps meeting serialization failures gives up.
const TRIES: usize = 30;

/// An open PostgreSQL-wire database.
#[derive(Clone)]
pub struct PgDb {
    pub(super) inner: Arc<Inner>,
    /// Put before every tree name: empty for the store, `staging::STAGED` for the trees a
    /// restore writes beside it.
    prefix: &'static str,
}

/// Tree names from this character on are a restore's: beside the store, never part of it.
const HIDDEN: &str = "~";

pub(super) struct Inner {
    pub pool: Pool,
    /// Tree names → their numbers in `plaudit_trees`.
    trees: Mutex<HashMap<String, i64>>,
}

/// One tree of a `PgDb`.
#[derive(Clone)]
pub struct PgTree {
    pub(super) db: PgDb,
    pub(super) id: i64,
    pub(super) name: IVec,
}

/// A driver error as the store's engine error (an I/O error, as sled's own are).
pub fn engine_error(e: PgError) -> super::Error {
    super::Error::Io(std::io::Error::other(e))
}

impl PgDb {
    /// Connects (up to `max_connections` at once) and makes the schema if it is missing.
    pub fn open(target: Target, max_connections: usize) -> Result<Self> {
        let db = Self {
            inner: Arc::new(Inner {
                pool: Pool::new(target, max_connections),
                trees: Mutex::new(HashMap::new()),
            }),
            prefix: "",
        };
        db.with(schema::migrate)?;
        Ok(db)
    }

    /// Runs `f` on a connection, again (on a fresh connection if it broke) while it fails in a
    /// way worth retrying.
    pub(super) fn with<T>(
        &self,
        mut f: impl FnMut(&mut Conn) -> std::result::Result<T, PgError>,
    ) -> Result<T> {
        let mut last = None;
        for attempt in 0..TRIES {
            let mut taken = self.inner.pool.get().map_err(engine_error)?;
            match taken.conn().and_then(&mut f) {
                Ok(v) => return Ok(v),
                Err(e) if e.is_broken() => {
                    taken.discard();
                    // A server restarting: a few short waits, then the error.
                    if attempt >= 3 {
                        return Err(engine_error(e));
                    }
                    std::thread::sleep(std::time::Duration::from_millis(50 << attempt));
                    last = Some(e);
                }
                Err(e) if e.is_retryable() => {
                    backoff(attempt);
                    last = Some(e);
                }
                Err(e) => return Err(engine_error(e)),
            }
        }
        Err(engine_error(last.unwrap_or_else(|| {
            PgError::Protocol("no attempt made".into())
        })))
    }

    pub fn open_tree(&self, name: &[u8]) -> Result<PgTree> {
        let text = std::str::from_utf8(name)
            .map_err(|_| engine_error(PgError::Protocol("a tree's name must be UTF-8".into())))?;
        if text.starts_with(HIDDEN) {
            return Err(engine_error(PgError::Protocol(format!(
                "a tree's name may not start with {HIDDEN}"
            ))));
        }
        let text = format!("{}{text}", self.prefix);
        if let Some(&id) = self
            .inner
            .trees
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&text)
        {
            return Ok(self.tree(id, name));
        }
        let id = self.with(|c| {
            // A new tree takes the next number; two instances naming two trees at once may
            // pick the same one, and the unique index sends one of them round again.
            loop {
                let found = c.query(
                    "SELECT id FROM plaudit_trees WHERE name = $1",
                    &[Param::Text(&text)],
                )?;
                if let Some(id) = found.first().and_then(|r| int(r, 0)) {
                    return Ok(id);
                }
                match c.query(
                    "INSERT INTO plaudit_trees (name, id) SELECT $1, COALESCE(MAX(id), 0) + 1 FROM plaudit_trees ON CONFLICT (name) DO NOTHING",
                    &[Param::Text(&text)],
                ) {
                    Ok(_) => {}
                    Err(PgError::Server { code, .. }) if code == "23505" => {}
                    Err(e) => return Err(e),
                }
            }
        })?;
        self.inner
            .trees
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(text, id);
        Ok(self.tree(id, name))
    }

    fn tree(&self, id: i64, name: &[u8]) -> PgTree {
        PgTree {
            db: self.clone(),
            id,
            name: IVec::from(name),
        }
    }

    pub fn drop_tree(&self, name: &[u8]) -> Result<bool> {
        let text = format!("{}{}", self.prefix, String::from_utf8_lossy(name));
        let dropped = self.with(|c| {
            let rows = c.query(
                "DELETE FROM plaudit_trees WHERE name = $1 RETURNING id",
                &[Param::Text(&text)],
            )?;
            if let Some(id) = rows.first().and_then(|r| int(r, 0)) {
                c.query("DELETE FROM plaudit_kv WHERE tree = $1", &[Param::Int(id)])?;
                return Ok(true);
            }
            Ok(false)
        })?;
        self.inner
            .trees
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&text);
        Ok(dropped)
    }

    pub fn tree_names(&self) -> Vec<IVec> {
        self.with(|c| c.query("SELECT name FROM plaudit_trees ORDER BY name", &[]))
            .map(|rows| {
                rows.iter()
                    .filter_map(|r| r.first().cloned().flatten())
                    .filter_map(|b| {
                        let name = b.strip_prefix(self.prefix.as_bytes())?;
                        let hidden = self.prefix.is_empty() && name.starts_with(HIDDEN.as_bytes());
                        (!hidden).then(|| IVec::from(name))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn generate_id(&self) -> Result<u64> {
        let rows = self.with(|c| c.query("SELECT nextval('plaudit_ids')", &[]))?;
        rows.first()
            .and_then(|r| int(r, 0))
            .map(|i| i as u64)
            .ok_or_else(|| engine_error(PgError::Protocol("nextval gave nothing".into())))
    }

    /// Round trips made to the database so far (`Pool::round_trips`).
    pub fn round_trips(&self) -> u64 {
        self.inner.pool.round_trips()
    }

    pub fn size_on_disk(&self) -> Result<u64> {
        // PostgreSQL's own measure; engines without it answer 0.
        Ok(self
            .with(|c| c.query("SELECT pg_total_relation_size('plaudit_kv')", &[]))
            .ok()
            .and_then(|rows| rows.first().and_then(|r| int(r, 0)))
            .unwrap_or(0) as u64)
    }
}

/// Column `i` of `row` as an int8.
pub(super) fn int(row: &Row, i: usize) -> Option<i64> {
    let b = row.get(i)?.as_ref()?;
    Some(i64::from_be_bytes(b[..].try_into().ok()?))
}

/// Column `i` of `row` as bytes.
pub(super) fn bytes(row: &Row, i: usize) -> Option<IVec> {
    row.get(i)?.as_ref().map(|b| IVec::from(&b[..]))
}

/// A short, growing, jittered pause before running a failed transaction again.
pub(super) fn backoff(attempt: usize) {
    let ms = (1u64 << attempt.min(6)) + rand::random::<u64>() % 5;
    std::thread::sleep(std::time::Duration::from_millis(ms));
}

impl PgTree {
    fn one(&self, sql: &'static str, key: &[u8]) -> Result<Option<IVec>> {
        let rows = self
            .db
            .with(|c| c.query(sql, &[Param::Int(self.id), Param::Bytes(key)]))?;
        Ok(rows.first().and_then(|r| bytes(r, 0)))
    }

    pub fn get(&self, key: &[u8]) -> Result<Option<IVec>> {
        self.one("SELECT v FROM plaudit_kv WHERE tree = $1 AND k = $2", key)
    }

    /// The values of `keys`, in their order, in one round trip per `MANY` keys.
    pub fn get_many(&self, keys: &[&[u8]]) -> Result<Vec<Option<IVec>>> {
        let mut out = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(MANY) {
            let params: Vec<Vec<Param<'_>>> = chunk
                .iter()
                .map(|k| vec![Param::Int(self.id), Param::Bytes(k)])
                .collect();
            let runs = self.db.with(|c| {
                c.query_each(
                    "SELECT v FROM plaudit_kv WHERE tree = $1 AND k = $2",
                    &params,
                )
            })?;
            out.extend(
                runs.iter()
                    .map(|rows| rows.first().and_then(|r| bytes(r, 0))),
            );
        }
        Ok(out)
    }

    /// The last `n` entries of each range `lo..=hi`, greatest key first, all in one round trip.
    pub fn last_in_each(
        &self,
        ranges: &[(&[u8], &[u8])],
        n: usize,
    ) -> Result<Vec<Vec<(IVec, IVec)>>> {
        let limit = i64::try_from(n).unwrap_or(i64::MAX);
        let mut out = Vec::with_capacity(ranges.len());
        for chunk in ranges.chunks(MANY) {
            let params: Vec<Vec<Param<'_>>> = chunk
                .iter()
                .map(|(lo, hi)| {
                    vec![
                        Param::Int(self.id),
                        Param::Int(limit),
                        Param::Bytes(lo),
                        Param::Bytes(hi),
                    ]
                })
                .collect();
            let runs = self.db.with(|c| {
                c.query_each(
                    "SELECT k, v FROM plaudit_kv WHERE tree = $1 AND k >= $3 AND k <= $4 ORDER BY k DESC LIMIT $2",
                    &params,
                )
            })?;
            out.extend(runs.iter().map(|rows| {
                rows.iter()
                    .filter_map(|r| Some((bytes(r, 0)?, bytes(r, 1)?)))
                    .collect()
            }));
        }
        Ok(out)
    }

    pub fn contains_key(&self, key: &[u8]) -> Result<bool> {
        Ok(self.get(key)?.is_some())
    }

    pub fn insert(&self, key: &[u8], value: &[u8]) -> Result<Option<IVec>> {
        let rows = self.db.with(|c| {
            c.query(
                "WITH old AS (SELECT v FROM plaudit_kv WHERE tree = $1 AND k = $2 FOR UPDATE), \
                 up AS (INSERT INTO plaudit_kv (tree, k, v) VALUES ($1, $2, $3) \
                        ON CONFLICT (tree, k) DO UPDATE SET v = excluded.v) \
                 SELECT v FROM old",
                &[Param::Int(self.id), Param::Bytes(key), Param::Bytes(value)],
            )
        })?;
        Ok(rows.first().and_then(|r| bytes(r, 0)))
    }

    pub fn remove(&self, key: &[u8]) -> Result<Option<IVec>> {
        self.one(
            "DELETE FROM plaudit_kv WHERE tree = $1 AND k = $2 RETURNING v",
            key,
        )
    }

    pub fn first(&self) -> Result<Option<(IVec, IVec)>> {
        self.end("SELECT k, v FROM plaudit_kv WHERE tree = $1 ORDER BY k LIMIT 1")
    }

    pub fn last(&self) -> Result<Option<(IVec, IVec)>> {
        self.end("SELECT k, v FROM plaudit_kv WHERE tree = $1 ORDER BY k DESC LIMIT 1")
    }

    fn end(&self, sql: &'static str) -> Result<Option<(IVec, IVec)>> {
        let rows = self.db.with(|c| c.query(sql, &[Param::Int(self.id)]))?;
        Ok(rows
            .first()
            .and_then(|r| Some((bytes(r, 0)?, bytes(r, 1)?))))
    }

    pub fn len(&self) -> usize {
        self.db
            .with(|c| {
                c.query(
                    "SELECT count(*) FROM plaudit_kv WHERE tree = $1",
                    &[Param::Int(self.id)],
                )
            })
            .ok()
            .and_then(|rows| rows.first().and_then(|r| int(r, 0)))
            .unwrap_or(0) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.first().map(|f| f.is_none()).unwrap_or(true)
    }

    pub fn clear(&self) -> Result<()> {
        self.db
            .with(|c| {
                c.query(
                    "DELETE FROM plaudit_kv WHERE tree = $1",
                    &[Param::Int(self.id)],
                )
            })
            .map(drop)
    }

    /// Applies `writes` (value `None`: remove) in one transaction.
    pub fn apply(&self, writes: &[(IVec, Option<IVec>)]) -> Result<()> {
        self.db.with(|c| {
            c.simple("BEGIN ISOLATION LEVEL SERIALIZABLE")?;
            let done = tx::write_all(c, writes.iter().map(|(k, v)| (self.id, k, v.as_ref())))
                .and_then(|()| c.simple("COMMIT"));
            if done.is_err() && c.status != b'I' {
                let _ = c.simple("ROLLBACK");
            }
            done
        })
    }
}
