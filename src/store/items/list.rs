//! Item lists: newest first, filtered, a bounded scan per request.

use super::Items;
use crate::domain::{Id, Item, Location, Origin, Workspace};
use crate::store::page::{self, Order, Page, PageRequest};
use crate::store::{codec, keys};
use time::OffsetDateTime;

/// Filters of an item list; all optional, combined with "and".
#[derive(Debug, Default, Clone)]
pub struct ItemFilter {
    pub location: Option<Id<Location>>,
    pub origin: Option<Origin>,
    pub kind: Option<crate::domain::Kind>,
    pub stars: Option<u8>,
    pub replied: Option<bool>,
    pub since: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    /// Lower-cased words that must all appear in the text, author or reply.
    pub words: Vec<String>,
}

impl ItemFilter {
    fn matches(&self, i: &Item) -> bool {
        self.origin.is_none_or(|o| i.origin == o)
            && self.kind.is_none_or(|k| i.kind == k)
            && self
                .stars
                .is_none_or(|s| i.rating.is_some_and(|r| r.stars() == s))
            && self.replied.is_none_or(|r| i.replied() == r)
            && self.since.is_none_or(|t| i.created_at >= t)
            && self.until.is_none_or(|t| i.created_at < t)
            && (self.words.is_empty() || {
                let hay = format!(
                    "{} {} {}",
                    i.text,
                    i.author.name,
                    i.reply.as_ref().map_or("", |r| r.text.as_str())
                )
                .to_lowercase();
                self.words.iter().all(|w| hay.contains(w.as_str()))
            })
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
                    Some(codec::decode(v)?)
                };
                if let Some(item) = item.filter(|i| filter.matches(i)) {
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
}
