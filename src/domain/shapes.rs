//! The shapes free text may take, as regular expressions: the API documents them and checks
//! requests against them (`http::api::conform`), so each says exactly what the services accept.
//! "Control characters" are Unicode's (`char::is_control`: U+0000–U+001F and U+007F–U+009F).
//! Written for both Rust's `regex` and Python's `re` (API clients and fuzzers read them).

/// One line, not blank, no control characters (names, subjects).
pub const LINE: &str = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$";
/// One line, possibly empty, no control characters.
pub const LINE_OR_EMPTY: &str = r"^[^\x00-\x1f\x7f-\x9f]*$";
/// Text that may span lines: no control characters but tab, line feed and carriage return.
pub const TEXT: &str = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$";
/// `TEXT`, not blank.
pub const TEXT_NOT_BLANK: &str = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$";
/// A tag (`domain::parse_tag`): letters, digits, spaces, `-` and `_`, not blank.
pub const TAG: &str = r"^\s*[\w-][\w -]*\s*$";
/// A web address a webhook may post to: http(s), a host name or address, no user or password.
/// Whether plain http and private addresses are allowed is this instance's setting.
pub const WEB_URL: &str = r"^https?://([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?([/?#][!#$%&'()*+,./0-9:;=?@A-Z_a-z~-]*)?$";

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    /// Each pattern agrees with the check the services make, on the characters that matter.
    #[test]
    fn patterns_refuse_exactly_the_control_characters() {
        let line = Regex::new(LINE).unwrap();
        let text = Regex::new(TEXT).unwrap();
        let not_blank = Regex::new(TEXT_NOT_BLANK).unwrap();
        for c in (0u32..0x250).filter_map(char::from_u32) {
            let s = format!("a{c}b");
            assert_eq!(line.is_match(&s), !c.is_control(), "{c:?}");
            let multi = !c.is_control() || matches!(c, '\t' | '\n' | '\r');
            assert_eq!(text.is_match(&s), multi, "{c:?}");
            assert_eq!(not_blank.is_match(&s), multi, "{c:?}");
        }
        assert!(!line.is_match("   ") && !line.is_match(""));
        assert!(!not_blank.is_match(" \n\t") && not_blank.is_match("hi\n"));
        assert!(Regex::new(LINE_OR_EMPTY).unwrap().is_match(""));
        let url = Regex::new(WEB_URL).unwrap();
        for ok in [
            "https://hooks.example.com/x?y=1",
            "http://127.0.0.1:8080/hook",
            "https://[::1]/a",
        ] {
            assert!(url.is_match(ok) && url::Url::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "ftp://x.com",
            "https://user:pw@x.com/",
            "https://-x.com",
            "https:// x.com",
            "x.com",
        ] {
            assert!(!url.is_match(bad), "{bad}");
        }
    }
}
