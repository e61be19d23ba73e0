//! Key material in a backup made without encryption: the instance secret is left out and every
//! other key (people's keys, link keys) is sealed under a key derived from it, so the file
//! alone unseals nothing. A restore brings the instance secret (from the data folder it
//! replaces, or a file the operator keeps apart) and opens them again.

use anyhow::{Context, bail};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use rand::RngCore;

/// Marks a wrapped value: `0xB7 | nonce (12) | ChaCha20-Poly1305(value)`, the record's key as
/// associated data.
const WRAPPED: u8 = 0xB7;

/// The wrapping key of an instance, derived from its secret.
pub fn wrapping_key(instance_secret: &[u8]) -> [u8; 32] {
    let hk = hkdf::Hkdf::<sha2::Sha256>::new(Some(b"plaudit"), instance_secret);
    let mut key = [0u8; 32];
    hk.expand(b"backup key wrap v1", &mut key)
        .unwrap_or_else(|_| unreachable!("32 bytes is a valid HKDF-SHA256 length"));
    key
}

pub fn wrap(key: &[u8; 32], record_key: &[u8], value: &[u8]) -> Vec<u8> {
    let mut nonce = [0u8; 12];
    rand::rng().fill_bytes(&mut nonce);
    let sealed = ChaCha20Poly1305::new(key.into())
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: value,
                aad: record_key,
            },
        )
        .unwrap_or_else(|_| unreachable!("ChaCha20-Poly1305 encrypts any length a store holds"));
    [&[WRAPPED][..], &nonce, &sealed].concat()
}

pub fn unwrap(key: &[u8; 32], record_key: &[u8], value: &[u8]) -> anyhow::Result<Vec<u8>> {
    if value.len() < 13 || value[0] != WRAPPED {
        bail!("a key in the backup is not wrapped");
    }
    ChaCha20Poly1305::new(key.into())
        .decrypt(
            Nonce::from_slice(&value[1..13]),
            Payload {
                msg: &value[13..],
                aad: record_key,
            },
        )
        .ok()
        .context("the instance secret does not open this backup's keys: it is another instance's")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_same_instance_secret_opens_a_wrapped_key() {
        let key = wrapping_key(&[7u8; 32]);
        let w = wrap(&key, b"c-person", b"thirty-two bytes of a person key");
        assert!(!w.windows(8).any(|x| x == b"thirty-t"));
        assert_eq!(
            unwrap(&key, b"c-person", &w).unwrap(),
            b"thirty-two bytes of a person key"
        );
        assert!(unwrap(&wrapping_key(&[8u8; 32]), b"c-person", &w).is_err());
        assert!(unwrap(&key, b"another", &w).is_err(), "bound to its record");
    }
}
