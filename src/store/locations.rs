//! Locations of a workspace, keyed (workspace, location).

use super::{Store, keys, typed};
use crate::domain::{Id, Location};

pub struct Locations<'a> {
    pub(super) store: &'a Store,
}

impl Locations<'_> {
    pub fn put(&self, loc: &Location) -> anyhow::Result<()> {
        typed::put(
            &self.store.locations,
            &keys::pair(&loc.workspace, &loc.id),
            loc,
        )
    }

    pub fn get(&self, ws: &Id, id: &Id) -> anyhow::Result<Option<Location>> {
        typed::get(&self.store.locations, &keys::pair(ws, id))
    }

    pub fn of_workspace(&self, ws: &Id) -> anyhow::Result<Vec<Location>> {
        typed::scan(&self.store.locations, ws.as_bytes())
    }

    /// Active (not archived) locations, for plan limits.
    pub fn count_active(&self, ws: &Id) -> anyhow::Result<usize> {
        Ok(self
            .of_workspace(ws)?
            .iter()
            .filter(|l| !l.archived)
            .count())
    }
}
