//! Value encoding: one version byte, then the value. Written as MessagePack with structs as
//! arrays (`PACKED`): no field names, ids as 16 bytes, instants as numbers (see
//! `domain::when`), a third of the JSON. Still read: JSON (`JSON`), what older stores wrote.
//!
//! Positional: a field may be added to a stored type only at its end, with `#[serde(default)]`
//! (older records end before it), and no field may be skipped when serializing.

use anyhow::{Context, bail};
use serde::{Serialize, de::DeserializeOwned};

const JSON: u8 = 1;
/// 2 marks a sealed value (`sealing`), never a plain one.
const PACKED: u8 = 3;

pub fn encode<T: Serialize>(value: &T) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    encode_into(&mut out, value)?;
    Ok(out)
}

/// `encode`, appended to `out`.
pub fn encode_into<T: Serialize>(out: &mut Vec<u8>, value: &T) -> anyhow::Result<()> {
    out.push(PACKED);
    rmp_serde::encode::write(out, value).context("encoding a stored value")
}

pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> anyhow::Result<T> {
    match bytes.split_first() {
        Some((&PACKED, rest)) => rmp_serde::from_slice(rest).context("decoding a stored value"),
        Some((&JSON, rest)) => serde_json::from_slice(rest).context("decoding a stored value"),
        Some((v, _)) => bail!("stored value has unknown format {v}"),
        None => bail!("stored value is empty"),
    }
}

/// The store's encoding, for tests of types that choose their stored form.
#[cfg(test)]
pub(crate) fn encode_for_tests<T: serde::Serialize>(value: &T) -> Vec<u8> {
    encode(value).expect("encodes")
}

#[cfg(test)]
pub(crate) fn decode_for_tests<T: serde::de::DeserializeOwned>(raw: &[u8]) -> T {
    decode(raw).expect("decodes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Old {
        a: u32,
        b: String,
    }

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct New {
        a: u32,
        b: String,
        #[serde(default)]
        c: Option<u8>,
    }

    #[test]
    fn both_encodings_read_and_a_field_added_at_the_end_defaults() {
        let old = Old {
            a: 7,
            b: "x".into(),
        };
        let packed = encode(&old).unwrap();
        let json = [&[JSON][..], &serde_json::to_vec(&old).unwrap()].concat();
        for raw in [packed, json] {
            let new: New = decode(&raw).unwrap();
            assert_eq!((new.a, new.b.as_str(), new.c), (7, "x", None));
        }
        assert!(decode::<Old>(&[9, 1]).is_err());
        assert!(decode::<Old>(&[]).is_err());
        assert!(decode::<Old>(&[PACKED, 0xc1]).is_err());
    }

    /// Ids and instants inside internally tagged enums, which serde buffers before reading.
    #[test]
    fn tagged_enums_holding_ids_and_instants_round_trip() {
        use crate::domain::{Id, LinkPurpose, LinkToken, Reply, ReplyState};
        let now = time::macros::datetime!(2026-05-01 12:00:00.5 +01:00);
        let link = LinkToken {
            purpose: LinkPurpose::Invitation {
                workspace: Id::generate(now),
                invitation: Id::generate(now),
            },
            expires_at: now,
        };
        assert_eq!(decode::<LinkToken>(&encode(&link).unwrap()).unwrap(), link);
        let reply = Reply {
            text: "thanks".into(),
            state: ReplyState::Failed {
                reason: "quota".into(),
            },
            author: Some(Id::generate(now)),
            written_at: now,
            published_at: Some(now),
            external_id: None,
            attempt_started_at: None,
            attempts: 2,
        };
        assert_eq!(decode::<Reply>(&encode(&reply).unwrap()).unwrap(), reply);
        let json = [&[JSON][..], &serde_json::to_vec(&link).unwrap()].concat();
        assert_eq!(decode::<LinkToken>(&json).unwrap(), link);
    }
}
