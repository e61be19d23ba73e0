//! A restore into a database server: the backup is written into trees beside the store's
//! (named `~restoring/…`, which the store never sees), and only once all of it is in and
//! checked do they take the store's place, in one transaction that renames tree rows; the
//! replaced trees are then deleted a chunk at a time.

use super::wire::Param;
use super::{PgDb, Result, int};

/// The name prefix of the trees a restore writes.
pub const STAGED: &str = "~restoring/";
/// The name prefix of trees set aside to be deleted (`~dropping/<nonce>/name`).
const DROPPING: &str = "~dropping/";
/// Rows deleted per statement: one huge DELETE is one huge transaction on a distributed engine.
const CHUNK: i64 = 5000;

impl PgDb {
    /// The trees a restore writes beside the store (a `PgDb` on the same connections), emptied
    /// first of anything an interrupted restore left there.
    pub fn staging(&self) -> Result<PgDb> {
        let aside = format!("{DROPPING}{}/", hex::encode(rand::random::<[u8; 6]>()));
        self.with(|c| {
            c.query(
                &format!("UPDATE plaudit_trees SET name = $1 || name WHERE name LIKE '{STAGED}%'"),
                &[Param::Text(&aside)],
            )
        })?;
        self.inner
            .trees
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|name, _| !name.starts_with(STAGED));
        self.drop_set_aside()?;
        Ok(PgDb {
            inner: self.inner.clone(),
            prefix: STAGED,
        })
    }

    /// Puts the staged trees in the store's place at once: in one transaction every tree of
    /// the store is set aside and every staged one takes its name; then the ones set aside are
    /// deleted. Run again after a connection broke at the commit, it finds nothing staged and
    /// changes nothing.
    pub fn promote_staging(&self) -> Result<()> {
        let aside = format!("{DROPPING}{}/", hex::encode(rand::random::<[u8; 6]>()));
        self.with(|c| {
            c.simple("BEGIN ISOLATION LEVEL SERIALIZABLE")?;
            let done = (|| {
                let staged = c.query(
                    &format!("SELECT count(*) FROM plaudit_trees WHERE name LIKE '{STAGED}%'"),
                    &[],
                )?;
                if staged.first().and_then(|r| int(r, 0)).unwrap_or(0) > 0 {
                    c.query(
                        "UPDATE plaudit_trees SET name = $1 || name WHERE name NOT LIKE '~%'",
                        &[Param::Text(&aside)],
                    )?;
                    c.query(
                        &format!(
                            "UPDATE plaudit_trees SET name = substr(name, {}) WHERE name LIKE '{STAGED}%'",
                            STAGED.len() + 1
                        ),
                        &[],
                    )?;
                }
                c.simple("COMMIT")
            })();
            if done.is_err() && c.status != b'I' {
                let _ = c.simple("ROLLBACK");
            }
            done
        })?;
        // Names now stand for other numbers.
        self.inner
            .trees
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.drop_set_aside()?;
        Ok(())
    }

    /// Deletes the trees set aside (a restore's leftovers, the trees a restore replaced);
    /// returns how many rows went.
    pub fn drop_set_aside(&self) -> Result<u64> {
        let rows = self.with(|c| {
            c.query(
                &format!("SELECT id FROM plaudit_trees WHERE name LIKE '{DROPPING}%'"),
                &[],
            )
        })?;
        let mut removed = 0u64;
        for id in rows.iter().filter_map(|r| int(r, 0)) {
            loop {
                let gone = self.with(|c| {
                    c.query(
                        "WITH gone AS (DELETE FROM plaudit_kv WHERE tree = $1 AND k IN \
                         (SELECT k FROM plaudit_kv WHERE tree = $1 LIMIT $2) RETURNING 1) \
                         SELECT count(*) FROM gone",
                        &[Param::Int(id), Param::Int(CHUNK)],
                    )
                })?;
                let n = gone.first().and_then(|r| int(r, 0)).unwrap_or(0);
                removed += n.max(0) as u64;
                if n < CHUNK {
                    break;
                }
            }
            self.with(|c| c.query("DELETE FROM plaudit_trees WHERE id = $1", &[Param::Int(id)]))?;
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{PgDb, testing};
    use crate::store::kv::{Db, IVec};

    fn entries(db: &Db, tree: &str) -> Vec<(IVec, IVec)> {
        db.open_tree(tree)
            .unwrap()
            .iter()
            .map(|e| e.unwrap())
            .collect()
    }

    #[test]
    fn staged_trees_are_invisible_until_promoted_and_then_replace_the_store_whole() {
        let pg = PgDb::open(testing::fresh_database(), 4).unwrap();
        let live = Db::Pg(pg.clone());
        live.open_tree("meta")
            .unwrap()
            .insert(b"old", b"1".to_vec())
            .unwrap();
        let gone = live.open_tree("only_before").unwrap();
        for i in 0..12_000u32 {
            gone.insert(i.to_be_bytes(), b"x".to_vec()).unwrap();
        }
        // An interrupted restore's leftovers are cleared by the next one.
        let left = Db::Pg(pg.staging().unwrap());
        left.open_tree("meta")
            .unwrap()
            .insert(b"stale", b"?".to_vec())
            .unwrap();

        let staged = Db::Pg(pg.staging().unwrap());
        staged
            .open_tree("meta")
            .unwrap()
            .insert(b"new", b"2".to_vec())
            .unwrap();
        staged
            .open_tree("items")
            .unwrap()
            .insert(b"k", b"v".to_vec())
            .unwrap();
        // The store sees none of it; the staged view sees only its own.
        assert_eq!(
            live.tree_names(),
            [IVec::from("meta"), IVec::from("only_before")]
        );
        assert_eq!(
            staged.tree_names(),
            [IVec::from("items"), IVec::from("meta")]
        );
        assert_eq!(
            entries(&live, "meta"),
            [(IVec::from("old"), IVec::from("1"))]
        );
        assert!(
            live.open_tree("~x").is_err(),
            "names of the restore's own are refused"
        );

        pg.promote_staging().unwrap();
        assert_eq!(live.tree_names(), [IVec::from("items"), IVec::from("meta")]);
        assert_eq!(
            entries(&live, "meta"),
            [(IVec::from("new"), IVec::from("2"))]
        );
        assert_eq!(
            entries(&live, "items"),
            [(IVec::from("k"), IVec::from("v"))]
        );
        // The replaced trees' rows are gone, in chunks; promoting again changes nothing.
        let rows = pg
            .with(|c| c.query("SELECT count(*) FROM plaudit_kv", &[]))
            .unwrap();
        assert_eq!(super::int(&rows[0], 0), Some(2));
        pg.promote_staging().unwrap();
        assert_eq!(
            entries(&live, "meta"),
            [(IVec::from("new"), IVec::from("2"))]
        );
    }
}
