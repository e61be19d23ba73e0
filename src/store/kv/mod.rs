//! The engine under the store: ordered trees of byte keys with point reads, range scans,
//! atomic batches and multi-tree transactions — all the store asks of an engine, and so all a
//! second engine (a PostgreSQL-wire one, issue 28) has to give. sled 0.34 is the engine today;
//! only the modules that are about sled itself (`engine`, `handle`'s open and close, the
//! snapshot's recorder and import) reach it, through `Db::sled`.

#[cfg(test)]
mod boundary;
mod iter;
pub mod pg;
pub mod transaction;
mod tree;

pub use iter::Iter;
pub use sled::{Error, IVec, Result};
pub use transaction::Transactional;
pub use tree::{Batch, CompareAndSwapResult, Tree};

/// Whether `e` comes from a database server that cannot be reached (down, restarting, every
/// connection busy): the request may succeed later, so it is answered 503, not 500.
pub fn unavailable(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<pg::wire::PgError>()
            .is_some_and(pg::wire::PgError::is_broken)
            || c.downcast_ref::<std::io::Error>()
                .is_some_and(io_unavailable)
            || c.downcast_ref::<Error>().is_some_and(engine_unavailable)
    })
}

/// `unavailable` for an engine error.
pub fn engine_unavailable(e: &Error) -> bool {
    matches!(e, Error::Io(io) if io_unavailable(io))
}

fn io_unavailable(io: &std::io::Error) -> bool {
    io.get_ref()
        .and_then(|inner| inner.downcast_ref::<pg::wire::PgError>())
        .is_some_and(pg::wire::PgError::is_broken)
}

/// An open database: its trees by name.
#[derive(Clone)]
pub enum Db {
    Sled(sled::Db),
    Pg(pg::PgDb),
}

impl Db {
    pub fn from_sled(db: sled::Db) -> Self {
        Self::Sled(db)
    }

    /// The sled database underneath, for what is about sled itself (None on another engine).
    pub fn sled(&self) -> Option<&sled::Db> {
        match self {
            Db::Sled(db) => Some(db),
            Db::Pg(_) => None,
        }
    }

    /// A database in a folder of its own that goes when it is dropped (tests).
    #[cfg(test)]
    pub fn temporary() -> Self {
        Self::Sled(sled::Config::new().temporary(true).open().unwrap())
    }

    /// A database in `path`, as sled writes by default (tests).
    #[cfg(test)]
    pub fn at(path: &std::path::Path) -> Self {
        Self::Sled(sled::Config::new().path(path).open().unwrap())
    }

    /// The tree `name`, created empty if the database has none.
    pub fn open_tree<V: AsRef<[u8]>>(&self, name: V) -> Result<Tree> {
        match self {
            Db::Sled(db) => db.open_tree(name).map(Tree::Sled),
            Db::Pg(db) => db.open_tree(name.as_ref()).map(Tree::Pg),
        }
    }

    pub fn drop_tree<V: AsRef<[u8]>>(&self, name: V) -> Result<bool> {
        match self {
            Db::Sled(db) => db.drop_tree(name),
            Db::Pg(db) => db.drop_tree(name.as_ref()),
        }
    }

    /// Every tree's name (on sled, its default tree among them).
    pub fn tree_names(&self) -> Vec<IVec> {
        match self {
            Db::Sled(db) => db.tree_names(),
            Db::Pg(db) => db.tree_names(),
        }
    }

    /// Makes every write so far durable; returns the bytes written (on a SQL engine every
    /// write is durable once acknowledged: nothing to do).
    pub fn flush(&self) -> Result<usize> {
        match self {
            Db::Sled(db) => db.flush(),
            Db::Pg(_) => Ok(0),
        }
    }

    /// A number never handed out before by this database, growing.
    pub fn generate_id(&self) -> Result<u64> {
        match self {
            Db::Sled(db) => db.generate_id(),
            Db::Pg(db) => db.generate_id(),
        }
    }

    /// Round trips to a database server so far (none on sled, which answers in-process).
    pub fn round_trips(&self) -> u64 {
        match self {
            Db::Sled(_) => 0,
            Db::Pg(db) => db.round_trips(),
        }
    }

    pub fn size_on_disk(&self) -> Result<u64> {
        match self {
            Db::Sled(db) => db.size_on_disk(),
            Db::Pg(db) => db.size_on_disk(),
        }
    }
}

#[cfg(test)]
mod tests;
