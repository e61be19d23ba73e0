//! The indexer's step: take items off the index queue, bring their lists and word counts up to
//! date, and drop them from the queue, all in one transaction.
//!
//! The queue holds, for each item changed since it was last indexed, what the index holds for
//! it (written by the first change only: while an item waits, the index still holds what it
//! held then). So no copy of every item's words is kept to take them out again, and the queue
//! is empty once the indexer has caught up.
use crate::store::kv;

use super::postings::{self, Window};
use super::words::{self, Contribution};
use super::{Search, fresh};
use crate::domain::text::document_terms;
use crate::domain::{Id, Item, Location, Workspace};
use crate::store::items::blocks;
use crate::store::{PersonRef, Store, keys, typed};
use anyhow::Context;
use kv::Transactional;
use kv::transaction::{ConflictableTransactionError, TransactionalTree};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What the index holds for one item: the lists it is in and its share of the word counts.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Doc {
    lists: Vec<u64>,
    #[serde(default)]
    words: Option<Contribution>,
}

/// An item's doc: the lists of the words of its text and reply (see `lists_of_word`), but the
/// words of its author's name, wherever they appear, in name lists only.
fn doc_of(s: &Store, i: &Item, tz: &jiff::tz::TimeZone) -> anyhow::Result<Doc> {
    let reply = i.reply.as_ref().map_or("", |r| r.text.as_str());
    let names = document_terms(&[&i.author.name]);
    let mut lists = BTreeSet::new();
    for word in document_terms(&[&i.text, reply]) {
        if !names.contains(&word) {
            for h in super::lists_of_word(s, &word)? {
                lists.insert(u64::from_be_bytes(h));
            }
        }
    }
    for word in &names {
        lists.insert(u64::from_be_bytes(super::name_list(s, word)?));
    }
    Ok(Doc {
        lists: lists.into_iter().collect(),
        words: words::contribution(i, tz),
    })
}

type Tx<T> = Result<T, ConflictableTransactionError<anyhow::Error>>;

/// The queue entry of an item about to change, inside the transaction that changes it: what
/// the index holds for `held` (the item as stored before, None for a new one), sealed with the
/// item's key. Needs `lookup_key` cached.
pub(in crate::store) fn queued_doc_tx(
    s: &Store,
    keys: &TransactionalTree,
    held: Option<&Item>,
    tz: &jiff::tz::TimeZone,
) -> Tx<Vec<u8>> {
    let Some(i) = held else {
        return Ok(Vec::new());
    };
    let doc = doc_of(s, i, tz).map_err(ConflictableTransactionError::Abort)?;
    Store::seal_implicit_tx(keys, &PersonRef::item(&i.workspace, &i.id), &doc)
}

/// An item waiting for the indexer.
enum Waiting {
    /// Changed since it was indexed: its own entry holds what the index has for it.
    Changed {
        key: kv::IVec,
        ws: Id<Workspace>,
        id: Id<Item>,
        held: kv::IVec,
    },
    /// New: listed in a fresh entry, the index holds nothing for it.
    Fresh {
        entry: kv::IVec,
        ws: Id<Workspace>,
        id: Id<Item>,
    },
}

impl Waiting {
    fn item(&self) -> (Id<Workspace>, Id<Item>) {
        match self {
            Waiting::Changed { ws, id, .. } | Waiting::Fresh { ws, id, .. } => (*ws, *id),
        }
    }
}

/// Why an indexer transaction gave up: an item or its queue entry changed meanwhile.
#[derive(Debug, thiserror::Error)]
#[error("an item changed while it was being indexed")]
struct Moved;

