//! The provider's id as an item stores it: relative to the item's feed when it starts with it.
//! A Google review's name repeats its location's (`accounts/1/locations/2/reviews/AbC` under the
//! feed `accounts/1/locations/2`): stored relative, that is 25 to 60 bytes less a review, sealed
//! and so never compressed afterwards.
//!
//! Stored forms: `\0r` then what follows the feed (relative); `\0a` then the id (an id that
//! itself starts with NUL, so it cannot be taken for either); any other string is the id as it
//! is (what older releases wrote, and ids that do not start with their feed).

use crate::domain::Item;
use std::borrow::Cow;

const RELATIVE: &str = "\0r";
const ABSOLUTE: &str = "\0a";

/// `item` as it is stored: its provider's id shortened where it can be.
pub(super) fn stored(item: &Item) -> Cow<'_, Item> {
    let id = &item.external_id;
    let form = match id.strip_prefix(item.feed.as_str()) {
        Some(rest) if !item.feed.is_empty() => format!("{RELATIVE}{rest}"),
        _ if id.starts_with('\0') => format!("{ABSOLUTE}{id}"),
        _ => return Cow::Borrowed(item),
    };
    let mut shortened = item.clone();
    shortened.external_id = form;
    Cow::Owned(shortened)
}

/// Undoes `stored` on an item just read.
pub(super) fn expand(item: &mut Item) {
    if let Some(rest) = item.external_id.strip_prefix(RELATIVE) {
        item.external_id = format!("{}{rest}", item.feed);
    } else if let Some(id) = item.external_id.strip_prefix(ABSOLUTE) {
        item.external_id = id.to_string();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(feed: &str, external: &str) -> Item {
        let now = time::macros::datetime!(2026-06-01 12:00 UTC);
        let f = crate::domain::Fetched {
            kind: crate::domain::Kind::Review,
            external_id: external.into(),
            parent_external_id: None,
            author: Default::default(),
            rating: None,
            text: String::new(),
            link: None,
            created_at: now,
            updated_at: now,
            reply: None,
            reply_authoritative: true,
        };
        let (ws, loc) = (
            crate::domain::Id::generate(now),
            crate::domain::Id::generate(now),
        );
        Item::first_seen(&f, ws, loc, crate::domain::Origin::Google, feed, None, now)
    }

    #[test]
    fn every_id_reads_back_as_it_was_and_a_feed_prefix_is_stored_once() {
        let cases = [
            (
                "accounts/1/locations/2",
                "accounts/1/locations/2/reviews/AbC",
                true,
            ),
            ("123", "123_456", true),
            ("accounts/1/locations/2", "accounts/1/locations/2", true),
            (
                "accounts/1/locations/2",
                "accounts/9/locations/2/reviews/x",
                false,
            ),
            ("", "anything", false),
            ("f", "\0r/evil", false),
            ("f", "\0a\0r", false),
            ("f", "\0", false),
            ("\0r", "\0rx", false),
            ("f", "", false),
        ];
        for (feed, id, shorter) in cases {
            let it = item(feed, id);
            let stored = stored(&it);
            assert_eq!(
                stored.external_id.len() < id.len(),
                shorter,
                "{feed:?} {id:?} → {:?}",
                stored.external_id
            );
            let mut back = stored.into_owned();
            expand(&mut back);
            assert_eq!(back, it, "{feed:?} {id:?}");
        }
        // What older releases stored reads as it is.
        let mut old = item(
            "accounts/1/locations/2",
            "accounts/1/locations/2/reviews/AbC",
        );
        let before = old.clone();
        expand(&mut old);
        assert_eq!(old, before);
    }
}
