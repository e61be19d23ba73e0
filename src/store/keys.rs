//! Key layouts: big-endian so byte order is numeric and time order.

use crate::domain::{Email, Id, Workspace};
use time::OffsetDateTime;

pub fn id<T>(id: &Id<T>) -> [u8; 16] {
    *id.as_bytes()
}

pub fn email(email: &Email) -> &[u8] {
    email.as_str().as_bytes()
}

/// Milliseconds since the epoch (0 before it), as keys and stored times hold them.
pub(in crate::store) fn millis(at: OffsetDateTime) -> u64 {
    u64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}

/// (due time in ms, id): a range scan up to `now` yields what is due, oldest first.
pub fn due<T>(at: OffsetDateTime, id: &Id<T>) -> [u8; 24] {
    let mut key = [0u8; 24];
    key[..8].copy_from_slice(&millis(at).to_be_bytes());
    key[8..].copy_from_slice(id.as_bytes());
    key
}

/// The first key after every `due` key at or before `at`.
pub fn due_upper_bound(at: OffsetDateTime) -> [u8; 8] {
    (millis(at) + 1).to_be_bytes()
}

/// The time a `due` key is due at.
pub fn due_time(key: &[u8]) -> Option<OffsetDateTime> {
    let millis = u64::from_be_bytes(key.get(..8)?.try_into().ok()?);
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000).ok()
}

pub fn due_id<T>(key: &[u8]) -> Option<Id<T>> {
    let bytes: [u8; 16] = key.get(8..24)?.try_into().ok()?;
    Some(Id::from_bytes(bytes))
}

/// (a, b): e.g. (workspace, user) so a prefix scan on `a` lists b's.
pub fn pair<A, B>(a: &Id<A>, b: &Id<B>) -> [u8; 32] {
    let mut key = [0u8; 32];
    key[..16].copy_from_slice(a.as_bytes());
    key[16..].copy_from_slice(b.as_bytes());
    key
}

/// The second id of a `pair` key (or of a key cut after its prefix).
pub fn id_at<T>(key: &[u8], at: usize) -> Option<Id<T>> {
    let bytes: [u8; 16] = key.get(at..at + 16)?.try_into().ok()?;
    Some(Id::from_bytes(bytes))
}

/// (workspace, time ms, sequence): audit entries of one workspace in time order.
pub fn audit(ws: &Id<Workspace>, at: OffsetDateTime, seq: u64) -> [u8; 32] {
    let mut key = [0u8; 32];
    key[..16].copy_from_slice(ws.as_bytes());
    key[16..24].copy_from_slice(&millis(at).to_be_bytes());
    key[24..].copy_from_slice(&seq.to_be_bytes());
    key
}

/// provider \0 subject: an OAuth identity.
pub fn identity(provider: &str, subject: &str) -> Vec<u8> {
    let mut key = provider.as_bytes().to_vec();
    key.push(0);
    key.extend_from_slice(subject.as_bytes());
    key
}
