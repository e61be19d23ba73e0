//! One block's bytes: the format, the upper bound (0, or 1 and 16 bytes), in format 2 the
//! placements its items share (count, then each as length and bytes: `placement`), then each
//! item in id order: id (16), in format 2 its placement's number (1-based; 0: none, an item
//! sealed whole), length (varints), the sealed item. Read whole to change it, or item by
//! item. Format 1, written before placements were kept apart, is still read.

use super::{MAX_BYTES, MAX_ENTRIES, Raw};
use crate::domain::{Id, Item};
use crate::store::items::placement::{self, put_varint, varint};
use anyhow::{Context, bail};
use std::borrow::Cow;

const FORMAT_1: u8 = 1;
pub(super) const FORMAT: u8 = 2;

/// A block read whole, for changing it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(in crate::store) struct Block {
    pub upper: Option<Raw>,
    pub entries: Vec<(Raw, Vec<u8>)>,
}

impl Block {
    pub fn decode(raw: &[u8]) -> anyhow::Result<Self> {
        let body = Body::of(raw)?;
        let mut entries = Vec::new();
        for e in body.entries() {
            let (id, v) = e?;
            entries.push((id, v.into_owned()));
        }
        Ok(Self {
            upper: body.upper,
            entries,
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        let size: usize = self.entries.iter().map(|(_, v)| v.len() + 19).sum();
        let mut out = Vec::with_capacity(20 + size);
        out.push(FORMAT);
        match &self.upper {
            Some(u) => {
                out.push(1);
                out.extend_from_slice(u);
            }
            None => out.push(0),
        }
        // Each item's placement once for the block (a block holds few: items come a page,
        // a location, at a time), the values without it.
        let mut table: Vec<&[u8]> = Vec::new();
        let mut items: Vec<(&Raw, usize, &[u8])> = Vec::with_capacity(self.entries.len());
        for (id, v) in &self.entries {
            match placement::split(v) {
                Ok((Some(place), sealed)) => {
                    let at = match table.iter().position(|p| *p == place) {
                        Some(i) => i,
                        None => {
                            table.push(place);
                            table.len() - 1
                        }
                    };
                    items.push((id, at + 1, sealed));
                }
                // Sealed whole (or not readable as a placement: kept as it is).
                _ => items.push((id, 0, v)),
            }
        }
        put_varint(&mut out, table.len());
        for place in &table {
            put_varint(&mut out, place.len());
            out.extend_from_slice(place);
        }
        for (id, at, v) in items {
            out.extend_from_slice(id);
            put_varint(&mut out, at);
            put_varint(&mut out, v.len());
            out.extend_from_slice(v);
        }
        out
    }

    fn bytes(&self) -> usize {
        self.entries.iter().map(|(_, v)| v.len() + 18).sum()
    }

    /// Puts `value` as item `id` (over an older one); returns the old value.
    pub(super) fn put(&mut self, id: Raw, value: &[u8]) -> Option<Vec<u8>> {
        match self.entries.binary_search_by(|(e, _)| e.cmp(&id)) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value.to_vec())),
            Err(i) => {
                self.entries.insert(i, (id, value.to_vec()));
                None
            }
        }
    }

    /// The stored value of item `id`, if this block holds it.
    pub(super) fn get(&self, id: &Raw) -> Option<&[u8]> {
        let i = self.entries.binary_search_by(|(e, _)| e.cmp(id)).ok()?;
        Some(&self.entries[i].1)
    }

    pub(super) fn take(&mut self, id: &Raw) -> Option<Vec<u8>> {
        let i = self.entries.binary_search_by(|(e, _)| e.cmp(id)).ok()?;
        Some(self.entries.remove(i).1)
    }

    fn over(&self) -> bool {
        self.entries.len() > MAX_ENTRIES || (self.entries.len() >= 2 && self.bytes() > MAX_BYTES)
    }

    /// This block cut in halves until each is within its limits, in id order; each piece
    /// names the next one's lower bound, the last keeps this block's upper bound.
    pub(super) fn pieces(mut self) -> Vec<Block> {
        if !self.over() {
            return vec![self];
        }
        let upper_half = self.entries.split_off(self.entries.len() / 2);
        let right = Block {
            upper: self.upper,
            entries: upper_half,
        };
        self.upper = Some(right.entries[0].0);
        let mut out = self.pieces();
        out.extend(right.pieces());
        out
    }
}

