//! What the WAF decodes before matching, as CRS does: percent (and `%u`) escapes, HTML
//! character references, JavaScript escapes, fullwidth forms, NUL; then the normal form the
//! rules read (lower case, SQL comments and whitespace folded) and the command line as a shell
//! would read it.

use percent_encoding::percent_decode_str;

/// Decodes what CRS decodes before matching: percent escapes (and `+` as space, `%uXXXX`) up
/// to twice, HTML character references, JavaScript `\xNN` / `\uNNNN` escapes, fullwidth forms
/// folded to ASCII, NUL removed. So `%2527`, `&#x27;`, `\x27` and `＇` are all seen as `'`.
pub(super) fn decode(raw: &str) -> String {
    // Most values (header values, ids, plain words) have nothing to decode: skip the passes.
    if raw.is_ascii() && !raw.contains(['%', '&', '\\', '+', '\0']) {
        return raw.to_string();
    }
    let mut s = percent_u(&raw.replace('+', " "));
    for _ in 0..2 {
        let next = percent_decode_str(&s).decode_utf8_lossy().into_owned();
        if next == s {
            break;
        }
        s = next;
    }
    // Twice, as percent escapes: `&amp;tab;` is how a tab hides inside an XML attribute.
    let s = js_escapes(&entities(&entities(&s)));
    s.chars()
        .filter(|c| *c != '\0')
        .map(|c| match c {
            // Fullwidth ASCII (U+FF01..U+FF5E) and the ideographic space.
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .collect()
}

/// `%u003c` (IIS, old browsers) → `<`.
pub(super) fn percent_u(s: &str) -> String {
    if !s.contains("%u") && !s.contains("%U") {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(['%']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let code = tail
            .get(2..6)
            .filter(|_| tail[1..].starts_with(['u', 'U']))
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .and_then(char::from_u32);
        match code {
            Some(c) => {
                out.push(c);
                rest = &tail[6..];
            }
            None => {
                out.push('%');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// HTML character references: numeric (with or without `;`) and the names evasions use.
pub(super) fn entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    const NAMED: &[(&str, char)] = &[
        ("lt", '<'),
        ("gt", '>'),
        ("amp", '&'),
        ("quot", '"'),
        ("apos", '\''),
        ("tab", '\t'),
        ("newline", '\n'),
        ("colon", ':'),
        ("lpar", '('),
        ("rpar", ')'),
        ("sol", '/'),
        ("bsol", '\\'),
        ("comma", ','),
        ("period", '.'),
        ("semi", ';'),
        ("equals", '='),
        ("lsqb", '['),
        ("rsqb", ']'),
        ("lcub", '{'),
        ("rcub", '}'),
        ("nbsp", ' '),
        ("grave", '`'),
    ];
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 1..];
        let (decoded, used) = if let Some(num) = tail.strip_prefix('#') {
            let (hex, digits) = match num.strip_prefix(['x', 'X']) {
                Some(h) => (true, h),
                None => (false, num),
            };
            let len = digits
                .chars()
                .take_while(|c| {
                    if hex {
                        c.is_ascii_hexdigit()
                    } else {
                        c.is_ascii_digit()
                    }
                })
                .count()
                .min(8);
            let value = u32::from_str_radix(&digits[..len], if hex { 16 } else { 10 }).ok();
            match value.and_then(char::from_u32).filter(|_| len > 0) {
                Some(c) => {
                    let mut used = 1 + usize::from(hex) + len;
                    if tail[used..].starts_with(';') {
                        used += 1;
                    }
                    (Some(c), used)
                }
                None => (None, 0),
            }
        } else {
            NAMED
                .iter()
                .find(|(n, _)| {
                    // `get`, not indexing: the text after `&` may start with any character.
                    tail.get(..n.len())
                        .is_some_and(|t| t.eq_ignore_ascii_case(n))
                        && tail.get(n.len()..).is_some_and(|t| t.starts_with(';'))
                })
                .map_or((None, 0), |(n, c)| (Some(*c), n.len() + 1))
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &tail[used..];
            }
            None => {
                out.push('&');
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `\x3c` and `\u003c` → `<`.
pub(super) fn js_escapes(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 1..];
        let (width, skip) = match tail.chars().next() {
            Some('x') | Some('X') => (2, 1),
            Some('u') | Some('U') => (4, 1),
            _ => (0, 0),
        };
        let code = tail
            .get(skip..skip + width)
            .filter(|_| width > 0)
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .and_then(char::from_u32);
        match code {
            Some(c) => {
                out.push(c);
                rest = &tail[skip + width..];
            }
            None => {
                out.push('\\');
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Lower case, SQL comments and runs of whitespace folded to one space.
pub fn normalize(raw: &str) -> String {
    let decoded = decode(raw).to_lowercase();
    let mut out = String::with_capacity(decoded.len());
    let mut chars = decoded.chars().peekable();
    let mut space = false;
    while let Some(c) = chars.next() {
        if c == '/' && chars.peek() == Some(&'*') {
            // /* ... */ and /*!50000 ... */ act as whitespace to SQL parsers.
            chars.next();
            let mut prev = ' ';
            for d in chars.by_ref() {
                if prev == '*' && d == '/' {
                    break;
                }
                prev = d;
            }
            space = true;
            continue;
        }
        if c.is_whitespace() || c == '\u{0b}' {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    out
}

/// What a shell makes of a value: quotes and backslashes gone (`c'a't`, `c\\at`), `$IFS` and
/// `${IFS}` as spaces, empty variables like `$u` dropped.
pub(super) fn command_line(normalized: &str) -> String {
    let s = normalized
        .replace("${ifs}", " ")
        .replace("$ifs", " ")
        .replace(['\'', '"', '\\'], "");
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        // `$u` (an unset variable, empty to the shell) before a space or a separator.
        if c == '$' && chars.peek().is_some_and(|n| n.is_ascii_lowercase()) {
            let mut name = String::new();
            while let Some(&n) = chars.peek() {
                if n.is_ascii_alphanumeric() || n == '_' {
                    name.push(n);
                    chars.next();
                } else {
                    break;
                }
            }
            if name.len() > 2 {
                out.push('$');
                out.push_str(&name);
            }
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evasions_decode_and_odd_text_never_panics() {
        assert_eq!(decode("%u003cscript%u003E"), "<script>");
        assert_eq!(
            decode("&lt;a&#x20;href=&#106;avascript&colon;x&gt;"),
            "<a href=javascript:x>"
        );
        assert_eq!(decode("\\x3cimg\\u003e"), "<img>");
        assert_eq!(decode("＜script＞"), "<script>");
        assert_eq!(decode("a\0b"), "ab");
        for odd in [
            "&",
            "&#",
            "&#x",
            "&l",
            "&€€€;",
            "&漢字;",
            "%u12",
            "%uZZZZ",
            "\\x",
            "\\u12",
            "\\€",
            "&#99999999999;",
        ] {
            let _ = decode(odd);
            let _ = normalize(odd);
            let _ = command_line(&normalize(odd));
        }
    }
}
