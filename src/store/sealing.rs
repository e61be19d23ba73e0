//! Crypto-shredding. Records about people from outside (contacts, their feedback and mail,
//! reviewers' items) are sealed with a key of their own, kept in `person_keys` (32 random
//! bytes each; where, see `store::person_keys`). Erasure destroys the key: every copy of the record becomes noise, in sled's
//! old log segments and in every backup taken before, where a removal alone cannot reach.
//!
//! A sealed value is `2 | ref length | ref | nonce (12) | ChaCha20-Poly1305(value)`, the
//! reference bound in as associated data so a value cannot be pointed at another key. Where
//! the key a value is stored under names its person (an item and what hangs off it), the
//! reference is left out: `5 | nonce | ChaCha20-Poly1305(value)`, opened with `unseal_as`.
use crate::store::kv;

use super::{Store, codec, person_keys};
use crate::domain::{Feedback, Id, Item, OutboxMessage, Workspace};
use anyhow::{Context, bail};
use chacha20poly1305::aead::{Aead, AeadInPlace, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use kv::transaction::{
    ConflictableTransactionError, ConflictableTransactionResult, TransactionalTree,
};
use rand::RngCore;
use serde::{Serialize, de::DeserializeOwned};

const SEALED: u8 = 2;
/// Sealed, the reference left out (not a codec version: those are 1 and 3).
const SEALED_IMPLICIT: u8 = 5;

/// Whose key seals a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRef(Vec<u8>);

impl PersonRef {
    /// The kinds of key whose reference starts with the workspace after the kind byte (a
    /// customer's is `c | workspace | HMAC`): what a workspace purge destroys by prefix.
    pub(super) const WORKSPACE_KINDS: [u8; 3] = [b'c', b'i', b'f'];

    /// A customer, by the keyed hash of their address in a workspace (`Store::email_key`):
    /// the same key across deletion and re-import, found again from the address alone.
    pub fn contact(email_key: &[u8]) -> Self {
        Self([b"c".as_slice(), email_key].concat())
    }

    /// The author of one item (providers give no stable person id for most reviewers).
    pub fn item(ws: &Id<Workspace>, item: &Id<Item>) -> Self {
        Self([b"i".as_slice(), ws.as_bytes(), item.as_bytes()].concat())
    }

    /// One answer whose customer is no longer a contact.
    pub fn feedback(ws: &Id<Workspace>, id: &Id<Feedback>) -> Self {
        Self([b"f".as_slice(), ws.as_bytes(), id.as_bytes()].concat())
    }

    /// One message that is about nobody in particular, or about several people.
    pub fn message(id: &Id<OutboxMessage>) -> Self {
        Self([b"o".as_slice(), id.as_bytes()].concat())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// Whether a stored value is sealed (and so needs `Store::unseal`).
pub fn is_sealed(raw: &[u8]) -> bool {
    matches!(raw.first(), Some(&SEALED | &SEALED_IMPLICIT))
}

/// A fresh random key.
fn fresh_key() -> [u8; 32] {
    let mut k = [0u8; 32];
    rand::rng().fill_bytes(&mut k);
    k
}

fn seal_with<T: Serialize>(key: &[u8; 32], who: &PersonRef, value: &T) -> anyhow::Result<Vec<u8>> {
    seal_bytes(key, who, &codec::encode(value)?)
}

/// `seal_with`, the reference left out of the value: `5 | nonce | ciphertext | tag`, encoded
/// and encrypted in one buffer (this runs for every item an ingest writes).
fn seal_implicit_with<T: Serialize>(
    key: &[u8; 32],
    who: &PersonRef,
    value: &T,
) -> anyhow::Result<Vec<u8>> {
    let mut nonce = [0u8; 12];
    rand::rng().fill_bytes(&mut nonce);
    let mut out = Vec::with_capacity(320);
    out.push(SEALED_IMPLICIT);
    out.extend_from_slice(&nonce);
    codec::encode_into(&mut out, value)?;
    let tag = ChaCha20Poly1305::new(Key::from_slice(key))
        .encrypt_in_place_detached(Nonce::from_slice(&nonce), who.as_bytes(), &mut out[13..])
        .map_err(|_| anyhow::anyhow!("sealing a record"))?;
    out.extend_from_slice(&tag);
    Ok(out)
}

/// Seals an encoded value (`plain`, version byte first).
fn seal_bytes(key: &[u8; 32], who: &PersonRef, plain: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut nonce = [0u8; 12];
    rand::rng().fill_bytes(&mut nonce);
    let sealed = ChaCha20Poly1305::new(Key::from_slice(key))
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plain,
                aad: who.as_bytes(),
            },
        )
        .map_err(|_| anyhow::anyhow!("sealing a record"))?;
    let reference = who.as_bytes();
    let len = u8::try_from(reference.len()).context("a person reference too long")?;
    let mut out = Vec::with_capacity(2 + reference.len() + 12 + sealed.len());
    out.push(SEALED);
    out.push(len);
    out.extend_from_slice(reference);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// The reference a sealed value names, and the rest (nonce, ciphertext).
fn reference_of(raw: &[u8]) -> anyhow::Result<(&[u8], &[u8])> {
    if raw.first() == Some(&SEALED_IMPLICIT) {
        bail!("a sealed record that does not name its person was read without its key's name");
    }
    match raw.get(1).map(|&n| usize::from(n)) {
        Some(n) if raw.len() >= 2 + n + 12 + 16 => Ok(raw[2..].split_at(n)),
        _ => bail!("a sealed record is cut short"),
    }
}

/// The reference to open `raw` with, given whose it is when the value does not say, and
/// the rest (nonce, ciphertext).
pub(super) fn reference_for<'a>(
    raw: &'a [u8],
    who: &'a PersonRef,
) -> anyhow::Result<(&'a [u8], &'a [u8])> {
    if raw.first() != Some(&SEALED_IMPLICIT) {
        return reference_of(raw);
    }
    match raw.get(1..) {
        Some(rest) if rest.len() >= 12 + 16 => Ok((who.as_bytes(), rest)),
        _ => bail!("a sealed record is cut short"),
    }
}

pub(super) fn open_with<T: DeserializeOwned>(
    key: &[u8],
    reference: &[u8],
    rest: &[u8],
) -> anyhow::Result<T> {
    let (nonce, sealed) = rest.split_at(12);
    let plain = ChaCha20Poly1305::new(Key::from_slice(key))
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: reference,
            },
        )
        .map_err(|_| anyhow::anyhow!("a sealed record does not open with its key"))?;
    codec::decode(&plain)
}

