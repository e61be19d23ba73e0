//! CRS's transformation functions (`t:urlDecodeUni`, `t:cmdLine`, …), as ModSecurity applies
//! them in turn before a rule's operator.

use super::decode;
use percent_encoding::percent_decode_str;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    UrlDecodeUni,
    HtmlEntityDecode,
    JsDecode,
    CssDecode,
    RemoveNulls,
    Lowercase,
    CompressWhitespace,
    RemoveWhitespace,
    ReplaceComments,
    RemoveCommentsChar,
    CmdLine,
    NormalizePath,
    NormalizePathWin,
    EscapeSeqDecode,
}

impl Transform {
    /// A CRS transformation by name; those with nothing to do on Rust strings
    /// (`utf8toUnicode`) or unknown ones are None.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "urlDecodeUni" | "urlDecode" => Self::UrlDecodeUni,
            "htmlEntityDecode" => Self::HtmlEntityDecode,
            "jsDecode" => Self::JsDecode,
            "cssDecode" => Self::CssDecode,
            "removeNulls" => Self::RemoveNulls,
            "lowercase" => Self::Lowercase,
            "compressWhitespace" => Self::CompressWhitespace,
            "removeWhitespace" => Self::RemoveWhitespace,
            "replaceComments" => Self::ReplaceComments,
            "removeCommentsChar" => Self::RemoveCommentsChar,
            "cmdLine" => Self::CmdLine,
            "normalizePath" => Self::NormalizePath,
            "normalizePathWin" => Self::NormalizePathWin,
            "escapeSeqDecode" => Self::EscapeSeqDecode,
            _ => return None,
        })
    }
}

pub fn apply(value: &str, transforms: &[Transform]) -> String {
    transforms
        .iter()
        .fold(value.to_string(), |s, t| one(&s, *t))
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{0b}' || c == '\u{a0}'
}

fn one(s: &str, t: Transform) -> String {
    match t {
        Transform::UrlDecodeUni => {
            if !s.contains(['%', '+']) {
                return s.to_string();
            }
            let s = decode::percent_u(&s.replace('+', " "));
            percent_decode_str(&s).decode_utf8_lossy().into_owned()
        }
        Transform::HtmlEntityDecode => decode::entities(s),
        Transform::JsDecode => decode::js_escapes(s),
        Transform::CssDecode => css_decode(s),
        Transform::RemoveNulls => s.replace('\0', ""),
        Transform::Lowercase => s.to_lowercase(),
        Transform::CompressWhitespace => compress(s),
        Transform::RemoveWhitespace => s.chars().filter(|c| !is_space(*c)).collect(),
        Transform::ReplaceComments => replace_comments(s),
        Transform::RemoveCommentsChar => s
            .replace("/*", "")
            .replace("*/", "")
            .replace("--", "")
            .replace('#', ""),
        Transform::CmdLine => cmd_line(s),
        Transform::NormalizePath => normalize_path(s),
        Transform::NormalizePathWin => normalize_path(&s.replace('\\', "/")),
        Transform::EscapeSeqDecode => escape_seq(s),
    }
}

