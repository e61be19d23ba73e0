//! The SQL schema, versioned as the store's own layout is: steps applied once each, in order,
//! the version reached kept in `plaudit_schema`; a database a newer Plaudit wrote is refused.
//! Every step is idempotent (`IF NOT EXISTS`) and runs outside a transaction, because DDL in
//! transactions is not what CockroachDB and YugabyteDB do best; instances starting together
//! may both run a step, and the version moves once.

use super::int;
use super::wire::{Conn, Param, PgError};

/// Step n (from 1) brings the schema from version n - 1 to n.
const STEPS: &[&str] = &[
    // 1: the store's trees as ranges of one table's primary key; ids from one sequence.
    "CREATE TABLE IF NOT EXISTS plaudit_trees (name TEXT PRIMARY KEY, id INT8 NOT NULL UNIQUE);
     CREATE TABLE IF NOT EXISTS plaudit_kv (
         tree INT8 NOT NULL,
         k BYTEA NOT NULL,
         v BYTEA NOT NULL,
         PRIMARY KEY (tree, k)
     );
     CREATE SEQUENCE IF NOT EXISTS plaudit_ids;",
];

/// The version this Plaudit writes.
pub const VERSION: i64 = STEPS.len() as i64;

fn current(c: &mut Conn) -> Result<i64, PgError> {
    let rows = c.query("SELECT version FROM plaudit_schema WHERE one = 1", &[])?;
    Ok(rows.first().and_then(|r| int(r, 0)).unwrap_or(0))
}

/// Brings the database's schema to `VERSION`.
pub fn migrate(c: &mut Conn) -> Result<(), PgError> {
    c.simple(
        "CREATE TABLE IF NOT EXISTS plaudit_schema (one INT8 PRIMARY KEY CHECK (one = 1), version INT8 NOT NULL);
         INSERT INTO plaudit_schema (one, version) VALUES (1, 0) ON CONFLICT (one) DO NOTHING;",
    )?;
    loop {
        let version = current(c)?;
        if version > VERSION {
            return Err(PgError::Protocol(format!(
                "this database holds Plaudit's schema version {version}, newer than this release writes ({VERSION}): run the newer release"
            )));
        }
        let Some(step) = usize::try_from(version).ok().and_then(|v| STEPS.get(v)) else {
            return Ok(());
        };
        c.simple(step)?;
        c.query(
            "UPDATE plaudit_schema SET version = $1 WHERE one = 1 AND version = $1 - 1",
            &[Param::Int(version + 1)],
        )?;
    }
}

#[cfg(test)]
mod tests {
    use super::super::{PgDb, testing};

    #[test]
    fn the_schema_is_made_once_recorded_and_a_newer_one_refused() {
        let target = testing::fresh_database();
        let db = PgDb::open(target.clone(), 2).unwrap();
        let version = |db: &PgDb| {
            let rows = db
                .with(|c| c.query("SELECT version FROM plaudit_schema", &[]))
                .unwrap();
            (rows.len(), super::int(&rows[0], 0))
        };
        assert_eq!(version(&db), (1, Some(super::VERSION)));
        // Opened again (another instance): nothing changes.
        let again = PgDb::open(target.clone(), 2).unwrap();
        assert_eq!(version(&again), (1, Some(super::VERSION)));
        // A database from before the version was kept (the tables only) is brought up to it.
        db.with(|c| c.simple("DROP TABLE plaudit_schema")).unwrap();
        let old = PgDb::open(target.clone(), 2).unwrap();
        assert_eq!(version(&old), (1, Some(super::VERSION)));
        // A newer release's database: refused, saying so.
        db.with(|c| c.simple("UPDATE plaudit_schema SET version = 99"))
            .unwrap();
        let e = PgDb::open(target, 2).err().unwrap().to_string();
        assert!(
            e.contains("schema version 99, newer than this release"),
            "{e}"
        );
    }
}