type Tx<T> = ConflictableTransactionResult<T, anyhow::Error>;

fn abort(e: anyhow::Error) -> ConflictableTransactionError<anyhow::Error> {
    ConflictableTransactionError::Abort(e)
}

impl Store {
    /// The key of `who`, made on first use. Written before the record it seals: sled's log
    /// keeps order, so a record that survived a crash has its key too. Never inside a
    /// transaction (sled holds its lock there): use `seal_tx` with `person_keys` in it.
    fn person_key(&self, who: &PersonRef) -> anyhow::Result<[u8; 32]> {
        if let Some(k) = person_keys::get(&self.person_keys, who.as_bytes())? {
            return Ok(k);
        }
        self.person_keys
            .transaction(|t| Self::person_key_tx(t, who))
            .map_err(super::typed::txn_any)
            .context("storing a person key")
    }

    /// The key of `who` inside a transaction that includes `person_keys` as `keys`, made on
    /// first use.
    fn person_key_tx(keys: &TransactionalTree, who: &PersonRef) -> Tx<[u8; 32]> {
        if let Some(k) = person_keys::get_tx(keys, who.as_bytes())? {
            return Ok(k);
        }
        let fresh = fresh_key();
        person_keys::put_tx(keys, who.as_bytes(), &fresh)?;
        Ok(fresh)
    }

    /// A sealed record as releases before the compact encoding wrote it: JSON inside.
    #[cfg(test)]
    pub(super) fn seal_as_json<T: Serialize>(
        &self,
        who: &PersonRef,
        value: &T,
    ) -> anyhow::Result<Vec<u8>> {
        let plain = [&[1u8][..], &serde_json::to_vec(value)?].concat();
        seal_bytes(&self.person_key(who)?, who, &plain)
    }

    /// Encodes `value` sealed with `who`'s key.
    pub(super) fn seal<T: Serialize>(&self, who: &PersonRef, value: &T) -> anyhow::Result<Vec<u8>> {
        seal_with(&self.person_key(who)?, who, value)
    }

    /// `seal` inside a transaction that includes `person_keys` as `keys`.
    pub(super) fn seal_tx<T: Serialize>(
        keys: &TransactionalTree,
        who: &PersonRef,
        value: &T,
    ) -> Tx<Vec<u8>> {
        let key = Self::person_key_tx(keys, who)?;
        seal_with(&key, who, value).map_err(abort)
    }

