//! 128-bit ids that sort by creation time: 48 bits of milliseconds, then 80 random bits.
//! `Id<User>`, `Id<Workspace>`, ...: the type says what an id names, so passing a workspace
//! id where a user id belongs does not compile. On disk and on the wire an id is 32 hex digits.

use rand::RngCore;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::str::FromStr;
use time::OffsetDateTime;

pub struct Id<T> {
    bytes: [u8; 16],
    // `fn() -> T`: an id neither owns nor borrows a T, and is Send + Sync whatever T is.
    kind: PhantomData<fn() -> T>,
}

#[derive(Debug, thiserror::Error)]
#[error("not a valid id")]
pub struct IdParseError;

impl<T> Id<T> {
    pub fn generate(now: OffsetDateTime) -> Self {
        let millis = u64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
        let mut bytes = [0u8; 16];
        bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
        rand::rng().fill_bytes(&mut bytes[6..]);
        Self::from_bytes(bytes)
    }

    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self {
            bytes,
            kind: PhantomData,
        }
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.bytes
    }
}

// Written out rather than derived: a derive would ask the same of `T`.
impl<T> Clone for Id<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Id<T> {}
impl<T> PartialEq for Id<T> {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}
impl<T> Eq for Id<T> {}
impl<T> PartialOrd for Id<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Id<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.bytes.cmp(&other.bytes)
    }
}
impl<T> Hash for Id<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.bytes.hash(state);
    }
}

impl<T> fmt::Display for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.bytes))
    }
}

impl<T> fmt::Debug for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({self})")
    }
}

impl<T> FromStr for Id<T> {
    type Err = IdParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut bytes = [0u8; 16];
        hex::decode_to_slice(s, &mut bytes).map_err(|_| IdParseError)?;
        Ok(Self::from_bytes(bytes))
    }
}

/// 32 hex digits where people may read it (JSON), the 16 bytes themselves in the store's
/// compact encoding.
impl<T> Serialize for Id<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.collect_str(self)
        } else {
            s.serialize_bytes(&self.bytes)
        }
    }
}

impl<'de, T> Deserialize<'de> for Id<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Either form in either encoding: a value buffered by serde (inside an internally
        // tagged enum) says it is human-readable whatever it holds.
        struct Raw;
        impl serde::de::Visitor<'_> for Raw {
            type Value = [u8; 16];
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("16 bytes of an id")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<[u8; 16], E> {
                v.try_into().map_err(|_| E::invalid_length(v.len(), &self))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<[u8; 16], E> {
                v.parse::<Id<()>>()
                    .map(|id| id.bytes)
                    .map_err(|_| E::custom("not a valid id"))
            }
        }
        let bytes = if d.is_human_readable() {
            d.deserialize_str(Raw)?
        } else {
            d.deserialize_any(Raw)?
        };
        Ok(Self::from_bytes(bytes))
    }
}

/// An id the store's compact encoding leaves out because the key a record is stored under
/// holds it (an item's own id and workspace): written as nil there, read back as the zero id
/// for the store to fill in from the key. JSON keeps it. `#[serde(with = "...::elided")]`.
pub mod elided {
    use super::Id;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T, S: Serializer>(id: &Id<T>, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            id.serialize(s)
        } else {
            s.serialize_unit()
        }
    }

    pub fn deserialize<'de, T, D: Deserializer<'de>>(d: D) -> Result<Id<T>, D::Error> {
        Ok(Option::<Id<T>>::deserialize(d)?.unwrap_or(Id::from_bytes([0; 16])))
    }
}

/// An id the store's compact encoding leaves out when it is the zero id (an item's location,
/// which its block keeps: `store::items::placement`): nil there, the id itself otherwise; read
/// back as the zero id from nil. JSON keeps it. `#[serde(with = "...::zero_elided")]`.
pub mod zero_elided {
    use super::Id;
    use serde::{Deserializer, Serialize, Serializer};

    pub fn serialize<T, S: Serializer>(id: &Id<T>, s: S) -> Result<S::Ok, S::Error> {
        if !s.is_human_readable() && id.bytes == [0; 16] {
            s.serialize_unit()
        } else {
            id.serialize(s)
        }
    }

    pub fn deserialize<'de, T, D: Deserializer<'de>>(d: D) -> Result<Id<T>, D::Error> {
        super::elided::deserialize(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Thing;

    #[test]
    fn ids_sort_by_creation_time_and_round_trip() {
        let t0 = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let a = Id::<Thing>::generate(t0);
        let b = Id::<Thing>::generate(t0 + time::Duration::milliseconds(1));
        assert!(a < b);
        assert_eq!(a.to_string().parse::<Id<Thing>>().unwrap(), a);
        assert!("zz".parse::<Id<Thing>>().is_err());
    }
}
