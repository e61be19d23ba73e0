//! Key layouts: big-endian so byte order is numeric and time order.

use crate::domain::{Email, Id};
use time::OffsetDateTime;

pub fn id(id: &Id) -> [u8; 16] {
    *id.as_bytes()
}

pub fn email(email: &Email) -> &[u8] {
    email.as_str().as_bytes()
}

fn millis(at: OffsetDateTime) -> u64 {
    u64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}

/// (due time in ms, id): a range scan up to `now` yields what is due, oldest first.
pub fn due(at: OffsetDateTime, id: &Id) -> [u8; 24] {
    let mut key = [0u8; 24];
    key[..8].copy_from_slice(&millis(at).to_be_bytes());
    key[8..].copy_from_slice(id.as_bytes());
    key
}

/// The first key after every `due` key at or before `at`.
pub fn due_upper_bound(at: OffsetDateTime) -> [u8; 8] {
    (millis(at) + 1).to_be_bytes()
}

pub fn due_id(key: &[u8]) -> Option<Id> {
    let bytes: [u8; 16] = key.get(8..24)?.try_into().ok()?;
    Some(Id::from_bytes(bytes))
}
