//! The point-in-time property of snapshots, under concurrent transactions, batches and writes.
use crate::store::kv;

use super::*;
use kv::Transactional;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Pairs written to two trees and their count to a third, in one transaction each: a
/// snapshot read tree after tree while this runs restores with all three in agreement
/// only if it is one point in time.
#[test]
fn a_snapshot_taken_during_transactions_restores_one_point_in_time() {
    let dir = tempfile::tempdir().unwrap();
    let db = kv::Db::at(&dir.path().join("db"));
    let (a, b, count) = (
        db.open_tree("a").unwrap(),
        db.open_tree("b").unwrap(),
        db.open_tree("count").unwrap(),
    );
    let pair = move |i: u64, put: bool| {
        (&a, &b, &count)
            .transaction(|(a, b, c)| {
                let n = c
                    .get("n")?
                    .map_or(0, |v| u64::from_be_bytes(v.as_ref().try_into().unwrap()));
                let there = a.get(i.to_be_bytes())?.is_some();
                let n = match (put, there) {
                    (true, false) => n + 1,
                    (false, true) => n - 1,
                    _ => n,
                };
                if put {
                    a.insert(&i.to_be_bytes(), &i.to_le_bytes())?;
                    b.insert(&i.to_be_bytes(), &i.to_le_bytes())?;
                } else {
                    a.remove(&i.to_be_bytes())?;
                    b.remove(&i.to_be_bytes())?;
                }
                c.insert("n", &n.to_be_bytes())?;
                Ok::<_, kv::transaction::ConflictableTransactionError<()>>(())
            })
            .unwrap();
    };
    for i in 0..30_000 {
        pair(i * 2, true);
    }
    let (stop, done) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicU64::new(0)),
    );
    let writer = {
        let (stop, done, pair) = (stop.clone(), done.clone(), pair.clone());
        std::thread::spawn(move || {
            let mut i = 0u64;
            while !stop.load(Ordering::Acquire) {
                // New odd keys everywhere in the key space, and removals of even ones.
                pair((i * 7919 % 30_000) * 2 + 1, true);
                pair((i * 104_729 % 30_000) * 2, false);
                i += 1;
                done.store(i, Ordering::Release);
            }
        })
    };
    // Other kinds of write at the same time: batches and plain inserts (a hang is a failure:
    // nextest kills a test that runs ten minutes).
    let other = {
        let (stop, db) = (stop.clone(), db.clone());
        std::thread::spawn(move || {
            let c = db.open_tree("c").unwrap();
            let mut i = 0u64;
            while !stop.load(Ordering::Acquire) {
                let mut batch = kv::Batch::default();
                for j in 0..50u64 {
                    batch.insert(&(i * 50 + j).to_be_bytes(), vec![1u8; 40]);
                }
                c.apply_batch(batch).unwrap();
                db.sled()
                    .unwrap()
                    .insert(i.to_be_bytes(), &[2u8; 8])
                    .unwrap();
                i += 1;
            }
        })
    };
    // A first snapshot while all of it runs, only to show nothing hangs.
    write_to(&db, &mut std::io::sink(), Keys::Included, |_| {}).unwrap();
    let mut out = Vec::new();
    write_to(&db, &mut out, Keys::Included, |_| {
        // Let the writer get well ahead between every 10,000 entries read.
        let target = done.load(Ordering::Acquire) + 200;
        while done.load(Ordering::Acquire) < target {
            std::thread::yield_now();
        }
    })
    .unwrap();
    stop.store(true, Ordering::Release);
    writer.join().unwrap();
    other.join().unwrap();

    let restored = dir.path().join("restored");
    let (summed, _) = import_into(&restored, &mut out.as_slice(), None).unwrap();
    assert!(
        summed.redo.len() > 100,
        "changes were recorded: {}",
        summed.redo.len()
    );
    assert!(
        summed.finished().is_none(),
        "plain sums would miss the changes"
    );
    let db2 = kv::Db::from_sled(crate::store::engine::config(&restored).open().unwrap());
    let keys = |t: &str| -> Vec<Vec<u8>> {
        db2.open_tree(t)
            .unwrap()
            .iter()
            .keys()
            .map(|k| k.unwrap().to_vec())
            .collect()
    };
    let (ka, kb) = (keys("a"), keys("b"));
    assert!(
        ka == kb,
        "the trees hold {} and {} pairs",
        ka.len(),
        kb.len()
    );
    let n = db2.open_tree("count").unwrap().get("n").unwrap().unwrap();
    assert_eq!(
        u64::from_be_bytes(n.as_ref().try_into().unwrap()),
        ka.len() as u64
    );

    // A second pass that merges the redo section gives the restored store's sums.
    let mut summer = Summer::merging(summed.redo.clone());
    read_from(&mut out.as_slice(), |r| {
        summer.add(&r);
        Ok(())
    })
    .unwrap();
    assert_eq!(summer.finish().sums, sums_of(&db2).unwrap());
}
