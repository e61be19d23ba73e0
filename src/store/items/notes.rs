//! Tags, assignee and notes per item (`item_notes`: (workspace, item) → notes, sealed with the
//! item's key: a note may speak of its author), and the workspace's reply templates
//! (`reply_templates`: (workspace, template) → template).

use super::Items;
use crate::domain::{Id, Item, ItemNotes, ReplyTemplate, Workspace};
use crate::store::page::{self, Order, PageRequest};
use crate::store::{PersonRef, codec, keys, typed};
use anyhow::Context;

impl Items<'_> {
    pub fn notes(&self, ws: &Id<Workspace>, id: &Id<Item>) -> anyhow::Result<ItemNotes> {
        Ok(self
            .store
            .unseal_at(&self.store.item_notes, &keys::pair(ws, id))?
            .unwrap_or_default())
    }

    /// Changes an item's notes with `change`, atomically (two people tagging at once both count).
    pub fn update_notes<R>(
        &self,
        ws: &Id<Workspace>,
        id: &Id<Item>,
        change: impl Fn(&mut ItemNotes) -> Result<R, String>,
    ) -> anyhow::Result<Result<R, String>> {
        let key = keys::pair(ws, id);
        loop {
            let old = self.store.item_notes.get(key)?;
            let mut notes: ItemNotes = match &old {
                Some(v) => self.store.unseal(v)?.unwrap_or_default(),
                None => ItemNotes::default(),
            };
            let out = match change(&mut notes) {
                Ok(out) => out,
                Err(e) => return Ok(Err(e)),
            };
            let new = (notes != ItemNotes::default())
                .then(|| self.store.seal(&PersonRef::item(ws, id), &notes))
                .transpose()?;
            if self
                .store
                .item_notes
                .compare_and_swap(key, old, new)
                .context("writing notes")?
                .is_ok()
            {
                return Ok(Ok(out));
            }
        }
    }

    pub fn templates(&self, ws: &Id<Workspace>) -> anyhow::Result<Vec<ReplyTemplate>> {
        let raw = page::scan(
            &self.store.reply_templates,
            ws.as_bytes(),
            &PageRequest::first(200),
            Order::Ascending,
        )?;
        let mut v: Vec<ReplyTemplate> = raw
            .items
            .iter()
            .map(|(_, v)| codec::decode(v))
            .collect::<anyhow::Result<_>>()?;
        v.sort_by_key(|t| t.name.to_lowercase());
        Ok(v)
    }

    pub fn template(
        &self,
        ws: &Id<Workspace>,
        id: &Id<ReplyTemplate>,
    ) -> anyhow::Result<Option<ReplyTemplate>> {
        typed::get(&self.store.reply_templates, &keys::pair(ws, id))
    }

    pub fn put_template(&self, t: &ReplyTemplate) -> anyhow::Result<()> {
        self.store
            .reply_templates
            .insert(keys::pair(&t.workspace, &t.id), codec::encode(t)?)
            .context("writing a reply template")?;
        Ok(())
    }

    pub fn remove_template(
        &self,
        ws: &Id<Workspace>,
        id: &Id<ReplyTemplate>,
    ) -> anyhow::Result<bool> {
        Ok(self
            .store
            .reply_templates
            .remove(keys::pair(ws, id))
            .context("removing a reply template")?
            .is_some())
    }
}
