//! One block's bytes: `FORMAT`, the upper bound (0, or 1 and 16 bytes), then each item in id
//! order: id (16), length (varint), the sealed item. Read whole to change it, or item by item
//! without copying.

use super::{MAX_BYTES, MAX_ENTRIES, Raw};
use crate::domain::{Id, Item};
use anyhow::{Context, bail};

pub(super) const FORMAT: u8 = 1;

/// A block read whole, for changing it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(in crate::store) struct Block {
    pub upper: Option<Raw>,
    pub entries: Vec<(Raw, Vec<u8>)>,
}

impl Block {
    pub fn decode(raw: &[u8]) -> anyhow::Result<Self> {
        let (upper, rest) = header(raw)?;
        let mut entries = Vec::new();
        for e in Entries(rest) {
            let (id, v) = e?;
            entries.push((id, v.to_vec()));
        }
        Ok(Self { upper, entries })
    }

    pub fn encode(&self) -> Vec<u8> {
        let size: usize = self.entries.iter().map(|(_, v)| v.len() + 19).sum();
        let mut out = Vec::with_capacity(18 + size);
        out.push(FORMAT);
        match &self.upper {
            Some(u) => {
                out.push(1);
                out.extend_from_slice(u);
            }
            None => out.push(0),
        }
        for (id, v) in &self.entries {
            out.extend_from_slice(id);
            let mut n = v.len();
            while n >= 0x80 {
                out.push((n as u8) | 0x80);
                n >>= 7;
            }
            out.push(n as u8);
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

/// The upper bound of a block and the bytes of its items.
pub(super) fn header(raw: &[u8]) -> anyhow::Result<(Option<Raw>, &[u8])> {
    match raw {
        [FORMAT, 0, rest @ ..] => Ok((None, rest)),
        [FORMAT, 1, rest @ ..] => match rest.split_first_chunk::<16>() {
            Some((upper, rest)) => Ok((Some(*upper), rest)),
            None => bail!("a cut item block"),
        },
        _ => bail!("a malformed item block"),
    }
}

/// The items of a block's bytes, in id order, without copying them.
struct Entries<'a>(&'a [u8]);

impl<'a> Iterator for Entries<'a> {
    type Item = anyhow::Result<(Raw, &'a [u8])>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.0.is_empty() {
            return None;
        }
        let read = || -> anyhow::Result<(Raw, &'a [u8], &'a [u8])> {
            let id: Raw = self.0.get(..16).context("a cut item block")?.try_into()?;
            let (mut len, mut shift, mut at) = (0usize, 0, 16);
            loop {
                let b = *self.0.get(at).context("a cut item block")?;
                at += 1;
                len |= usize::from(b & 0x7f) << shift;
                if b & 0x80 == 0 {
                    break;
                }
                shift += 7;
                if shift > 28 {
                    bail!("a malformed item block");
                }
            }
            let end = at.checked_add(len).context("a malformed item block")?;
            let value = self.0.get(at..end).context("a cut item block")?;
            Ok((id, value, &self.0[end..]))
        };
        match read() {
            Ok((id, value, rest)) => {
                self.0 = rest;
                Some(Ok((id, value)))
            }
            Err(e) => {
                self.0 = &[];
                Some(Err(e))
            }
        }
    }
}

/// Every item in a block's bytes, in id order: (id, sealed value).
pub(in crate::store) fn items_of(raw: &[u8]) -> anyhow::Result<Vec<(Id<Item>, &[u8])>> {
    let (_, rest) = header(raw)?;
    Entries(rest)
        .map(|e| e.map(|(id, v)| (Id::from_bytes(id), v)))
        .collect()
}

pub(super) fn find<'a>(raw: &'a [u8], id: &Raw) -> anyhow::Result<Option<&'a [u8]>> {
    let (_, rest) = header(raw)?;
    for e in Entries(rest) {
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