    /// `seal`, the reference left out: for values stored under a key that names `who`.
    pub(super) fn seal_implicit<T: Serialize>(
        &self,
        who: &PersonRef,
        value: &T,
    ) -> anyhow::Result<Vec<u8>> {
        seal_implicit_with(&self.person_key(who)?, who, value)
    }

    /// `seal_implicit` inside a transaction that includes `person_keys` as `keys`.
    pub(super) fn seal_implicit_tx<T: Serialize>(
        keys: &TransactionalTree,
        who: &PersonRef,
        value: &T,
    ) -> Tx<Vec<u8>> {
        let key = Self::person_key_tx(keys, who)?;
        seal_implicit_with(&key, who, value).map_err(abort)
    }

    /// `seal_implicit_tx` for an owner that has no key yet (a new item): the key is made here
    /// and handed back to be stored in the same transaction (`person_keys::put_many_tx`).
    pub(super) fn seal_implicit_new<T: Serialize>(
        who: &PersonRef,
        value: &T,
    ) -> anyhow::Result<(Vec<u8>, [u8; 32])> {
        let key = fresh_key();
        Ok((seal_implicit_with(&key, who, value)?, key))
    }

    /// `unseal` of a value stored under a key that names `who` (sealed either way).
    pub(super) fn unseal_as<T: DeserializeOwned>(
        &self,
        who: &PersonRef,
        raw: &[u8],
    ) -> anyhow::Result<Option<T>> {
        if !is_sealed(raw) {
            return codec::decode(raw).map(Some);
        }
        let (reference, rest) = reference_for(raw, who)?;
        match person_keys::get(&self.person_keys, reference)? {
            Some(key) => open_with(&key, reference, rest).map(Some),
            None => Ok(None),
        }
    }

    /// `unseal_as` inside a transaction that includes `person_keys` as `keys`.
    pub(super) fn unseal_as_tx<T: DeserializeOwned>(
        keys: &TransactionalTree,
        who: &PersonRef,
        raw: &[u8],
    ) -> Tx<Option<T>> {
        if !is_sealed(raw) {
            return codec::decode(raw).map(Some).map_err(abort);
        }
        let (reference, rest) = reference_for(raw, who).map_err(abort)?;
        match person_keys::get_tx(keys, reference)? {
            Some(key) => open_with(&key, reference, rest).map(Some).map_err(abort),
            None => Ok(None),
        }
    }

    /// Decodes a stored value, sealed or not. `None` when its key was destroyed: the person
    /// was erased and what is left is noise.
    pub(super) fn unseal<T: DeserializeOwned>(&self, raw: &[u8]) -> anyhow::Result<Option<T>> {
        if !is_sealed(raw) {
            return codec::decode(raw).map(Some);
        }
        let (reference, rest) = reference_of(raw)?;
        match person_keys::get(&self.person_keys, reference)? {
            Some(key) => open_with(&key, reference, rest).map(Some),
            None => Ok(None),
        }
    }

    /// `unseal` inside a transaction that includes `person_keys` as `keys`.
    pub(super) fn unseal_tx<T: DeserializeOwned>(
        keys: &TransactionalTree,
        raw: &[u8],
    ) -> Tx<Option<T>> {
        if !is_sealed(raw) {
            return codec::decode(raw).map(Some).map_err(abort);
        }
        let (reference, rest) = reference_of(raw).map_err(abort)?;
        match person_keys::get_tx(keys, reference)? {
            Some(key) => open_with(&key, reference, rest).map(Some).map_err(abort),
            None => Ok(None),
        }
    }

    /// Seals a changed value with the key its old version was sealed with (`fallback` when the
    /// old one was plain): a change never moves a record to another person.
    pub(super) fn reseal_tx<T: Serialize>(
        keys: &TransactionalTree,
        old: &[u8],
        fallback: PersonRef,
        value: &T,
    ) -> Tx<Vec<u8>> {
        let who = if is_sealed(old) {
            PersonRef(reference_of(old).map_err(abort)?.0.to_vec())
        } else {
            fallback
        };
        Self::seal_tx(keys, &who, value)
    }

    /// `unseal` of the value at `key` in `tree`.
    pub(super) fn unseal_at<T: DeserializeOwned>(
        &self,
        tree: &kv::Tree,
        key: &[u8],
    ) -> anyhow::Result<Option<T>> {
        match tree.get(key).context("reading the store")? {
            Some(raw) => self.unseal(&raw),
            None => Ok(None),
        }
    }

