//! Provider connections of a workspace, keyed (workspace, connection). Tokens inside are
//! sealed by the caller; the store never sees them in plain text.

use super::page::{self, Order, Page, PageRequest};
use super::{Store, codec, keys, typed};
use crate::domain::{Connection, Id, Workspace};
use anyhow::Context;

pub struct Connections<'a> {
    pub(super) store: &'a Store,
}

impl Connections<'_> {
    pub fn put(&self, c: &Connection) -> anyhow::Result<()> {
        typed::put(&self.store.connections, &keys::pair(&c.workspace, &c.id), c)
    }

    pub fn get(
        &self,
        ws: &Id<Workspace>,
        id: &Id<Connection>,
    ) -> anyhow::Result<Option<Connection>> {
        typed::get(&self.store.connections, &keys::pair(ws, id))
    }

    /// Changes one connection atomically (the poller and a user may both be at it); returns
    /// the changed record, or None when it is gone. `f` may run more than once.
    pub fn update(
        &self,
        ws: &Id<Workspace>,
        id: &Id<Connection>,
        mut f: impl FnMut(&mut Connection),
    ) -> anyhow::Result<Option<Connection>> {
        let key = keys::pair(ws, id);
        let tree = &self.store.connections;
        loop {
            let Some(old) = tree.get(key).context("reading a connection")? else {
                return Ok(None);
            };
            let mut c: Connection = codec::decode(&old)?;
            f(&mut c);
            let new = codec::encode(&c)?;
            match tree
                .compare_and_swap(key, Some(&old), Some(new))
                .context("writing a connection")?
            {
                Ok(()) => return Ok(Some(c)),
                Err(_) => continue,
            }
        }
    }

    pub fn remove(&self, ws: &Id<Workspace>, id: &Id<Connection>) -> anyhow::Result<bool> {
        Ok(self
            .store
            .connections
            .remove(keys::pair(ws, id))
            .context("removing a connection")?
            .is_some())
    }

    /// One page of the connections of `ws`, oldest first.
    pub fn page(&self, ws: &Id<Workspace>, req: &PageRequest) -> anyhow::Result<Page<Connection>> {
        page::records(
            &self.store.connections,
            ws.as_bytes(),
            req,
            Order::Ascending,
        )
    }

    /// One page of every connection of the instance (for the poller).
    pub fn all(&self, req: &PageRequest) -> anyhow::Result<Page<Connection>> {
        page::records(&self.store.connections, &[], req, Order::Ascending)
    }
}
