//! Blocks of fixed-width records sorted by their bytes, many in one sled value: how
//! `person_keys` and the item index by provider id keep what would otherwise be an entry each
//! (sled spends about a hundred bytes on every entry whatever its size).

use std::ops::Range;

/// The records of `block` (each `W` bytes) that start with `prefix`: adjacent, as sorted.
fn range<const W: usize>(block: &[u8], prefix: &[u8]) -> Range<usize> {
    let (records, _) = block.as_chunks::<W>();
    let lo = records.partition_point(|r| &r[..prefix.len()] < prefix);
    let hi = lo + records[lo..].partition_point(|r| &r[..prefix.len()] == prefix);
    lo..hi
}

/// The records of `block` that start with `prefix`.
pub(super) fn matching<'a, const W: usize>(block: &'a [u8], prefix: &[u8]) -> &'a [[u8; W]] {
    &block.as_chunks::<W>().0[range::<W>(block, prefix)]
}

/// `block` with `record` in place of the records sharing its first `key` bytes (or added).
pub(super) fn put<const W: usize>(block: &[u8], record: &[u8; W], key: usize) -> Vec<u8> {
    let r = range::<W>(block, &record[..key]);
    [&block[..r.start * W], record, &block[r.end * W..]].concat()
}

/// `block` without the records that start with `prefix`; None when none did.
pub(super) fn without<const W: usize>(block: &[u8], prefix: &[u8]) -> Option<Vec<u8>> {
    let r = range::<W>(block, prefix);
    (!r.is_empty()).then(|| [&block[..r.start * W], &block[r.end * W..]].concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_stay_sorted_and_are_found_replaced_and_removed_by_prefix() {
        let mut block = Vec::new();
        for r in [[3, 1], [1, 9], [2, 5], [1, 4]] {
            block = put::<2>(&block, &r, 2);
        }
        assert_eq!(block, [1, 4, 1, 9, 2, 5, 3, 1]);
        assert_eq!(matching::<2>(&block, &[1]), &[[1, 4], [1, 9]]);
        assert!(matching::<2>(&block, &[4]).is_empty());
        // Keyed by the first byte: a record with the same key replaces the one there.
        assert_eq!(put::<2>(&block, &[2, 7], 1), [1, 4, 1, 9, 2, 7, 3, 1]);
        assert_eq!(without::<2>(&block, &[1, 9]).unwrap(), [1, 4, 2, 5, 3, 1]);
        assert_eq!(without::<2>(&block, &[1]).unwrap(), [2, 5, 3, 1]);
        assert_eq!(without::<2>(&block, &[7]), None);
    }
}
