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

/// Reads the whole file; only a header that cannot be read is an error for the file.
pub fn read(bytes: &[u8], trim: csv::Trim) -> Result<Table, RowError> {
    let mut reader = csv::ReaderBuilder::new()
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
