//! Just enough of `multipart/form-data` (RFC 7578) for the WAF to see each part's name,
//! file name and value, from a body already read into memory. Malformed input yields what
//! could be read, never a panic.

pub struct Part<'a> {
    pub name: String,
    pub filename: Option<String>,
    pub value: &'a [u8],
}

/// The `boundary` parameter of a multipart content type.
pub fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty() && b.len() <= 200)
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A parameter of a `Content-Disposition` header (`name="x"`, `filename=x`).
fn param(header: &str, key: &str) -> Option<String> {
    let lower = header.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(key) {
        let at = from + i;
        let before_ok = at == 0 || matches!(lower.as_bytes()[at - 1], b';' | b' ' | b'\t');
        let rest = &header[at + key.len()..];
        if before_ok && let Some(rest) = rest.trim_start().strip_prefix('=') {
            let rest = rest.trim_start();
            return Some(match rest.strip_prefix('"') {
                Some(q) => q.split('"').next().unwrap_or_default().to_string(),
                None => rest
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            });
        }
        from = at + key.len();
    }
    None
}

/// The parts of `body`, at most 1,000.
pub fn parts<'a>(body: &'a [u8], boundary: &str) -> Vec<Part<'a>> {
    let delimiter = format!("--{boundary}");
    let mut out = Vec::new();
    let Some(first) = find(body, delimiter.as_bytes()) else {
        return out;
    };
    let mut rest = &body[first + delimiter.len()..];
    while out.len() < 1_000 {
        // After a delimiter: `--` ends the body, else a line break starts a part.
        if rest.starts_with(b"--") {
            break;
        }
        // Line breaks should be CRLF; bare LF is read too (clients and tools send it).
        let (head_end, gap) = match (find(rest, b"\r\n\r\n"), find(rest, b"\n\n")) {
            (Some(a), Some(b)) if b < a => (b, 2),
            (Some(a), _) => (a, 4),
            (None, Some(b)) => (b, 2),
            (None, None) => break,
        };
        let head = String::from_utf8_lossy(&rest[..head_end]);
        let after = &rest[head_end + gap..];
        let end = find(after, format!("\n{delimiter}").as_bytes()).unwrap_or(after.len());
        let value = &after[..end];
        let value = value.strip_suffix(b"\r").unwrap_or(value);
        let disposition = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))
            .unwrap_or_default();
        out.push(Part {
            name: param(disposition, "name").unwrap_or_default(),
            filename: param(disposition, "filename"),
            value,
        });
        let skip = (end + 1 + delimiter.len()).min(after.len());
        rest = &after[skip..];
        if end == after.len() {
            break;
        }
    }
    out
}

/// Whether every NUL byte of `body` lies inside a file part's content; anywhere else (a
/// field, a part's headers) a NUL is an attack.
pub fn nuls_only_in_files(body: &[u8], boundary: &str) -> bool {
    let nuls = |b: &[u8]| b.iter().filter(|&&c| c == 0).count();
    let in_files: usize = parts(body, boundary)
        .iter()
        .filter(|p| p.filename.is_some())
        .map(|p| nuls(p.value))
        .sum();
    in_files == nuls(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_files_are_told_apart() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"reviews.csv\"\r\nContent-Type: text/csv\r\n\r\nlocation,text\r\nA,hi\r\n--XyZ--\r\n";
        let b = boundary("multipart/form-data; boundary=XyZ").unwrap();
        let p = parts(body, &b);
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].name.as_str(), p[0].value), ("csrf", &b"abc"[..]));
        assert_eq!(p[1].filename.as_deref(), Some("reviews.csv"));
        assert_eq!(p[1].value, b"location,text\r\nA,hi");
        assert_eq!(
            boundary("multipart/form-data; boundary=\"a b\""),
            Some("a b".into())
        );
        assert_eq!(boundary("multipart/form-data"), None);
        let lf = b"--B\nContent-Disposition: form-data; name=\"a\"\n\n1\n--B\nContent-Disposition: form-data; name=\"f\"; filename=\"x.yml\"\n\nc\n--B--\n";
        let p = parts(lf, "B");
        assert_eq!(p.len(), 2);
        assert_eq!(
            (p[0].value, p[1].filename.as_deref()),
            (&b"1"[..], Some("x.yml"))
        );
        for odd in [
            &b""[..],
            b"--XyZ",
            b"--XyZ\r\n",
            b"garbage",
            b"--XyZ\r\nContent-Disposition: form-data; name=\"x\r\n\r\n",
        ] {
            let _ = parts(odd, "XyZ");
        }
    }

    #[test]
    fn nuls_pass_only_inside_files() {
        let body = |field: &[u8], file: &[u8]| {
            [
                &b"--b\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n"[..],
                field,
                b"\r\n--b\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"a.png\"\r\n\r\n",
                file,
                b"\r\n--b--\r\n",
            ]
            .concat()
        };
        assert!(nuls_only_in_files(
            &body(b"tok", b"\x89PNG\0\0\0\rIHDR"),
            "b"
        ));
        assert!(!nuls_only_in_files(&body(b"t\0ok", b"\x89PNG\0"), "b"));
        assert!(!nuls_only_in_files(&body(b"tok\0", b"plain"), "b"));
    }
}
