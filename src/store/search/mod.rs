//! The search index and word counts, derived from the items by following the change log
//! (`item_changes`) that item writes append to in their own transaction. Posting lists in
//! sled rather than a separate engine: one store to back up and crash-test, no second
//! process, and "newest first" comes free because item ids sort by creation time.
//! Trees: `search` (workspace, term, 0, item) → (); `search_docs` (workspace, item) → what the
//! item last contributed (sealed with the item's key); `words` (workspace, scope, month,
//! polarity) → word counts. Authors' names are indexed as keyed hashes (`name_term`): a key
//! removed from sled can linger in its old log segments, so a name must never be one.

mod index;
mod query;
mod words;

pub use query::Matches;
pub use words::{Polarity, WordCount, month_number};

use super::Store;
use anyhow::Context;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// A word of an author's name as the index keeps it: a keyed hash (found by the whole word
/// only), marked by a leading 0x01 that no folded text word has.
fn name_term(store: &Store, word: &str) -> anyhow::Result<String> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(&store.lookup_key()?).context("name term key")?;
    mac.update(b"search name term\0");
    mac.update(word.as_bytes());
    Ok(format!(
        "\u{1}{}",
        hex::encode(&mac.finalize().into_bytes()[..12])
    ))
}

pub struct Search<'a> {
    pub(super) store: &'a Store,
}

impl Store {
    pub fn search(&self) -> Search<'_> {
        Search { store: self }
    }
}
