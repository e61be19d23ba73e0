//! Sealing provider tokens at rest: XChaCha20-Poly1305 under a key derived (HKDF-SHA256) from
//! the instance secret, with workspace, provider and connection id as associated data, so a
//! sealed blob copied onto another connection does not open.

use crate::domain::{Connection, Id, Workspace};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Everything secret about a connection. Only ever in memory in plain text.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Secrets {
    pub refresh_token: Option<String>,
    pub access_token: Option<String>,
    #[serde(default, with = "crate::domain::when::rfc3339::option")]
    pub access_expires_at: Option<OffsetDateTime>,
    /// Facebook page id → page access token.
    #[serde(default)]
    pub page_tokens: BTreeMap<String, String>,
}

// Written out so a stray `{:?}` can never print a token.
impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(sealed)")
    }
}

#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

const VERSION: u8 = 1;

impl Sealer {
    pub fn new(instance_secret: &[u8]) -> Self {
        let hk = hkdf::Hkdf::<sha2::Sha256>::new(Some(b"plaudit"), instance_secret);
        let mut key = [0u8; 32];
        hk.expand(b"connection tokens v1", &mut key)
            .unwrap_or_else(|_| unreachable!("32 bytes is a valid HKDF-SHA256 length"));
        Self {
            cipher: XChaCha20Poly1305::new(&key.into()),
        }
    }

    fn aad(ws: &Id<Workspace>, provider: &str, conn: &Id<Connection>) -> Vec<u8> {
        [
            ws.as_bytes().as_slice(),
            provider.as_bytes(),
            b"\0",
            conn.as_bytes(),
        ]
        .concat()
    }

    pub fn seal(
        &self,
        ws: &Id<Workspace>,
        provider: &str,
        conn: &Id<Connection>,
        secrets: &Secrets,
    ) -> anyhow::Result<Vec<u8>> {
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        let plain = serde_json::to_vec(secrets)?;
        let aad = Self::aad(ws, provider, conn);
        let sealed = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &plain,
                    aad: &aad,
                },
            )
            .map_err(|_| anyhow::anyhow!("sealing connection tokens failed"))?;
        Ok([&[VERSION][..], &nonce, &sealed].concat())
    }

    pub fn open(
        &self,
        ws: &Id<Workspace>,
        provider: &str,
        conn: &Id<Connection>,
        sealed: &[u8],
    ) -> anyhow::Result<Secrets> {
        let (Some((&VERSION, rest)), true) = (sealed.split_first(), sealed.len() > 25) else {
            anyhow::bail!("sealed connection tokens have an unknown format");
        };
        let (nonce, body) = rest.split_at(24);
        let aad = Self::aad(ws, provider, conn);
        let plain = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: &aad,
                },
            )
            .map_err(|_| {
                anyhow::anyhow!("connection tokens do not open (another instance secret, or moved)")
            })?;
        Ok(serde_json::from_slice(&plain)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_tokens_open_only_for_their_connection() {
        let s = Sealer::new(b"instance secret");
        let now = OffsetDateTime::UNIX_EPOCH;
        let (ws, c1, c2) = (Id::generate(now), Id::generate(now), Id::generate(now));
        let secrets = Secrets {
            refresh_token: Some("1//refresh-abc".into()),
            ..Secrets::default()
        };
        let sealed = s.seal(&ws, "google", &c1, &secrets).unwrap();
        assert!(!sealed.windows(11).any(|w| w == b"refresh-abc"));
        assert_eq!(s.open(&ws, "google", &c1, &sealed).unwrap(), secrets);
        assert!(s.open(&ws, "google", &c2, &sealed).is_err());
        assert!(s.open(&ws, "facebook", &c1, &sealed).is_err());
        assert!(
            Sealer::new(b"other")
                .open(&ws, "google", &c1, &sealed)
                .is_err()
        );
        assert_eq!(format!("{secrets:?}"), "Secrets(sealed)");
    }
}
