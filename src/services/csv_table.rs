//! Reading an uploaded CSV file the same way for every import: the header (lower-cased, a
//! byte-order mark dropped), then each non-blank record with its line number; an unreadable
//! line becomes a numbered row error and the others are still read.

use super::review_csv::RowError;
use csv::StringRecord;

/// A CSV file as its header and records.
pub struct Table {
    headers: Vec<String>,
    /// Each non-blank record with its line number.
    pub records: Vec<(u64, StringRecord)>,
    /// Lines that could not be read.
    pub errors: Vec<RowError>,
}

/// The separator a spreadsheet used: the one of `,`, `;` and tab found most often in the
/// header line outside quotes (Excel writes `;` where the decimal mark is a comma).
pub fn separator(bytes: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for b in bytes {
        match b {
            b'\n' | b'\r' if !quoted => break,
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3)
        .max_by_key(|i| (counts[*i], std::cmp::Reverse(*i)))
        .unwrap_or(0);
    [b',', b';', b'\t'][if counts[best] == 0 { 0 } else { best }]
}

/// Reads the whole file; only a header that cannot be read is an error for the file.
pub fn read(bytes: &[u8], trim: csv::Trim) -> Result<Table, RowError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator(bytes))
        .flexible(true)
        .trim(trim)
        .from_reader(bytes);
    let headers = match reader.headers() {
        Ok(h) => h
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase())
            .collect(),
        Err(e) => {
            return Err(RowError {
                line: 1,
                message: format!("cannot read the header line: {e}"),
            });
        }
    };
    let (mut records, mut errors) = (Vec::new(), Vec::new());
    for record in reader.records() {
        match record {
            Ok(r) if r.iter().all(|f| f.trim().is_empty()) => {}
            Ok(r) => records.push((r.position().map_or(0, |p| p.line()), r)),
            Err(e) => errors.push(RowError {
                line: e.position().map_or(0, |p| p.line()),
                message: format!("unreadable: {e}"),
            }),
        }
    }
    Ok(Table {
        headers,
        records,
        errors,
    })
}

impl Table {
    /// The position of a column, by its lower-case name.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    pub fn has(&self, name: &str) -> bool {
        self.col(name).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_separator_is_read_from_the_header_line() {
        assert_eq!(separator(b"email,name\na;b,c"), b',');
        assert_eq!(separator(b"email;name;location\nx,y;z"), b';');
        assert_eq!(separator(b"email\tname\n"), b'\t');
        assert_eq!(
            separator(b"\"last, first\";email\n"),
            b';',
            "quoted commas do not count"
        );
        assert_eq!(separator(b"email\n"), b',', "one column: the default");
        assert_eq!(separator(b""), b',');
        let t = read(
            "\u{feff}Email;Name\nana@example.net;\"Ana; Maria\"\n".as_bytes(),
            csv::Trim::All,
        )
        .unwrap();
        assert_eq!(t.col("name"), Some(1));
        assert_eq!(&t.records[0].1[1], "Ana; Maria");
    }
}