fn compress(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if is_space(c) {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    out
}

/// `/* … */` becomes one space (an unterminated comment runs to the end).
fn replace_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("/*") {
        out.push_str(&rest[..i]);
        out.push(' ');
        match rest[i + 2..].find("*/") {
            Some(j) => rest = &rest[i + 2 + j + 2..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

/// ModSecurity's `cmdLine`: `\ " ' ^` deleted, spaces before `/` and `(` deleted, `,` and `;`
/// as spaces, whitespace compressed, lower case.
fn cmd_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        match c {
            '\\' | '"' | '\'' | '^' => {}
            c if is_space(c) || c == ',' || c == ';' => pending_space = true,
            '/' | '(' => {
                pending_space = false;
                out.push(c);
            }
            c => {
                if pending_space && !out.is_empty() {
                    out.push(' ');
                }
                pending_space = false;
                out.extend(c.to_lowercase());
            }
        }
    }
    out
}

/// Slashes folded, `./` dropped and `dir/../` resolved (a leading `..` is kept).
fn normalize_path(s: &str) -> String {
    let absolute = s.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in s.split('/') {
        match seg {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            seg => parts.push(seg),
        }
    }
    let mut out = parts.join("/");
    if absolute {
        out.insert(0, '/');
    }
    if s.ends_with('/') && !out.ends_with('/') {
        out.push('/');
    }
    out
}

/// Up to `max` next characters that satisfy `keep`.
fn take_while_max(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    max: usize,
    keep: impl Fn(&char) -> bool,
) -> String {
    let mut out = String::new();
    while out.len() < max && chars.peek().is_some_and(&keep) {
        out.extend(chars.next());
    }
    out
}

/// CSS escapes: `\3c ` → `<`, `\"` → `"`.
fn css_decode(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let hex = take_while_max(&mut chars, 6, char::is_ascii_hexdigit);
        if hex.is_empty() {
            match chars.next() {
                Some('\n') | None => {}
                Some(n) => out.push(n),
            }
            continue;
        }
        if chars.peek().is_some_and(|c| is_space(*c)) {
            chars.next();
        }
        let code = u32::from_str_radix(&hex, 16).unwrap_or(0xFFFD);
        out.push(
            char::from_u32(code)
                .filter(|c| *c != '\0')
                .unwrap_or('\u{FFFD}'),
        );
    }
    out
}

/// ANSI C escapes: `\n`, `\t`, `\xHH`, octal `\NNN`, `\\`.
fn escape_seq(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('a') => out.push('\u{07}'),
            Some('b') => out.push('\u{08}'),
            Some('f') => out.push('\u{0c}'),
            Some('v') => out.push('\u{0b}'),
            Some('x') => {
                let hex = take_while_max(&mut chars, 2, char::is_ascii_hexdigit);
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(c) => out.push(c),
                    None => out.push_str("\\x"),
                }
            }
            Some(d @ '0'..='7') => {
                let mut oct = String::from(d);
                oct.push_str(&take_while_max(&mut chars, 2, |c| ('0'..='7').contains(c)));
                out.extend(u32::from_str_radix(&oct, 8).ok().and_then(char::from_u32));
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use Transform::*;

    #[test]
    fn transformations_read_as_modsecurity_reads() {
        assert_eq!(apply("%3Cscript%u003E", &[UrlDecodeUni]), "<script>");
        assert_eq!(apply("C'a\"t ^/etc/passwd", &[CmdLine]), "cat/etc/passwd");
        assert_eq!(apply("a , b;c", &[CmdLine]), "a b c");
        assert_eq!(apply("/a/./b/../c//d", &[NormalizePath]), "/a/c/d");
        assert_eq!(
            apply("..\\..\\boot.ini", &[NormalizePathWin]),
            "../../boot.ini"
        );
        assert_eq!(apply("sel/*x*/ect", &[ReplaceComments]), "sel ect");
        assert_eq!(apply("a/*x", &[ReplaceComments]), "a ");
        assert_eq!(apply("\\3c script", &[CssDecode]), "<script");
        assert_eq!(apply("a\\r\\nb\\x41\\101", &[EscapeSeqDecode]), "a\r\nbAA");
        assert_eq!(apply("a \t\u{0b} b", &[CompressWhitespace]), "a b");
        for odd in [
            "\\",
            "\\x",
            "\\xZ",
            "\\777777",
            "%",
            "%u",
            "/*",
            "\\ffffff ",
            "..",
            "/",
        ] {
            for t in [
                UrlDecodeUni,
                CssDecode,
                EscapeSeqDecode,
                ReplaceComments,
                NormalizePath,
            ] {
                let _ = apply(odd, &[t]);
            }
        }
    }
}
