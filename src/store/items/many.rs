//! Many items at once — by id, their notes, which of them pass a list's filters — each kind of
//! read made once for all of them: a page costs a few reads, not a few per item (on a
//! database server, round trips).

use super::{Items, blocks, list::ItemFilter};
use crate::domain::{Id, Item, ItemNotes, Workspace};
use crate::store::{PersonRef, keys};

impl Items<'_> {
    /// The items `ids` of `ws`, in their order (None where there is none or its key is gone).
    pub fn get_many(
        &self,
        ws: &Id<Workspace>,
        ids: &[Id<Item>],
    ) -> anyhow::Result<Vec<Option<Item>>> {
        let stored = blocks::get_many(&self.store.items, ws, ids)?;
        let present: Vec<(Id<Item>, Vec<u8>)> = ids
            .iter()
            .zip(stored)
            .filter_map(|(id, raw)| Some((*id, raw?)))
            .collect();
        let mut opened = self.store.items_at(ws, &present)?.into_iter();
        let mut present = present.iter().map(|(id, _)| *id).peekable();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if present.next_if_eq(id).is_some() {
                out.push(opened.next().flatten());
            } else {
                out.push(None);
            }
        }
        Ok(out)
    }

    /// The notes of items `ids` of `ws`, in their order.
    pub fn notes_many(
        &self,
        ws: &Id<Workspace>,
        ids: &[Id<Item>],
    ) -> anyhow::Result<Vec<ItemNotes>> {
        let keys: Vec<_> = ids.iter().map(|id| keys::pair(ws, id)).collect();
        let raw = self.store.item_notes.get_many(&keys)?;
        let records: Vec<(PersonRef, &[u8])> = ids
            .iter()
            .zip(&raw)
            .filter_map(|(id, r)| Some((PersonRef::item(ws, id), &r.as_ref()?[..])))
            .collect();
        let mut opened = self
            .store
            .unseal_many_as::<ItemNotes>(&records)?
            .into_iter();
        Ok(raw
            .iter()
            .map(|r| match r {
                Some(_) => opened.next().flatten().unwrap_or_default(),
                None => ItemNotes::default(),
            })
            .collect())
    }

    /// Which of `items` pass `filter` (None where an item is unreadable or fails), their notes
    /// read together when the filter looks at them.
    pub(super) fn passing(
        &self,
        ws: &Id<Workspace>,
        filter: &ItemFilter,
        items: Vec<Option<Item>>,
    ) -> anyhow::Result<Vec<Option<Item>>> {
        let mut kept: Vec<Option<Item>> = items
            .into_iter()
            .map(|i| i.filter(|i| filter.matches(i)))
            .collect();
        if filter.needs_notes() {
            let ids: Vec<Id<Item>> = kept.iter().flatten().map(|i| i.id).collect();
            let mut notes = self.notes_many(ws, &ids)?.into_iter();
            for slot in &mut kept {
                if slot.is_some() && !notes.next().is_some_and(|n| filter.notes_match(&n)) {
                    *slot = None;
                }
            }
        }
        Ok(kept)
    }
}
