//! Showcase sets (`showcases`: (workspace, set) → set; `showcase_ids`: set → workspace, for
//! the public address). Plain records: a set holds ids of what it shows, never the words, so
//! nothing here is personal.

use super::page::{self, Order, PageRequest};
use super::{Store, keys, typed};
use crate::domain::{Id, Showcase, Workspace};
use anyhow::Context;

pub struct Showcases<'a> {
    pub(super) store: &'a Store,
}

/// A workspace has at most this many sets.
pub const MAX_SHOWCASES: usize = 100;

impl Showcases<'_> {
    pub fn get(&self, ws: &Id<Workspace>, id: &Id<Showcase>) -> anyhow::Result<Option<Showcase>> {
        typed::get(&self.store.showcases, &keys::pair(ws, id))
    }

    pub fn put(&self, set: &Showcase) -> anyhow::Result<()> {
        // The index first: a crash between the two leaves an entry naming nothing (harmless),
        // never a set its public address cannot find.
        self.store
            .showcase_ids
            .insert(set.id.as_bytes(), set.workspace.as_bytes().as_slice())
            .context("indexing a showcase")?;
        typed::put(
            &self.store.showcases,
            &keys::pair(&set.workspace, &set.id),
            set,
        )
    }

    /// Changes a set atomically; `None` when it does not exist.
    pub fn update(
        &self,
        ws: &Id<Workspace>,
        id: &Id<Showcase>,
        change: impl Fn(&mut Showcase) -> bool,
    ) -> anyhow::Result<Option<Showcase>> {
        typed::update(&self.store.showcases, &keys::pair(ws, id), change)
    }

    /// The workspace of the set `id`, if it was ever stored.
    pub fn workspace_of(&self, id: &Id<Showcase>) -> anyhow::Result<Option<Id<Workspace>>> {
        Ok(self
            .store
            .showcase_ids
            .get(id.as_bytes())
            .context("reading the showcase index")?
            .and_then(|v| <[u8; 16]>::try_from(v.as_ref()).ok())
            .map(Id::from_bytes))
    }

    pub fn remove(&self, ws: &Id<Workspace>, id: &Id<Showcase>) -> anyhow::Result<bool> {
        self.store
            .showcase_ids
            .remove(id.as_bytes())
            .context("removing a showcase's index entry")?;
        Ok(self
            .store
            .showcases
            .remove(keys::pair(ws, id))
            .context("removing a showcase")?
            .is_some())
    }

    /// Every set of `ws`, oldest first.
    pub fn all(&self, ws: &Id<Workspace>) -> anyhow::Result<Vec<Showcase>> {
        Ok(page::records(
            &self.store.showcases,
            ws.as_bytes(),
            &PageRequest::first(MAX_SHOWCASES),
            Order::Ascending,
        )?
        .items)
    }
}
