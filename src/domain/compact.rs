//! Small enums as numbers in the store's compact encoding, as their names in JSON: an item
//! stored a million times spends a byte on its origin instead of seven. Older values (names,
//! `{"stars": 4}`) still read. Used as `#[serde(with = "crate::domain::compact::unit")]` and
//! `#[serde(with = "crate::domain::compact::rating")]`.

/// A unit enum with its variants in a fixed order: a variant's number is its place in `ALL`,
/// so variants are only ever added at the end.
pub trait Numbered: Sized + Copy + PartialEq + 'static {
    const ALL: &'static [Self];
}

pub mod unit {
    use super::Numbered;
    use serde::de::{Error, IntoDeserializer, Visitor};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::marker::PhantomData;

    pub fn serialize<T: Numbered + Serialize, S: Serializer>(
        v: &T,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            return v.serialize(s);
        }
        match T::ALL
            .iter()
            .position(|x| x == v)
            .and_then(|i| u8::try_from(i).ok())
        {
            Some(i) => s.serialize_u8(i),
            None => v.serialize(s),
        }
    }

    pub fn deserialize<'de, T, D>(d: D) -> Result<T, D::Error>
    where
        T: Numbered + Deserialize<'de>,
        D: Deserializer<'de>,
    {
        if d.is_human_readable() {
            return T::deserialize(d);
        }
        d.deserialize_any(ByNumberOrName(PhantomData))
    }

    struct ByNumberOrName<T>(PhantomData<T>);

    impl<'de, T: Numbered + Deserialize<'de>> Visitor<'de> for ByNumberOrName<T> {
        type Value = T;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a variant's number or name")
        }

        fn visit_u64<E: Error>(self, n: u64) -> Result<T, E> {
            usize::try_from(n)
                .ok()
                .and_then(|i| T::ALL.get(i))
                .copied()
                .ok_or_else(|| E::custom(format!("no variant numbered {n}")))
        }

        fn visit_str<E: Error>(self, v: &str) -> Result<T, E> {
            T::deserialize(v.into_deserializer())
        }
    }
}

/// `Option<Rating>`: a star count as itself, a recommendation as -1 (yes) or -2 (no).
pub mod rating {
    use crate::domain::Rating;
    use serde::de::{Error, MapAccess, Visitor};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(r: &Option<Rating>, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            return r.serialize(s);
        }
        match r {
            None => s.serialize_none(),
            Some(Rating::Stars(n)) => s.serialize_i16(i16::from(*n)),
            Some(Rating::Recommends(true)) => s.serialize_i16(-1),
            Some(Rating::Recommends(false)) => s.serialize_i16(-2),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Rating>, D::Error> {
        if d.is_human_readable() {
            return Option::<Rating>::deserialize(d);
        }
        d.deserialize_any(Compact)
    }

    struct Compact;

    impl<'de> Visitor<'de> for Compact {
        type Value = Option<Rating>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a rating")
        }

        fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }

        fn visit_u64<E: Error>(self, n: u64) -> Result<Self::Value, E> {
            u8::try_from(n)
                .map(|n| Some(Rating::Stars(n)))
                .map_err(|_| E::custom("a star count out of range"))
        }

        fn visit_i64<E: Error>(self, n: i64) -> Result<Self::Value, E> {
            match n {
                -1 => Ok(Some(Rating::Recommends(true))),
                -2 => Ok(Some(Rating::Recommends(false))),
                n => self.visit_u64(u64::try_from(n).map_err(|_| E::custom("a bad rating"))?),
            }
        }

        /// The form before: `{"stars": 4}`, `{"recommends": true}`.
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            Rating::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Some)
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::{Author, Fetched, Id, Item, Kind, Origin, Rating};
    use time::macros::datetime;

    fn item(rating: Option<Rating>) -> Item {
        let now = datetime!(2026-06-01 12:00 UTC);
        let f = Fetched {
            kind: Kind::Comment,
            external_id: "x".into(),
            parent_external_id: None,
            author: Author::default(),
            rating,
            text: "t".into(),
            link: None,
            created_at: now,
            updated_at: now,
            reply: None,
            reply_authoritative: true,
        };
        Item::first_seen(
            &f,
            Id::generate(now),
            Id::generate(now),
            Origin::Facebook,
            "f",
            None,
            now,
        )
    }

    /// Every rating and variant reads back from the store's encoding and from the encoding
    /// releases before this one wrote (names), and JSON keeps the names.
    #[test]
    fn numbers_in_the_store_names_in_json_and_old_values_still_read() {
        for r in [
            None,
            Some(Rating::Stars(1)),
            Some(Rating::Stars(5)),
            Some(Rating::Recommends(true)),
            Some(Rating::Recommends(false)),
        ] {
            let i = item(r);
            let packed = crate::store::encode_for_tests(&i);
            let back: Item = crate::store::decode_for_tests(&packed);
            assert_eq!(
                (back.rating, back.kind, back.origin, back.status),
                (r, i.kind, i.origin, i.status)
            );
            let json = serde_json::to_string(&i).unwrap();
            assert!(
                json.contains("\"facebook\"")
                    && json.contains("\"comment\"")
                    && json.contains("\"live\""),
                "{json}"
            );
            let from_json: Item = serde_json::from_str(&json).unwrap();
            assert_eq!(from_json.rating, r);
        }
        // A value as the previous release packed it: names and a rating map.
        #[derive(serde::Serialize)]
        struct Old {
            origin: Origin,
            #[serde(with = "super::unit")]
            new_origin: Origin,
            rating: Option<Rating>,
        }
        #[derive(serde::Deserialize, Debug)]
        struct Now {
            #[serde(with = "super::unit")]
            origin: Origin,
            #[serde(with = "super::unit")]
            new_origin: Origin,
            #[serde(with = "super::rating")]
            rating: Option<Rating>,
        }
        let raw = crate::store::encode_for_tests(&Old {
            origin: Origin::Import,
            new_origin: Origin::Google,
            rating: Some(Rating::Recommends(false)),
        });
        let now: Now = crate::store::decode_for_tests(&raw);
        assert_eq!(
            (now.origin, now.new_origin, now.rating),
            (
                Origin::Import,
                Origin::Google,
                Some(Rating::Recommends(false))
            )
        );
        let packed = crate::store::encode_for_tests(&item(Some(Rating::Recommends(true))));
        for name in ["facebook", "comment", "live", "recommends"] {
            assert!(
                !packed.windows(name.len()).any(|w| w == name.as_bytes()),
                "{name}"
            );
        }
    }
}
