//! Instants as stored and sent: RFC 3339 text where people may read it (JSON), and three
//! numbers (seconds, nanoseconds, offset) in the store's compact encoding, a fifth of the size.
//! Used as `#[serde(with = "crate::domain::when::rfc3339")]`. Also: instants as people and
//! providers write them (`parse_time`).

pub mod rfc3339 {
    use serde::{Deserializer, Serialize, Serializer};
    use time::{OffsetDateTime, UtcOffset};

    pub fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            time::serde::rfc3339::serialize(t, s)
        } else {
            (
                t.unix_timestamp(),
                t.nanosecond(),
                t.offset().whole_seconds(),
            )
                .serialize(s)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        // Either form in either encoding: a value buffered by serde (inside an internally
        // tagged enum) says it is human-readable whatever it holds.
        d.deserialize_any(Compact)
    }

    /// The three numbers, or RFC 3339 text.
    struct Compact;

    impl<'de> serde::de::Visitor<'de> for Compact {
        type Value = OffsetDateTime;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an instant")
        }

        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<OffsetDateTime, E> {
            OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339)
                .map_err(E::custom)
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<OffsetDateTime, A::Error> {
            use serde::de::Error;
            let missing = || A::Error::custom("an instant cut short");
            let secs: i64 = seq.next_element()?.ok_or_else(missing)?;
            let nanos: u32 = seq.next_element()?.ok_or_else(missing)?;
            let offset: i32 = seq.next_element()?.ok_or_else(missing)?;
            let bad = |e: time::error::ComponentRange| A::Error::custom(e.to_string());
            let utc = OffsetDateTime::from_unix_timestamp(secs)
                .map_err(bad)?
                .replace_nanosecond(nanos)
                .map_err(bad)?;
            Ok(utc.to_offset(UtcOffset::from_whole_seconds(offset).map_err(bad)?))
        }
    }

    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};
        use time::OffsetDateTime;

        /// Through `Some`, so both encodings keep their own form of the instant.
        #[derive(serde::Serialize, serde::Deserialize)]
        struct At(#[serde(with = "super")] OffsetDateTime);

        pub fn serialize<S: Serializer>(
            t: &Option<OffsetDateTime>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_some(&At(*t)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<OffsetDateTime>, D::Error> {
            Ok(Option::<At>::deserialize(d)?.map(|a| a.0))
        }
    }
}

/// Instants as providers and people write them: RFC 3339 with any number of fractional
/// digits (Google), or Facebook's `2026-01-02T10:00:00+0000` (no colon in the offset).
pub fn parse_time(s: &str) -> Option<time::OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = time::OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    let fb = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory][offset_minute]"
    );
    time::OffsetDateTime::parse(s, &fb).ok()
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct T {
        #[serde(with = "super::rfc3339")]
        a: time::OffsetDateTime,
        #[serde(default, with = "super::rfc3339::option")]
        b: Option<time::OffsetDateTime>,
    }

    #[test]
    fn instants_keep_their_offset_and_nanoseconds_in_both_encodings() {
        for v in [
            T {
                a: datetime!(2026-03-01 12:00:00.123456789 +02:00),
                b: Some(datetime!(1969-12-31 23:59:59.5 UTC)),
            },
            T {
                a: datetime!(2026-03-01 12:00 -09:30),
                b: None,
            },
        ] {
            let json = serde_json::to_string(&v).unwrap();
            assert!(json.contains("2026-03-01T12:00:00"), "{json}");
            let back: T = serde_json::from_str(&json).unwrap();
            assert_eq!(back, v);
            assert_eq!(back.a.offset(), v.a.offset());
            let packed = rmp_serde::to_vec(&v).unwrap();
            assert!(
                packed.len() < json.len() / 2,
                "{} vs {}",
                packed.len(),
                json.len()
            );
            let back: T = rmp_serde::from_slice(&packed).unwrap();
            assert_eq!(back, v);
            assert_eq!(back.a.offset(), v.a.offset());
        }
        // The field left out of an older record reads as None.
        let old: T = serde_json::from_str(r#"{"a":"2026-03-01T12:00:00Z"}"#).unwrap();
        assert_eq!(old.b, None);
    }
}
