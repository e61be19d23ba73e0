//! The indexer's step: take items off the index queue, bring their lists and word counts up to
//! date, and drop them from the queue, all in one transaction.
//!
//! The queue holds, for each item changed since it was last indexed, what the index holds for
//! it (written by the first change only: while an item waits, the index still holds what it
//! held then). So no copy of every item's words is kept to take them out again, and the queue
//! is empty once the indexer has caught up.

use super::Search;
use super::postings::{self, Stamp};
use super::words::{self, Contribution};
use crate::domain::text::document_terms;
use crate::domain::{Id, Item, Location, Workspace};
use crate::store::{PersonRef, Store, keys, typed};
use anyhow::Context;
use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};
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
        let queued: Vec<(sled::IVec, sled::IVec)> = s
            .index_queue
            .iter()
            .take(limit)
            .collect::<Result<_, _>>()
            .context("reading the index queue")?;
        if queued.is_empty() {
            return Ok(0);
        }
        let mut zones: HashMap<(Id<Workspace>, Id<Location>), jiff::tz::TimeZone> = HashMap::new();
        // Per list: ids to add, ids to take out.
        let mut edits: BTreeMap<Vec<u8>, (Vec<Stamp>, Vec<Stamp>)> = BTreeMap::new();
        let mut word_deltas: BTreeMap<Vec<u8>, HashMap<String, i64>> = BTreeMap::new();
        let mut seen: Vec<(&sled::IVec, &sled::IVec, Option<sled::IVec>)> = Vec::new();
        for (key, held) in &queued {
            let (Some(ws), Some(item_id)) = (
                keys::id_at::<Workspace>(key, 0),
                keys::id_at::<Item>(key, 16),
            ) else {
                continue;
            };
            // Sealed with the item's key; one whose key is gone (its author erased) names
            // nothing any more, and its lists hold only hashes.
            let old: Doc = if held.is_empty() {
                Doc::default()
            } else {
                s.unseal_as::<Doc>(&PersonRef::item(&ws, &item_id), held)?
                    .unwrap_or_default()
            };
            let raw = s.items.get(key).context("reading an item to index")?;
            let item: Option<Item> = match &raw {
                Some(r) => s.item_at(key, r)?,
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
            let id = postings::stamp_of(item_id.as_bytes());
            let (was, now): (BTreeSet<u64>, BTreeSet<u64>) = (
                old.lists.iter().copied().collect(),
                new.lists.iter().copied().collect(),
            );
            // A stamp another item shares stays in every list it was in: taking it out could
            // hide that item, and keeping it only adds a candidate the text check turns down.
            let shared = was.difference(&now).next().is_some() && self.shares_stamp(key, id)?;
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
            seen.push((key, held, raw));
        }
        let mut writes = postings::Writes::new();
        for (list, (add, drop)) in &edits {
            postings::edit(&s.search, list, add, drop, &mut writes)?;
        }
        (&s.search, &s.words, &s.index_queue, &s.items)
            .transaction(|(search, words_tree, queue, items)| {
                for (key, held, raw) in &seen {
                    if queue.get(key)?.as_ref() != Some(*held) || items.get(key)? != *raw {
                        return Err(ConflictableTransactionError::Abort(anyhow::Error::new(
                            Moved,
                        )));
                    }
                    queue.remove(*key)?;
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
        Ok(queued.len())
    }

    /// Whether an item other than the one at `key` has an id starting with `stamp`.
    fn shares_stamp(&self, key: &[u8], stamp: Stamp) -> anyhow::Result<bool> {
        let from = [&key[..16], &stamp.to_be_bytes()].concat();
        let under: Vec<sled::IVec> = self
            .store
            .items
            .scan_prefix(&from)
            .keys()
            .take(2)
            .collect::<Result<_, _>>()
            .context("reading the items under a stamp")?;
        Ok(under.iter().any(|k| k.as_ref() != key))
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
        self.store.index_queue.len()
    }
}