/// The upper bound of a block's bytes.
pub(super) fn upper(raw: &[u8]) -> anyhow::Result<Option<Raw>> {
    Ok(Body::of(raw)?.upper)
}

/// A block's bytes, its header read.
struct Body<'a> {
    upper: Option<Raw>,
    /// Format 2's shared placements (empty in format 1).
    table: Vec<&'a [u8]>,
    numbered: bool,
    items: &'a [u8],
}

impl<'a> Body<'a> {
    fn of(raw: &'a [u8]) -> anyhow::Result<Self> {
        let (numbered, rest) = match raw {
            [FORMAT, rest @ ..] => (true, rest),
            [FORMAT_1, rest @ ..] => (false, rest),
            _ => bail!("a malformed item block"),
        };
        let (upper, mut rest) = match rest {
            [0, rest @ ..] => (None, rest),
            [1, rest @ ..] => match rest.split_first_chunk::<16>() {
                Some((upper, rest)) => (Some(*upper), rest),
                None => bail!("a cut item block"),
            },
            _ => bail!("a malformed item block"),
        };
        let mut table = Vec::new();
        if numbered {
            let (n, after) = varint(rest)?;
            rest = after;
            for _ in 0..n {
                let (len, after) = varint(rest)?;
                let place = after.get(..len).context("a cut item block")?;
                table.push(place);
                rest = &after[len..];
            }
        }
        Ok(Self {
            upper,
            table,
            numbered,
            items: rest,
        })
    }

    /// The items, in id order: (id, stored value), copied only to put a placement back.
    fn entries(&self) -> Entries<'_, 'a> {
        Entries {
            body: self,
            rest: self.items,
        }
    }
}

/// The items of a block's bytes (see `Body::entries`).
struct Entries<'b, 'a> {
    body: &'b Body<'a>,
    rest: &'a [u8],
}

impl<'a> Iterator for Entries<'_, 'a> {
    type Item = anyhow::Result<(Raw, Cow<'a, [u8]>)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let read = || -> anyhow::Result<(Raw, usize, &'a [u8], &'a [u8])> {
            let (id, rest) = self
                .rest
                .split_first_chunk::<16>()
                .context("a cut item block")?;
            let (at, rest) = match self.body.numbered {
                true => varint(rest)?,
                false => (0, rest),
            };
            let (len, rest) = varint(rest)?;
            let value = rest.get(..len).context("a cut item block")?;
            Ok((*id, at, value, &rest[len..]))
        };
        match read() {
            Ok((id, at, value, rest)) => {
                self.rest = rest;
                Some(placement::with_table(&self.body.table, at, value).map(|v| (id, v)))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

/// An item of a block as read: its id and stored value (copied only to put a placement back).
pub(in crate::store) type Stored<'a> = (Id<Item>, Cow<'a, [u8]>);

/// Every item in a block's bytes, in id order.
pub(in crate::store) fn items_of(raw: &[u8]) -> anyhow::Result<Vec<Stored<'_>>> {
    let body = Body::of(raw)?;
    body.entries()
        .map(|e| e.map(|(id, v)| (Id::from_bytes(id), v)))
        .collect()
}

pub(super) fn find<'a>(raw: &'a [u8], id: &Raw) -> anyhow::Result<Option<Cow<'a, [u8]>>> {
    let body = Body::of(raw)?;
    for e in body.entries() {
        let (at, v) = e?;
        if at == *id {
            return Ok(Some(v));
        }
        if at > *id {
            break;
        }
    }
    Ok(None)
}
