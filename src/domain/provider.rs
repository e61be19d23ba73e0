//! The providers Plaudit reads reviews from and signs people in with.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Google or Facebook. Stored and sent as its lower-case name (`google`, `facebook`), as the
/// plain string it replaced was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Google,
    Facebook,
}

impl Provider {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "google" => Some(Self::Google),
            "facebook" => Some(Self::Facebook),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Google => "google",
            Self::Facebook => "facebook",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Google => "Google",
            Self::Facebook => "Facebook",
        }
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Provider {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Provider {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Self::parse(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown provider {name:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_provider_reads_back_as_it_was_written_in_both_encodings() {
        for p in [Provider::Google, Provider::Facebook] {
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.as_str()));
            assert_eq!(serde_json::from_str::<Provider>(&json).unwrap(), p);
            let packed = rmp_serde::to_vec(&p).unwrap();
            // The same bytes as the string it replaced: stored connections read unchanged.
            assert_eq!(packed, rmp_serde::to_vec(p.as_str()).unwrap());
            assert_eq!(rmp_serde::from_slice::<Provider>(&packed).unwrap(), p);
        }
        assert!(serde_json::from_str::<Provider>("\"myspace\"").is_err());
    }
}
