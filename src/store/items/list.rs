//! Item lists: newest first, filtered, a bounded amount of work per request. A text search
//! walks the search index; other lists walk the items (or one location's index) newest first.

use super::Items;
use crate::domain::{
    Id, Item, ItemNotes, ItemStatus, Location, Origin, ReplyState, User, Workspace,
};
use crate::store::keys;
use crate::store::page::{self, Order, Page, PageRequest};
use time::OffsetDateTime;

/// Filters of an item list; all optional, combined with "and".
#[derive(Debug, Default, Clone)]
pub struct ItemFilter {
    pub location: Option<Id<Location>>,
    pub origin: Option<Origin>,
    pub kind: Option<crate::domain::Kind>,
    pub stars: Option<u8>,
    pub replied: Option<bool>,
    /// Unanswered and not happy (three stars or fewer, or no rating), or a failed reply.
    pub attention: bool,
    pub since: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    /// Search terms (`text::query_terms`) that must all appear in the text, author or reply.
    pub terms: Vec<String>,
    pub tag: Option<String>,
    pub assignee: Option<Id<User>>,
    /// A language code (`domain::language::LANGUAGES`), guessed from the text.
    pub language: Option<String>,
}

/// Whether an item waits for someone to act on it.
fn needs_attention(i: &Item) -> bool {
    if i.status == ItemStatus::Removed {
        return false;
    }
    match i.reply.as_ref().map(|r| &r.state) {
        Some(ReplyState::Failed { .. } | ReplyState::DeleteFailed { .. }) => true,
        Some(_) => false,
        None => i.rating.is_none_or(|r| r.stars() <= 3),
    }
}

impl ItemFilter {
    fn matches(&self, i: &Item) -> bool {
        self.location.is_none_or(|l| i.location == l)
            && self.origin.is_none_or(|o| i.origin == o)
            && self.kind.is_none_or(|k| i.kind == k)
            && self
                .stars
                .is_none_or(|s| i.rating.is_some_and(|r| r.stars() == s))
            && self.replied.is_none_or(|r| i.replied() == r)
            && (!self.attention || needs_attention(i))
            && self.since.is_none_or(|t| i.created_at >= t)
            && self.until.is_none_or(|t| i.created_at < t)
            && self
                .language
                .as_deref()
                .is_none_or(|l| crate::domain::language::detect(&i.text) == Some(l))
            && self.terms.iter().all(|t| {
                let reply = i.reply.as_ref().map_or("", |r| r.text.as_str());
                crate::domain::text::finds(&i.text, reply, &i.author.name, t)
            })
    }

    fn needs_notes(&self) -> bool {
        self.tag.is_some() || self.assignee.is_some()
    }

    fn notes_match(&self, n: &ItemNotes) -> bool {
        self.tag.as_ref().is_none_or(|t| n.tags.contains(t))
            && self.assignee.is_none_or(|a| n.assignee == Some(a))
    }
}

/// Entries a filtered list examines per request at most; past it the page comes back short
/// with a cursor to go on, so no request scans a million items.
const SCAN_BUDGET: usize = 5_000;

impl Items<'_> {
    /// One page of the items of `ws` that pass `filter`, newest first. Cursors are item ids.
    pub fn page(
        &self,
        ws: &Id<Workspace>,
        filter: &ItemFilter,
        req: &PageRequest,
    ) -> anyhow::Result<Page<Item>> {
        if !filter.terms.is_empty() {
            return self.search_page(ws, filter, req);
        }
        let limit = req.limit.max(1);
        let mut out = Vec::new();
        let mut cursor = req.cursor.clone();
        let mut examined = 0;
        loop {
            let chunk = PageRequest {
                cursor: cursor.clone(),
                limit: 200,
            };
            let (raw, via_index) = match &filter.location {
                Some(loc) => {
                    let prefix = [ws.as_bytes().as_slice(), loc.as_bytes()].concat();
                    (
                        page::scan(&self.store.item_loc, &prefix, &chunk, Order::Descending)?,
                        true,
                    )
                }
                None => (
                    page::scan(&self.store.items, ws.as_bytes(), &chunk, Order::Descending)?,
                    false,
                ),
            };
            let skip = if via_index { 32 } else { 16 };
            for (k, v) in &raw.items {
                examined += 1;
                let id_hex = hex::encode(&k[skip..]);
                let item: Option<Item> = if via_index {
                    match keys::id_at::<Item>(k, 32) {
                        Some(id) => self.get(ws, &id)?,
                        None => None,
                    }
                } else {
                    self.store.item_at(k, v)?
                };
                if let Some(item) = item
                    && self.passes(filter, &item)?
                {
                    out.push(item);
                    if out.len() == limit {
                        let more =
                            raw.next.is_some() || raw.items.last().map(|(lk, _)| lk) != Some(k);
                        return Ok(Page {
                            items: out,
                            next: more.then_some(id_hex),
                        });
                    }
                }
                cursor = Some(id_hex);
                if examined >= SCAN_BUDGET {
                    let more = raw.next.is_some() || raw.items.last().map(|(lk, _)| lk) != Some(k);
                    return Ok(Page {
                        items: out,
                        next: if more { cursor } else { None },
                    });
                }
            }
            if raw.next.is_none() {
                return Ok(Page {
                    items: out,
                    next: None,
                });
            }
        }
    }

    fn passes(&self, filter: &ItemFilter, item: &Item) -> anyhow::Result<bool> {
        if !filter.matches(item) {
            return Ok(false);
        }
        if filter.needs_notes() {
            let notes = self.notes(&item.workspace, &item.id)?;
            return Ok(filter.notes_match(&notes));
        }
        Ok(true)
    }

    /// A page of a text search: matches come from the index, newest first, then the other
    /// filters are applied to each.
    fn search_page(
        &self,
        ws: &Id<Workspace>,
        filter: &ItemFilter,
        req: &PageRequest,
    ) -> anyhow::Result<Page<Item>> {
        self.store.search().catch_up(4_096)?;
        let limit = req.limit.max(1);
        let mut before: Option<[u8; 16]> = req
            .cursor
            .as_deref()
            .and_then(|c| hex::decode(c).ok())
            .and_then(|b| b.try_into().ok());
        let mut out = Vec::new();
        let mut examined = 0;
        loop {
            let m = self
                .store
                .search()
                .matching(ws, &filter.terms, before, 100, 2_000)?;
            for id in &m.ids {
                examined += 1;
                if let Some(item) = self.get(ws, id)?
                    && self.passes(filter, &item)?
                {
                    out.push(item);
                    if out.len() == limit {
                        let more = m.next.is_some() || m.ids.last() != Some(id);
                        return Ok(Page {
                            items: out,
                            next: more.then(|| hex::encode(id.as_bytes())),
                        });
                    }
                }
            }
            match m.next {
                Some(n) if examined < SCAN_BUDGET => before = Some(n),
                Some(n) => {
                    return Ok(Page {
                        items: out,
                        next: Some(hex::encode(n)),
                    });
                }
                None => {
                    return Ok(Page {
                        items: out,
                        next: None,
                    });
                }
            }
        }
    }
}
