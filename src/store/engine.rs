//! How sled is opened: the one configuration every folder the store writes is opened with.
//!
//! Pages are compressed with zstd (level 1) as sled writes them to its log. Sealed values do
//! not compress, but what sled writes around them does: keys sharing their workspace and time
//! prefixes, posting blocks, rollups, page headers. Measured on the 1,000,000-review folder of
//! `benches/run weight`, imported into a fresh folder: 874 MB plain, 666 MB compressed (search
//! postings 124 → 20 MB, rollups 47 → 19 MB; items 495 → 480 MB). sled records the choice in
//! the folder's `conf` and refuses to open it with the other one, so a folder written plain (by
//! a release before this one) is opened plain until a compaction at start rewrites it
//! (`workers::compaction`).

use std::path::Path;

/// zstd level: level 3 came out larger than 1 on the folder above (682 against 666 MB), as
/// sled compresses each page alone.
const LEVEL: i32 = 1;

/// The sled configuration for the database folder `path` (a store's `db/`, a restore's or a
/// compaction's new folder): compressed, unless the folder was written plain.
pub fn config(path: &Path) -> sled::Config {
    let plain = sled::Config::new().path(path);
    if written_plain(path) {
        plain
    } else {
        plain.use_compression(true).compression_factor(LEVEL)
    }
}

/// Whether the sled folder at `path` exists and was written without compression.
pub fn written_plain(path: &Path) -> bool {
    std::fs::read(path.join("conf"))
        .is_ok_and(|conf| conf.windows(22).any(|w| w == b"use_compression: false"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_folder_is_compressed_and_a_plain_one_opens_plain() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("new");
        let db = config(&new).open().unwrap();
        db.insert(b"k", b"v").unwrap();
        drop(db);
        assert!(!written_plain(&new));
        let db = config(&new).open().unwrap();
        assert_eq!(db.get(b"k").unwrap().as_deref(), Some(&b"v"[..]));
        drop(db);

        let old = dir.path().join("old");
        let db = sled::Config::new().path(&old).open().unwrap();
        db.insert(b"k", b"v").unwrap();
        drop(db);
        assert!(written_plain(&old));
        // Opened compressed, sled refuses it: the check above is what makes it open.
        assert!(
            sled::Config::new()
                .path(&old)
                .use_compression(true)
                .open()
                .is_err()
        );
        let db = config(&old).open().unwrap();
        assert_eq!(db.get(b"k").unwrap().as_deref(), Some(&b"v"[..]));
    }
}
