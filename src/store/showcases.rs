//! Showcase sets (`showcases`: (workspace, set) → set). Plain records: a set holds ids of what
//! it shows, never the words, so nothing here is personal.

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

    pub fn remove(&self, ws: &Id<Workspace>, id: &Id<Showcase>) -> anyhow::Result<bool> {
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