    /// Values under `prefix` in `tree` that may be about `who`: those sealed with their key,
    /// and plain ones (written before sealing; the caller tells those by their content).
    /// Only these are decrypted and decoded: a person's mail is found without opening
    /// everybody's.
    pub(super) fn sealed_for<T: DeserializeOwned>(
        &self,
        tree: &kv::Tree,
        prefix: &[u8],
        who: &PersonRef,
    ) -> anyhow::Result<Vec<T>> {
        let mut out = Vec::new();
        let mut req = super::PageRequest::first(1_000);
        loop {
            let raw = super::page::scan(tree, prefix, &req, super::Order::Ascending)?;
            for (_, v) in &raw.items {
                let theirs =
                    !is_sealed(v) || reference_of(v).is_ok_and(|(r, _)| r == who.as_bytes());
                if theirs {
                    out.extend(self.unseal(v)?);
                }
            }
            match raw.next {
                Some(n) => req.cursor = Some(n),
                None => return Ok(out),
            }
        }
    }

    /// Destroys `who`'s key: everything sealed with it can never be read again.
    pub fn shred(&self, who: &PersonRef) -> anyhow::Result<bool> {
        self.person_keys
            .transaction(|t| person_keys::remove_tx(t, who.as_bytes()))
            .map_err(super::typed::txn_any)
            .context("destroying a person key")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_sealed_record_opens_until_its_key_is_shredded() {
        let dir = tempfile::tempdir().unwrap();
        let now = datetime!(2026-05-01 12:00 UTC);
        let store = Store::open(dir.path(), 16, now).unwrap();
        let who = PersonRef::message(&Id::generate(now));
        let raw = store
            .seal(&who, &"Zelda Quill <zelda@example.com>")
            .unwrap();
        assert!(!raw.windows(5).any(|w| w == b"Zelda"));
        assert_eq!(
            store.unseal::<String>(&raw).unwrap().as_deref(),
            Some("Zelda Quill <zelda@example.com>")
        );
        // Pointed at another person's key, or damaged: refused, not misread.
        let other = PersonRef::message(&Id::generate(now));
        store.seal(&other, &"x").unwrap();
        let mut moved = raw.clone();
        moved[2..2 + other.as_bytes().len()].copy_from_slice(other.as_bytes());
        assert!(store.unseal::<String>(&moved).is_err());
        let mut flipped = raw.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(store.unseal::<String>(&flipped).is_err());
        assert!(store.unseal::<String>(&raw[..20]).is_err());
        assert!(store.shred(&who).unwrap());
        assert_eq!(store.unseal::<String>(&raw).unwrap(), None);
        // Plain values still read as before.
        let plain = codec::encode(&"plain").unwrap();
        assert_eq!(
            store.unseal::<String>(&plain).unwrap().as_deref(),
            Some("plain")
        );
    }

    /// A value that leaves its person out opens only as that person's, and not at all once
    /// their key is gone; it is the reference's length shorter than the named form.
    #[test]
    fn a_record_sealed_without_its_reference_opens_only_as_its_owners() {
        let dir = tempfile::tempdir().unwrap();
        let now = datetime!(2026-05-01 12:00 UTC);
        let store = Store::open(dir.path(), 16, now).unwrap();
        let ws = Id::generate(now);
        let (who, other) = (
            PersonRef::item(&ws, &Id::generate(now)),
            PersonRef::item(&ws, &Id::generate(now)),
        );
        store.seal(&other, &"x").unwrap();
        let raw = store.seal_implicit(&who, &"Zelda Quill").unwrap();
        let named = store.seal(&who, &"Zelda Quill").unwrap();
        assert_eq!(named.len() - raw.len(), 1 + who.as_bytes().len());
        assert!(is_sealed(&raw));
        assert!(!raw.windows(8).any(|w| w == &who.as_bytes()[17..25]));
        assert_eq!(
            store.unseal_as::<String>(&who, &raw).unwrap().as_deref(),
            Some("Zelda Quill")
        );
        // The named form still opens through the same call.
        assert_eq!(
            store
                .unseal_as::<String>(&other, &named)
                .unwrap()
                .as_deref(),
            Some("Zelda Quill")
        );
        assert!(store.unseal_as::<String>(&other, &raw).is_err());
        assert!(store.unseal::<String>(&raw).is_err());
        assert!(store.unseal_as::<String>(&who, &raw[..20]).is_err());
        assert!(store.shred(&who).unwrap());
        assert_eq!(store.unseal_as::<String>(&who, &raw).unwrap(), None);
    }
}
