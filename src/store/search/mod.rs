//! The search index and word counts, derived from the items by following the change log
//! (`item_changes`) that item writes append to in their own transaction. Posting lists in
//! sled rather than a separate engine: one store to back up and crash-test, no second
//! process, and "newest first" comes free because item ids sort by creation time.
//! Trees: `search` (workspace, term, 0, item) → (); `search_docs` (workspace, item) → what the
//! item last contributed; `words` (workspace, scope, month, polarity) → word counts.

mod index;
mod query;
mod words;

pub use query::Matches;
pub use words::{Polarity, WordCount, month_number};

use super::Store;

pub struct Search<'a> {
    pub(super) store: &'a Store,
}

impl Store {
    pub fn search(&self) -> Search<'_> {
        Search { store: self }
    }
}
