//! A password as typed: length rules here, hashing in the accounts service.

use std::fmt;

/// Passwords of at least eight characters that lead the leaked-password lists.
const COMMON: &str = include_str!("common-passwords.txt");

pub struct Password(String);

impl Password {
    /// The refused common passwords (lower case), for the API document.
    pub fn common() -> impl Iterator<Item = &'static str> {
        COMMON.lines().filter(|l| !l.is_empty())
    }

    pub const MIN_CHARS: usize = 8;
    /// Long enough for any passphrase, short enough that hashing stays cheap.
    pub const MAX_CHARS: usize = 1024;

    pub fn parse(raw: String) -> Result<Self, String> {
        let n = raw.chars().count();
        let folded = raw.to_lowercase();
        if COMMON.lines().any(|common| common == folded) {
            return Err("this password is among the most common ones; choose another".into());
        }
        if n < Self::MIN_CHARS {
            return Err(format!(
                "the password needs at least {} characters",
                Self::MIN_CHARS
            ));
        }
        if n > Self::MAX_CHARS {
            return Err(format!(
                "the password may have at most {} characters",
                Self::MAX_CHARS
            ));
        }
        Ok(Self(raw))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::Password;

    #[test]
    fn length_and_common_passwords() {
        assert!(Password::parse("short".into()).is_err());
        assert!(Password::parse("Password123".into()).is_err());
        assert!(Password::parse("a".repeat(1025)).is_err());
        let long = "correct horse battery staple ".repeat(30);
        assert_eq!(
            Password::parse(long.clone()).unwrap().expose(),
            long,
            "no truncation"
        );
        assert!(Password::parse("ünïcødé-pässwörd".into()).is_ok());
    }
}
