//! Where an item was found — its location, its connection and the provider's feed — kept
//! beside its sealed value instead of inside it, so that a block stores it once for the items
//! that share it (`blocks::block`): 40 to 80 bytes an item that sealing made incompressible.
//! It names the business's own location and page, nobody's personal data, so it needs no
//! author's key: erasing the author still leaves nothing of theirs readable.
//!
//! Stored value of an item: `MARK | placement length (varint) | placement | sealed item`,
//! the sealed item's location zero, connection none and feed empty; a value without `MARK`
//! is an item sealed whole, as releases before it wrote them (still read).
//! Placement: location (16) | 0, or 1 and the connection (16) | the feed (UTF-8, to the end).

use super::external_form;
use crate::domain::{Id, Item};
use anyhow::{Context, bail};
use std::borrow::Cow;

/// First byte of a stored item with its placement apart (codec versions are 1 and 3, sealed
/// values 2 and 5).
pub(in crate::store) const MARK: u8 = 6;

/// `item` as it is sealed, and its placement.
pub(super) fn stored(item: &Item) -> (Vec<u8>, Item) {
    let mut place = Vec::with_capacity(34 + item.feed.len());
    place.extend_from_slice(item.location.as_bytes());
    match &item.connection {
        Some(c) => {
            place.push(1);
            place.extend_from_slice(c.as_bytes());
        }
        None => place.push(0),
    }
    place.extend_from_slice(item.feed.as_bytes());
    let mut sealed = external_form::stored(item).into_owned();
    sealed.location = Id::from_bytes([0; 16]);
    sealed.connection = None;
    sealed.feed = String::new();
    (place, sealed)
}

/// The stored value of an item: its placement, then its sealed form.
pub(super) fn join(place: &[u8], sealed: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(6 + place.len() + sealed.len());
    out.push(MARK);
    put_varint(&mut out, place.len());
    out.extend_from_slice(place);
    out.extend_from_slice(sealed);
    out
}

/// A stored item's placement (None: sealed whole, an older value) and its sealed part.
pub(in crate::store) fn split(raw: &[u8]) -> anyhow::Result<(Option<&[u8]>, &[u8])> {
    match raw.split_first() {
        Some((&MARK, rest)) => {
            let (len, rest) = varint(rest)?;
            if rest.len() < len {
                bail!("a stored item is cut short");
            }
            let (place, sealed) = rest.split_at(len);
            Ok((Some(place), sealed))
        }
        _ => Ok((None, raw)),
    }
}

/// Puts the placement back into an item read from its sealed part, and its provider id whole.
pub(super) fn restore(item: &mut Item, place: Option<&[u8]>) -> anyhow::Result<()> {
    if let Some(place) = place {
        let (location, rest) = place
            .split_first_chunk::<16>()
            .context("a malformed item placement")?;
        item.location = Id::from_bytes(*location);
        let rest = match rest.split_first() {
            Some((0, rest)) => {
                item.connection = None;
                rest
            }
            Some((1, rest)) => {
                let (c, rest) = rest
                    .split_first_chunk::<16>()
                    .context("a malformed item placement")?;
                item.connection = Some(Id::from_bytes(*c));
                rest
            }
            _ => bail!("a malformed item placement"),
        };
        item.feed = std::str::from_utf8(rest)
            .context("a malformed item placement")?
            .to_string();
    }
    external_form::expand(item);
    Ok(())
}

/// The stored value `raw` with its placement taken from `table` at `at` (1-based; 0: none),
/// as a block holds it.
pub(in crate::store) fn with_table<'a>(
    table: &[&[u8]],
    at: usize,
    sealed: &'a [u8],
) -> anyhow::Result<Cow<'a, [u8]>> {
    match at {
        0 => Ok(Cow::Borrowed(sealed)),
        n => {
            let place = table.get(n - 1).context("a malformed item block")?;
            Ok(Cow::Owned(join(place, sealed)))
        }
    }
}

pub(in crate::store) fn put_varint(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// A varint (at most four bytes' worth) and what follows it.
pub(in crate::store) fn varint(raw: &[u8]) -> anyhow::Result<(usize, &[u8])> {
    let (mut n, mut shift) = (0usize, 0);
    for (at, b) in raw.iter().enumerate() {
        n |= usize::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok((n, &raw[at + 1..]));
        }
        shift += 7;
        if shift > 28 {
            break;
        }
    }
    bail!("a malformed length in a stored item")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Fetched, Kind, Origin};

    fn item(feed: &str, external: &str, connected: bool) -> Item {
        let now = time::macros::datetime!(2026-06-01 12:00 UTC);
        let f = Fetched {
            kind: Kind::Review,
            external_id: external.into(),
            parent_external_id: None,
            author: Default::default(),
            rating: None,
            text: "text".into(),
            link: None,
            created_at: now,
            updated_at: now,
            reply: None,
            reply_authoritative: true,
        };
        let connection = connected.then(|| Id::generate(now));
        Item::first_seen(
            &f,
            Id::generate(now),
            Id::generate(now),
            Origin::Google,
            feed,
            connection,
            now,
        )
    }

    #[test]
    fn an_item_comes_back_whole_from_its_placement_and_sealed_form() {
        for (feed, external, connected) in [
            (
                "accounts/1/locations/2",
                "accounts/1/locations/2/reviews/x",
                true,
            ),
            ("123", "123_456", false),
            ("", "anything", true),
            ("pägé ✓", "other", false),
        ] {
            let original = item(feed, external, connected);
            let (place, sealed) = stored(&original);
            assert_eq!(sealed.location, Id::from_bytes([0; 16]));
            assert_eq!((sealed.connection, sealed.feed.as_str()), (None, ""));
            let raw = join(&place, b"SEALED");
            let (got_place, got_sealed) = split(&raw).unwrap();
            assert_eq!((got_place, got_sealed), (Some(&place[..]), &b"SEALED"[..]));
            let mut back = sealed.clone();
            restore(&mut back, got_place).unwrap();
            assert_eq!(back, original, "{feed} / {external}");
        }
    }

    #[test]
    fn the_left_out_fields_cost_a_byte_each_in_the_sealed_form() {
        let original = item("accounts/1/locations/2", "accounts/1/locations/2/r/x", true);
        let whole = crate::store::codec::encode_for_tests(&original);
        let (place, sealed) = stored(&original);
        let apart = crate::store::codec::encode_for_tests(&sealed);
        // location 18 → 1, connection 18 → 1, feed 23 → 1 (and the id relative either way).
        assert!(
            whole.len() - apart.len() >= 16 + 16 + 22,
            "{} → {}",
            whole.len(),
            apart.len()
        );
        assert_eq!(place.len(), 16 + 17 + 22);
        // The JSON form (the API's) keeps every field.
        let json = serde_json::to_value(&sealed).unwrap();
        assert_eq!(json["location"], "00000000000000000000000000000000");
    }

    #[test]
    fn an_older_value_is_its_own_sealed_part_and_damage_is_an_error() {
        assert_eq!(split(b"\x05nonce").unwrap(), (None, &b"\x05nonce"[..]));
        assert!(split(&[MARK, 9, 1, 2]).is_err());
        assert!(split(&[MARK, 0xff, 0xff, 0xff, 0xff, 0xff]).is_err());
        let mut i = item("f", "f/1", false);
        assert!(restore(&mut i, Some(&[1, 2, 3])).is_err());
        assert!(restore(&mut i, Some(&[0u8; 16][..])).is_err());
        assert!(with_table(&[], 1, b"x").is_err());
    }
}