impl Search<'_> {
    /// Indexes up to `limit` queued items; returns how many it took off the queue.
    pub fn index_step(&self, limit: usize) -> anyhow::Result<usize> {
        let s = self.store;
        // Word counts are not idempotent: two steps must never take the same items.
        let _one_at_a_time = s
            .indexing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        loop {
            match self.try_step(limit) {
                Err(e) if e.is::<Moved>() => continue,
                other => return other,
            }
        }
    }

    fn try_step(&self, limit: usize) -> anyhow::Result<usize> {
        let s = self.store;
        s.lookup_key()?;
        // Collected first: no iterator stays alive across the reads and the transaction.
        let queued = self.queued(limit)?;
        if queued.is_empty() {
            return Ok(0);
        }
        let mut zones: HashMap<(Id<Workspace>, Id<Location>), jiff::tz::TimeZone> = HashMap::new();
        // Per list: ids to add, ids to take out.
        let mut edits: BTreeMap<Vec<u8>, (Vec<Window>, Vec<Window>)> = BTreeMap::new();
        let mut word_deltas: BTreeMap<Vec<u8>, HashMap<String, i64>> = BTreeMap::new();
        // Each item taken, with the item as read (checked again in the transaction).
        let mut seen: Vec<(&Waiting, Option<Vec<u8>>)> = Vec::new();
        for waiting in &queued {
            let (ws, item_id, held) = match waiting {
                Waiting::Changed { ws, id, held, .. } => (*ws, *id, held.as_ref()),
                Waiting::Fresh { ws, id, .. } => (*ws, *id, &[][..]),
            };
            // Sealed with the item's key; one whose key is gone (its author erased) names
            // nothing any more, and its lists hold only hashes.
            let old: Doc = if held.is_empty() {
                Doc::default()
            } else {
                s.unseal_as::<Doc>(&PersonRef::item(&ws, &item_id), held)?
                    .unwrap_or_default()
            };
            let raw = blocks::get(&s.items, &ws, &item_id).context("reading an item to index")?;
            let item: Option<Item> = match &raw {
                Some(r) => s.item_at(&ws, &item_id, r)?,
                None => None,
            };
            let new = match &item {
                Some(i) => {
                    let tz = zones
                        .entry((ws, i.location))
                        .or_insert_with(|| {
                            s.locations()
                                .get(&ws, &i.location)
                                .ok()
                                .flatten()
                                .map_or(jiff::tz::TimeZone::UTC, |l| l.zone())
                        })
                        .clone();
                    doc_of(s, i, &tz)?
                }
                None => Doc::default(),
            };
            let id = postings::window_of(item_id.as_bytes());
            let (was, now): (BTreeSet<u64>, BTreeSet<u64>) = (
                old.lists.iter().copied().collect(),
                new.lists.iter().copied().collect(),
            );
            // A window another item shares stays in every list it was in: taking it out could
            // hide that item, and keeping it only adds a candidate the text check turns down.
            let shared =
                was.difference(&now).next().is_some() && self.shares_window(&ws, &item_id, id)?;
            for h in was.difference(&now).filter(|_| !shared) {
                let list = super::list_key(&ws, &h.to_be_bytes());
                edits.entry(list).or_default().1.push(id);
            }
            for h in now.difference(&was) {
                let list = super::list_key(&ws, &h.to_be_bytes());
                edits.entry(list).or_default().0.push(id);
            }
            if old.words != new.words {
                words::gather(&mut word_deltas, &ws, old.words.as_ref(), -1);
                words::gather(&mut word_deltas, &ws, new.words.as_ref(), 1);
            }
            seen.push((waiting, raw));
        }
        let taken = queued.len();
        let mut writes = postings::Writes::new();
        for (list, (add, drop)) in &edits {
            postings::edit(&s.search, list, add, drop, &mut writes)?;
        }
        let hints = blocks::Hints::many(
            &s.items,
            seen.iter().map(|(w, _)| {
                let (ws, id) = w.item();
                (ws, *id.as_bytes())
            }),
        )?;
        (&s.search, &s.words, &s.index_queue, &s.items)
            .transaction(|(search, words_tree, queue, items)| {
                let mut fresh_done: BTreeMap<&[u8], Vec<Id<Item>>> = BTreeMap::new();
                for (waiting, raw) in &seen {
                    let unchanged = match waiting {
                        Waiting::Changed { key, held, .. } => {
                            queue.get(key)?.as_ref() == Some(held)
                        }
                        Waiting::Fresh { .. } => true,
                    };
                    let (ws, id) = waiting.item();
                    if !unchanged || hints.get_tx(items, &ws, &id)? != *raw {
                        return Err(ConflictableTransactionError::Abort(anyhow::Error::new(
                            Moved,
                        )));
                    }
                    match waiting {
                        Waiting::Changed { key, .. } => {
                            queue.remove(key)?;
                        }
                        Waiting::Fresh { entry, id, .. } => {
                            fresh_done.entry(entry.as_ref()).or_default().push(*id);
                        }
                    }
                }
                for (entry, done) in &fresh_done {
                    fresh::take_tx(queue, entry, done)?;
                }
                for (k, v) in &writes {
                    match v {
                        Some(v) => search.insert(k.as_slice(), v.as_slice())?,
                        None => search.remove(k.as_slice())?,
                    };
                }
                words::apply(words_tree, &word_deltas)?;
                Ok(())
            })
            .map_err(typed::txn_any)?;
        Ok(taken)
    }

    /// Up to `limit` waiting items, in the queue's order.
    fn queued(&self, limit: usize) -> anyhow::Result<Vec<Waiting>> {
        let mut out = Vec::new();
        for entry in self.store.index_queue.iter() {
            let (key, value) = entry.context("reading the index queue")?;
            let Some(ws) = keys::id_at::<Workspace>(&key, 0) else {
                continue;
            };
            if fresh::is_fresh(&key) {
                for id in fresh::ids(&value).take(limit - out.len()) {
                    out.push(Waiting::Fresh {
                        entry: key.clone(),
                        ws,
                        id,
                    });
                }
            } else if let Some(id) = keys::id_at::<Item>(&key, 16) {
                out.push(Waiting::Changed {
                    key: key.clone(),
                    ws,
                    id,
                    held: value,
                });
            }
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }

    /// Whether an item of `ws` other than `item` has an id in `window`.
    fn shares_window(
        &self,
        ws: &Id<Workspace>,
        item: &Id<Item>,
        window: Window,
    ) -> anyhow::Result<bool> {
        let (from, to) = postings::stamps_of(window);
        let at = |stamp: u64| {
            let mut id = [0u8; 16];
            id[..8].copy_from_slice(&stamp.to_be_bytes());
            id
        };
        blocks::any_other(&self.store.items, ws, &at(from), &at(to), item)
    }

    /// Indexes what is waiting, up to `max` items: a search sees every write made before it.
    pub fn catch_up(&self, max: usize) -> anyhow::Result<()> {
        let mut done = 0;
        while done < max {
            let n = self.index_step(256)?;
            if n == 0 {
                break;
            }
            done += n;
        }
        Ok(())
    }

    /// Items not indexed yet (for readiness and tests).
    pub fn backlog(&self) -> usize {
        self.store
            .index_queue
            .iter()
            .filter_map(Result::ok)
            .map(|(k, v)| if fresh::is_fresh(&k) { v.len() / 16 } else { 1 })
            .sum()
    }
}
