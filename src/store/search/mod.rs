//! The search index and word counts, derived from the items by following the index queue
//! (`index_queue`) that item writes add to in their own transaction. Posting lists in sled
//! rather than a separate engine: one store to back up and crash-test, no second process, and
//! "newest first" comes free because item ids sort by creation time.
//!
//! Trees: `search` (workspace, list, first id) → a block of item ids (see `postings`);
//! `index_queue` (workspace, item) → what the index holds for an item changed since it was last
//! indexed (empty: nothing; else its lists and word counts, sealed with the item's key), and
//! (workspace, bucket, 'n') → new items the index holds nothing for yet (see `fresh`);
//! `words` (workspace, scope, month, polarity) → word counts.
//!
//! A list is named by a keyed hash (8 bytes), never by a word: a key removed from sled lingers
//! in its old log segments, and no word of an erased review may. A text word is in the lists
//! of its first 3, 5 and 8 characters (`PREFIXES`), so a query word finds longer words it starts
//! through the list of its longest such prefix; the items found are then checked against their
//! text (`domain::text::finds`). Words shorter than 3 characters, CJK terms and the words of
//! an author's name are in a list of their own, found by the whole term only.

pub(in crate::store) mod fresh;
mod index;
pub(in crate::store) mod postings;
mod query;
#[cfg(test)]
mod stamp_tests;
#[cfg(test)]
mod tests;
mod words;

pub(super) use index::queued_doc_tx;
pub use query::Matches;
pub use words::{Polarity, WordCount, month_number};

use super::Store;
use crate::domain::{Id, Workspace};
use anyhow::Context;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Prefix lengths (characters) a text word is listed under.
const PREFIXES: [usize; 3] = [3, 5, 8];

/// What a list holds: items with a text word starting with a prefix, with a whole short or
/// CJK term, or with a word of the author's name.
#[derive(Debug, Clone, Copy)]
enum List {
    Prefix,
    Whole,
    Name,
}

/// The 8-byte keyed hash naming a list.
fn list_hash(store: &Store, list: List, term: &str) -> anyhow::Result<[u8; 8]> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(&store.lookup_key()?).context("search list key")?;
    mac.update(match list {
        List::Prefix => b"search prefix\0",
        List::Whole => b"search whole\0\0",
        List::Name => b"search name\0\0\0",
    });
    mac.update(term.as_bytes());
    let mut out = [0u8; 8];
    out.copy_from_slice(&mac.finalize().into_bytes()[..8]);
    Ok(out)
}

fn is_whole_only(term: &str) -> bool {
    term.chars().count() < PREFIXES[0] || term.chars().any(crate::domain::text::is_cjk)
}

/// The lists a word of an item's text or reply is in.
fn lists_of_word(store: &Store, word: &str) -> anyhow::Result<Vec<[u8; 8]>> {
    if is_whole_only(word) {
        return Ok(vec![list_hash(store, List::Whole, word)?]);
    }
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    let mut out = Vec::with_capacity(PREFIXES.len());
    for p in PREFIXES {
        if p > chars.len() {
            break;
        }
        let end = chars.get(p).map_or(word.len(), |(i, _)| *i);
        out.push(list_hash(store, List::Prefix, &word[..end])?);
    }
    Ok(out)
}

/// The list a query word is looked up in (as text; see `name_list` for names).
fn list_of_query(store: &Store, word: &str) -> anyhow::Result<[u8; 8]> {
    if is_whole_only(word) {
        return list_hash(store, List::Whole, word);
    }
    let n = word.chars().count();
    let p = PREFIXES
        .iter()
        .rev()
        .find(|p| **p <= n)
        .copied()
        .unwrap_or(n);
    let end = word.char_indices().nth(p).map_or(word.len(), |(i, _)| i);
    list_hash(store, List::Prefix, &word[..end])
}

/// The list of a word of authors' names.
fn name_list(store: &Store, word: &str) -> anyhow::Result<[u8; 8]> {
    list_hash(store, List::Name, word)
}

/// The key prefix of one list of a workspace.
fn list_key(ws: &Id<Workspace>, hash: &[u8; 8]) -> Vec<u8> {
    [ws.as_bytes().as_slice(), hash].concat()
}

pub struct Search<'a> {
    pub(super) store: &'a Store,
}

impl Store {
    pub fn search(&self) -> Search<'_> {
        Search { store: self }
    }
}
