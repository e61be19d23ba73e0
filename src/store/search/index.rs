//! The indexer's step: take changes off the log, bring each changed item's postings and word
//! counts up to date, and drop the log entries, all in one transaction.

use super::Search;
use super::words::{self, Contribution};
use crate::domain::text::document_terms;
use crate::domain::{Id, Item, Location, Workspace};
use crate::store::{PersonRef, keys, typed};
use anyhow::Context;
use serde::{Deserialize, Serialize};
use sled::Transactional;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What one item last put into the index, so a change can take exactly that out again.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Doc {
    terms: Vec<String>,
    #[serde(default)]
    words: Option<Contribution>,
}

/// An item's terms: the words of its text and reply as they are (a word finds longer ones),
/// but the words of its author's name, wherever they appear, as keyed hashes (`name_term`).
fn terms_of(s: &crate::store::Store, i: &Item, reply: &str) -> anyhow::Result<Vec<String>> {
    let names = document_terms(&[&i.author.name]);
    let mut terms = BTreeSet::new();
    for word in document_terms(&[&i.text, reply]) {
        if !names.contains(&word) {
            terms.insert(word);
        }
    }
    for word in &names {
        terms.insert(super::name_term(s, word)?);
    }
    Ok(terms.into_iter().collect())
}

pub(super) fn posting(ws: &Id<Workspace>, term: &str, item: &[u8]) -> Vec<u8> {
    [ws.as_bytes().as_slice(), term.as_bytes(), &[0], item].concat()
}

impl Search<'_> {
    /// Indexes up to `limit` logged changes; returns how many log entries it consumed.
    pub fn index_step(&self, limit: usize) -> anyhow::Result<usize> {
        let s = self.store;
        // Word counts are not idempotent: two steps must never take the same changes.
        let _one_at_a_time = s
            .indexing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Collected first: no iterator stays alive across the reads and the transaction.
        let log: Vec<(sled::IVec, sled::IVec)> = s
            .item_changes
            .iter()
            .take(limit)
            .collect::<Result<_, _>>()
            .context("reading the change log")?;
        if log.is_empty() {
            return Ok(0);
        }
        let changed: BTreeSet<[u8; 32]> = log
            .iter()
            .filter_map(|(_, v)| v.as_ref().try_into().ok())
            .collect();
        let mut zones: HashMap<(Id<Workspace>, Id<Location>), jiff::tz::TimeZone> = HashMap::new();
        let mut put: Vec<Vec<u8>> = Vec::new();
        let mut drop: Vec<Vec<u8>> = Vec::new();
        let mut docs: Vec<([u8; 32], Option<Doc>)> = Vec::new();
        let mut word_deltas: BTreeMap<Vec<u8>, HashMap<String, i64>> = BTreeMap::new();
        for key in changed {
            let (Some(ws), Some(item_id)) = (
                keys::id_at::<Workspace>(&key, 0),
                keys::id_at::<Item>(&key, 16),
            ) else {
                continue;
            };
            // A doc is sealed with its item's key: it lists the item's words. One whose key
            // is gone (its author erased) still names the postings to take out by their keys.
            let old: Doc = s.unseal_at(&s.search_docs, &key)?.unwrap_or_default();
            let item: Option<Item> = s.unseal_at(&s.items, &key)?;
            let new = match &item {
                Some(i) => {
                    let tz = match zones.get(&(ws, i.location)) {
                        Some(tz) => tz.clone(),
                        None => {
                            let tz = s
                                .locations()
                                .get(&ws, &i.location)?
                                .map_or(jiff::tz::TimeZone::UTC, |l| l.zone());
                            zones.insert((ws, i.location), tz.clone());
                            tz
                        }
                    };
                    let reply = i.reply.as_ref().map_or("", |r| r.text.as_str());
                    Some(Doc {
                        terms: terms_of(s, i, reply)?,
                        words: words::contribution(i, &tz),
                    })
                }
                None => None,
            };
            let new_terms: BTreeSet<&String> = new.iter().flat_map(|d| &d.terms).collect();
            let old_terms: BTreeSet<&String> = old.terms.iter().collect();
            for t in old_terms.difference(&new_terms) {
                drop.push(posting(&ws, t, item_id.as_bytes()));
            }
            for t in new_terms.difference(&old_terms) {
                put.push(posting(&ws, t, item_id.as_bytes()));
            }
            if old.words != new.as_ref().and_then(|d| d.words.clone()) {
                words::gather(&mut word_deltas, &ws, old.words.as_ref(), -1);
                words::gather(
                    &mut word_deltas,
                    &ws,
                    new.as_ref().and_then(|d| d.words.as_ref()),
                    1,
                );
            }
            docs.push((key, new));
        }
        let encoded: Vec<([u8; 32], Option<Vec<u8>>)> = docs
            .iter()
            .map(|(k, d)| {
                let who = match (keys::id_at(k, 0), keys::id_at(k, 16)) {
                    (Some(ws), Some(item)) => PersonRef::item(&ws, &item),
                    _ => anyhow::bail!("a search doc key of the wrong size"),
                };
                Ok((*k, d.as_ref().map(|d| s.seal(&who, d)).transpose()?))
            })
            .collect::<anyhow::Result<_>>()?;
        (&s.search, &s.search_docs, &s.words, &s.item_changes)
            .transaction(|(search, docs_tree, words_tree, changes)| {
                for k in &drop {
                    search.remove(k.as_slice())?;
                }
                for k in &put {
                    search.insert(k.as_slice(), &[])?;
                }
                for (k, d) in &encoded {
                    match d {
                        Some(v) => docs_tree.insert(k.as_slice(), v.as_slice())?,
                        None => docs_tree.remove(k.as_slice())?,
                    };
                }
                words::apply(words_tree, &word_deltas)?;
                for (k, _) in &log {
                    changes.remove(k)?;
                }
                Ok(())
            })
            .map_err(typed::txn_any)?;
        Ok(log.len())
    }

    /// Indexes what is waiting, up to `max` changes: a search sees every write made before it.
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

    /// Changes not indexed yet (for readiness and tests).
    pub fn backlog(&self) -> usize {
        self.store.item_changes.len()
    }
}
