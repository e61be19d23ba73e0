//! How sled is opened: the one configuration every folder the store writes is opened with.
//!
//! Measured on the 1,000,000-review folder of `benches/run weight`, imported into a fresh
//! folder (keys and values 402 MB): 874 MB as sled 0.34 writes by default; **666 MB** with
//! pages compressed (zstd level 1: sealed values do not compress, but what sled writes around
//! them does — keys sharing their workspace and time prefixes, posting blocks, rollups, page
//! headers; search postings 124 → 20 MB, rollups 47 → 19 MB); **502 MB** with log segments of
//! 2 MiB instead of 512 KiB as well (segments of 1 MiB: 637 MB, 4 MiB: 504 MB; the items alone
//! 480 → 359 MB). sled keeps a segment until less than half of it is live and moves what is
//! left in it then, so larger segments hold less dead space once a store is written.
//!
//! sled records both choices in the folder's `conf` and refuses to open it with others, so a
//! folder written otherwise (by a release before this one) is opened as it was written until a
//! compaction at start rewrites it (`workers::compaction`, `needs_rewrite`; folders under
//! `storage.compact_min_mb` keep the layout they were written in).

use std::path::Path;

/// zstd level: level 3 came out larger than 1 on the folder above (682 against 666 MB, at
/// 512 KiB segments), as sled compresses each page alone.
const LEVEL: i32 = 1;
/// sled's log segment size, in bytes.
const SEGMENT: usize = 2 << 20;

/// How a sled folder was written: its `conf`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Written {
    compressed: bool,
    segment: usize,
}

/// What the folder at `path` records of how it was written; None for a new folder (or one
/// whose `conf` does not read: sled's own open then says what is wrong).
fn written(path: &Path) -> Option<Written> {
    let conf = std::fs::read(path.join("conf")).ok()?;
    let text = String::from_utf8_lossy(&conf);
    let value = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(": "))
            .map(str::trim)
    };
    Some(Written {
        compressed: value("use_compression")?.parse().ok()?,
        segment: value("segment_size")?.parse().ok()?,
    })
}

/// The sled configuration for the database folder `path` (a store's `db/`, a restore's or a
/// compaction's new folder): this module's choices, or the folder's own when it was written
/// otherwise.
pub fn config(path: &Path) -> sled::Config {
    let w = written(path).unwrap_or(Written {
        compressed: true,
        segment: SEGMENT,
    });
    let config = sled::Config::new().path(path).segment_size(w.segment);
    if w.compressed {
        config.use_compression(true).compression_factor(LEVEL)
    } else {
        config
    }
}

/// Whether the sled folder at `path` exists and was written otherwise than this module
/// chooses (a compaction rewrites it).
pub fn needs_rewrite(path: &Path) -> bool {
    written(path).is_some_and(|w| !w.compressed || w.segment != SEGMENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_folder_is_written_as_chosen_and_an_older_one_opens_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("new");
        let db = config(&new).open().unwrap();
        db.insert(b"k", b"v").unwrap();
        // Closed as the store closes: sled lets go of the lock only once its threads are done.
        crate::store::close(crate::store::kv::Db::from_sled(db), &new).unwrap();
        assert_eq!(
            written(&new),
            Some(Written {
                compressed: true,
                segment: SEGMENT
            })
        );
        assert!(!needs_rewrite(&new));
        let db = config(&new).open().unwrap();
        assert_eq!(db.get(b"k").unwrap().as_deref(), Some(&b"v"[..]));
        crate::store::close(crate::store::kv::Db::from_sled(db), &new).unwrap();

        // As releases before wrote: sled's defaults; and compressed with the old segments.
        for (name, old) in [
            ("plain", sled::Config::new()),
            ("small", sled::Config::new().use_compression(true)),
        ] {
            let path = dir.path().join(name);
            let db = old.path(&path).open().unwrap();
            db.insert(b"k", b"v").unwrap();
            crate::store::close(crate::store::kv::Db::from_sled(db), &path).unwrap();
            assert!(needs_rewrite(&path), "{name}");
            // Opened with this module's choices, sled refuses it: reading `conf` is what makes
            // it open.
            assert!(
                sled::Config::new()
                    .path(&path)
                    .use_compression(true)
                    .segment_size(SEGMENT)
                    .open()
                    .is_err()
            );
            let db = config(&path).open().unwrap();
            assert_eq!(db.get(b"k").unwrap().as_deref(), Some(&b"v"[..]), "{name}");
            crate::store::close(crate::store::kv::Db::from_sled(db), &path).unwrap();
        }
        assert!(!needs_rewrite(&dir.path().join("none")));
    }
}
