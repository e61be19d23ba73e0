//! Item lists: newest first, filtered, a bounded amount of work per request. A text search
//! walks the search index; other lists walk the items (or one location's index) newest first.

use super::{Items, blocks, by_location};
use crate::domain::{Id, Item, ItemNotes, Location, Origin, User, Workspace};
use crate::store::page::{Order, Page, PageRequest};
use crate::store::search::postings::stamp_of;
use time::OffsetDateTime;

/// Filters of an item list; all optional, combined with "and".
#[derive(Debug, Default, Clone)]
pub struct ItemFilter {
    pub location: Option<Id<Location>>,
    pub origin: Option<Origin>,
    pub kind: Option<crate::domain::Kind>,
    pub rating: Option<crate::domain::RatingFilter>,
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

impl ItemFilter {
    pub(super) fn matches(&self, i: &Item) -> bool {
        self.location.is_none_or(|l| i.location == l)
            && self.origin.is_none_or(|o| i.origin == o)
            && self.kind.is_none_or(|k| i.kind == k)
            && self.rating.is_none_or(|r| r.matches(i.rating))
            && self.replied.is_none_or(|r| i.replied() == r)
            && (!self.attention || i.needs_attention())
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

    pub(super) fn needs_notes(&self) -> bool {
        self.tag.is_some() || self.assignee.is_some()
    }

    pub(super) fn notes_match(&self, n: &ItemNotes) -> bool {
        self.tag.as_ref().is_none_or(|t| n.tags.contains(t))
            && self.assignee.is_none_or(|a| n.assignee == Some(a))
    }
}

/// Entries a filtered list examines per request at most; past it the page comes back short
/// with a cursor to go on, so no request scans a million items.
const SCAN_BUDGET: usize = 5_000;

/// Items read from the store at a time while a list walks them.
const CHUNK: usize = 200;

/// The id a list's cursor names (a cursor is an item id in hex; anything else is read as the
/// start of one).
fn cursor_id(cursor: &str) -> [u8; 16] {
    let bytes = hex::decode(cursor).unwrap_or_else(|_| cursor.as_bytes().to_vec());
    let mut id = [0u8; 16];
    let n = bytes.len().min(16);
    id[..n].copy_from_slice(&bytes[..n]);
    id
}

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
        if let Some(loc) = &filter.location {
            return self.location_page(ws, loc, filter, req);
        }
        let limit = req.limit.max(1);
        let mut out = Vec::new();
        let mut before: Option<[u8; 16]> = req.cursor.as_deref().map(cursor_id);
        let mut examined = 0;
        // A page's worth first (unfiltered, that is all it reads), then larger chunks.
        let mut size = limit + 1;
        loop {
            let chunk = blocks::scan(
                &self.store.items,
                ws,
                &[0; 16],
                before.as_ref(),
                Order::Descending,
                size + 1,
            )?;
            let more_chunks = chunk.len() > size;
            let chunk = &chunk[..chunk.len().min(size)];
            let mut n = 0;
            while n < chunk.len() {
                // Opened a few at a time, as many as the page still lacks.
                let piece = &chunk[n..chunk.len().min(n + (limit - out.len()).max(16))];
                let kept = self.passing(ws, filter, self.store.items_at(ws, piece)?)?;
                for ((id, _), item) in piece.iter().zip(kept) {
                    n += 1;
                    examined += 1;
                    let more = n < chunk.len() || more_chunks;
                    let next = || more.then(|| hex::encode(id.as_bytes()));
                    if let Some(item) = item {
                        out.push(item);
                        if out.len() == limit {
                            return Ok(Page {
                                items: out,
                                next: next(),
                            });
                        }
                    }
                    before = Some(*id.as_bytes());
                    if examined >= SCAN_BUDGET {
                        return Ok(Page {
                            items: out,
                            next: next(),
                        });
                    }
                }
            }
            if !more_chunks {
                return Ok(Page {
                    items: out,
                    next: None,
                });
            }
            size = CHUNK;
        }
    }

    /// A page of one location's items: its list (`by_location`) walked newest first, its
    /// stamps taken a batch at a time and turned into the items under them, the other filters
    /// applied to each.
    fn location_page(
        &self,
        ws: &Id<Workspace>,
        loc: &Id<Location>,
        filter: &ItemFilter,
        req: &PageRequest,
    ) -> anyhow::Result<Page<Item>> {
        let limit = req.limit.max(1);
        let before: Option<[u8; 16]> = req
            .cursor
            .as_deref()
            .and_then(|c| hex::decode(c).ok())
            .and_then(|b| b.try_into().ok());
        let top = before.as_ref().map(stamp_of);
        let mut walk = by_location::Newest::new(ws, loc, before.as_ref());
        let mut out = Vec::new();
        let mut examined = 0;
        loop {
            let mut stamps = Vec::new();
            let want = (limit - out.len()).clamp(8, 128);
            while stamps.len() < want
                && let Some((stamp, ratings)) = walk.next(self.store)?
            {
                // Other ratings are skipped unopened (each item is still checked below).
                let rated_out = filter
                    .rating
                    .is_some_and(|r| !by_location::has_rating(ratings, r.stars()));
                if top.is_none_or(|t| stamp <= t) && !rated_out {
                    stamps.push(stamp);
                }
            }
            if stamps.is_empty() {
                return Ok(Page {
                    items: out,
                    next: None,
                });
            }
            let stored: Vec<(Id<Item>, Vec<u8>)> =
                blocks::under_stamps(&self.store.items, ws, &stamps, before.as_ref())?
                    .into_iter()
                    .flatten()
                    .collect();
            let opened = self.store.items_at(ws, &stored)?;
            let here: Vec<Option<Item>> = opened
                .into_iter()
                .map(|i| i.filter(|i| i.location == *loc))
                .collect();
            let counted: Vec<bool> = here.iter().map(Option::is_some).collect();
            let kept = self.passing(ws, filter, here)?;
            for (n, ((id, _), item)) in stored.iter().zip(kept).enumerate() {
                examined += usize::from(counted[n]);
                if let Some(item) = item {
                    out.push(item);
                    if out.len() == limit {
                        let more = counted[n + 1..].contains(&true) || walk.has_more(self.store)?;
                        return Ok(Page {
                            items: out,
                            next: more.then(|| hex::encode(id.as_bytes())),
                        });
                    }
                }
                if examined >= SCAN_BUDGET {
                    return Ok(Page {
                        items: out,
                        next: Some(hex::encode(id.as_bytes())),
                    });
                }
            }
        }
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
            // Read a few at a time, as many as the page still lacks.
            let mut rest = &m.ids[..];
            while !rest.is_empty() {
                let (piece, after) = rest.split_at(rest.len().min((limit - out.len()).max(16)));
                rest = after;
                let kept = self.passing(ws, filter, self.get_many(ws, piece)?)?;
                for (id, item) in piece.iter().zip(kept) {
                    examined += 1;
                    if let Some(item) = item {
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
