//! The same operations on both engines, with the same answers: what the store relies on.

use super::pg::{self, target::Target};
use super::transaction::{ConflictableTransactionError, TransactionError};
use super::{Batch, Db, IVec, Transactional};
use std::ops::{Bound, RangeBounds};

fn pg_db() -> Db {
    Db::Pg(pg::PgDb::open(pg::testing::fresh_database(), 8).unwrap())
}

fn engines() -> Vec<(&'static str, Db)> {
    vec![("sled", Db::temporary()), ("postgres", pg_db())]
}

fn keys(i: impl Iterator<Item = super::Result<(IVec, IVec)>>) -> Vec<Vec<u8>> {
    i.map(|r| r.unwrap().0.to_vec()).collect()
}

#[test]
fn point_reads_and_writes_answer_alike() {
    for (engine, db) in engines() {
        let t = db.open_tree("t").unwrap();
        assert_eq!(t.name(), IVec::from("t"), "{engine}");
        assert_eq!(t.insert(b"a", b"1".to_vec()).unwrap(), None, "{engine}");
        assert_eq!(
            t.insert(b"a", b"2".to_vec()).unwrap().as_deref(),
            Some(&b"1"[..]),
            "{engine}"
        );
        assert_eq!(t.get(b"a").unwrap().as_deref(), Some(&b"2"[..]), "{engine}");
        assert!(t.contains_key(b"a").unwrap(), "{engine}");
        assert_eq!(
            t.remove(b"a").unwrap().as_deref(),
            Some(&b"2"[..]),
            "{engine}"
        );
        assert_eq!(t.remove(b"a").unwrap(), None, "{engine}");
        assert!(t.is_empty(), "{engine}");
        // Any bytes: empty values, NUL, 0xff.
        t.insert([0u8, 0xff], Vec::<u8>::new()).unwrap();
        assert_eq!(
            t.get([0u8, 0xff]).unwrap().as_deref(),
            Some(&b""[..]),
            "{engine}"
        );
        // Trees are apart.
        let other = db.open_tree("other").unwrap();
        assert_eq!(other.get([0u8, 0xff]).unwrap(), None, "{engine}");
        assert_eq!(t.len(), 1, "{engine}");
        t.clear().unwrap();
        assert_eq!(t.len(), 0, "{engine}");

        // compare_and_swap and update_and_fetch.
        assert!(
            t.compare_and_swap(b"c", None::<&[u8]>, Some(b"1".to_vec()))
                .unwrap()
                .is_ok()
        );
        let lost = t
            .compare_and_swap(b"c", None::<&[u8]>, Some(b"2".to_vec()))
            .unwrap();
        assert_eq!(
            lost.unwrap_err().current.as_deref(),
            Some(&b"1"[..]),
            "{engine}"
        );
        assert!(
            t.compare_and_swap(b"c", Some(b"1"), None::<Vec<u8>>)
                .unwrap()
                .is_ok()
        );
        assert_eq!(t.get(b"c").unwrap(), None, "{engine}");
        for _ in 0..3 {
            t.update_and_fetch(b"n", |old| {
                let n = old.map_or(0, |b| b[0]);
                Some(vec![n + 1])
            })
            .unwrap();
        }
        assert_eq!(
            t.get(b"n").unwrap().as_deref(),
            Some(&[3u8][..]),
            "{engine}"
        );

        // Batches: inserts and removals at once.
        let mut batch = Batch::default();
        batch.insert(b"x".to_vec(), b"1".to_vec());
        batch.insert(b"y".to_vec(), b"2".to_vec());
        batch.remove(b"n".to_vec());
        t.apply_batch(batch).unwrap();
        assert_eq!(
            keys(t.iter()),
            vec![b"x".to_vec(), b"y".to_vec()],
            "{engine}"
        );

        // Ids grow; tree names are listed; a dropped tree is empty when opened again.
        let (a, b) = (db.generate_id().unwrap(), db.generate_id().unwrap());
        assert!(b > a, "{engine}");
        let names: Vec<IVec> = db.tree_names();
        assert!(names.contains(&IVec::from("t")) && names.contains(&IVec::from("other")));
        assert!(db.drop_tree("t").unwrap(), "{engine}");
        assert!(db.open_tree("t").unwrap().is_empty(), "{engine}");
    }
}

#[test]
fn ranges_read_alike_from_either_end_across_pages() {
    for (engine, db) in engines() {
        let t = db.open_tree("r").unwrap();
        let mut batch = Batch::default();
        // 700 keys (pages of 256 on PostgreSQL), with 0xff bytes at prefix ends.
        let all: Vec<Vec<u8>> = (0..700u32)
            .map(|i| {
                let mut k = vec![(i % 3) as u8 * 0x7f];
                k.extend_from_slice(&i.to_be_bytes());
                k
            })
            .collect();
        for k in &all {
            batch.insert(k.clone(), k.clone());
        }
        t.apply_batch(batch).unwrap();
        let mut sorted = all.clone();
        sorted.sort();
        assert_eq!(keys(t.iter()), sorted, "{engine}");
        assert_eq!(
            keys(t.iter().rev()),
            sorted.iter().rev().cloned().collect::<Vec<_>>()
        );
        let (lo, hi) = (sorted[100].clone(), sorted[600].clone());
        let within = |l: Bound<&Vec<u8>>, h: Bound<&Vec<u8>>| -> Vec<Vec<u8>> {
            sorted
                .iter()
                .filter(|k| (l, h).contains(k))
                .cloned()
                .collect()
        };
        for (l, h) in [
            (Bound::Included(&lo), Bound::Excluded(&hi)),
            (Bound::Excluded(&lo), Bound::Included(&hi)),
            (Bound::Unbounded, Bound::Excluded(&hi)),
            (Bound::Included(&lo), Bound::Unbounded),
        ] {
            let want = within(l, h);
            let got = keys(t.range::<&Vec<u8>, _>((l, h)));
            assert_eq!(got, want, "{engine} {l:?} {h:?}");
            let back = keys(t.range::<&Vec<u8>, _>((l, h)).rev());
            assert_eq!(
                back,
                want.iter().rev().cloned().collect::<Vec<_>>(),
                "{engine}"
            );
        }
        // Both ends at once meet in the middle, each key once.
        let mut i = t.range(lo.clone()..hi.clone());
        let mut seen = Vec::new();
        loop {
            match (i.next(), i.next_back()) {
                (None, None) => break,
                (a, b) => seen.extend(a.into_iter().chain(b).map(|r| r.unwrap().0.to_vec())),
            }
        }
        seen.sort();
        assert_eq!(
            seen,
            within(Bound::Included(&lo), Bound::Excluded(&hi)),
            "{engine}"
        );
        // Prefixes, including one that ends in 0xff and one that is all 0xff.
        assert_eq!(keys(t.scan_prefix([0x7f])).len(), 233, "{engine}");
        assert_eq!(keys(t.scan_prefix([0xfe])).len(), 233, "{engine}");
        t.insert([0xff, 0xff], b"z".to_vec()).unwrap();
        assert_eq!(
            keys(t.scan_prefix([0xff])),
            vec![vec![0xff, 0xff]],
            "{engine}"
        );
        assert_eq!(
            t.first().unwrap().unwrap().0.to_vec(),
            sorted[0],
            "{engine}"
        );
        assert_eq!(
            t.last().unwrap().unwrap().0.to_vec(),
            vec![0xff, 0xff],
            "{engine}"
        );
        assert_eq!(t.iter().keys().map(Result::unwrap).count(), 701, "{engine}");
    }
}

#[test]
fn transactions_commit_whole_abort_whole_and_see_their_own_writes() {
    for (engine, db) in engines() {
        let (a, b) = (db.open_tree("a").unwrap(), db.open_tree("b").unwrap());
        let done: Result<u8, TransactionError<&str>> = (&a, &b).transaction(|(ta, tb)| {
            ta.insert(b"k", b"1".to_vec())?;
            assert_eq!(ta.get(b"k")?.as_deref(), Some(&b"1"[..]));
            tb.insert(b"k", b"2".to_vec())?;
            tb.remove(b"k".to_vec())?;
            assert_eq!(tb.get(b"k")?, None);
            tb.insert(b"j", b"3".to_vec())?;
            Ok(7)
        });
        assert_eq!(done.unwrap(), 7, "{engine}");
        assert_eq!(a.get(b"k").unwrap().as_deref(), Some(&b"1"[..]), "{engine}");
        assert_eq!(keys(b.iter()), vec![b"j".to_vec()], "{engine}");

        let aborted: Result<(), TransactionError<&str>> = (&a, &b).transaction(|(ta, tb)| {
            ta.insert(b"k", b"changed".to_vec())?;
            tb.insert(b"new", b"x".to_vec())?;
            Err(ConflictableTransactionError::Abort("no"))
        });
        assert!(
            matches!(aborted, Err(TransactionError::Abort("no"))),
            "{engine}"
        );
        assert_eq!(a.get(b"k").unwrap().as_deref(), Some(&b"1"[..]), "{engine}");
        assert_eq!(b.get(b"new").unwrap(), None, "{engine}");

        let one: Result<(), TransactionError<()>> = a.transaction(|t| {
            let mut batch = Batch::default();
            batch.insert(b"p".to_vec(), b"q".to_vec());
            t.apply_batch(&batch)?;
            let first = t.generate_id()?;
            assert!(t.generate_id()? > first);
            Ok(())
        });
        one.unwrap();
        assert_eq!(a.get(b"p").unwrap().as_deref(), Some(&b"q"[..]), "{engine}");
    }
}

/// Four threads add to one counter in transactions: every increment counts once, whatever
/// conflicts the engine met (sled retries on its conflicts, PostgreSQL on 40001).
#[test]
fn concurrent_transactions_lose_no_update() {
    for (engine, db) in engines() {
        let (c, log) = (db.open_tree("c").unwrap(), db.open_tree("log").unwrap());
        std::thread::scope(|s| {
            for w in 0..4u8 {
                let (c, log) = (&c, &log);
                s.spawn(move || {
                    for i in 0..25u8 {
                        let r: Result<(), TransactionError<()>> =
                            (c, log).transaction(|(c, log)| {
                                let n = c.get(b"n")?.map_or(0u64, |b| {
                                    u64::from_be_bytes(b[..].try_into().unwrap())
                                });
                                c.insert(b"n", (n + 1).to_be_bytes().to_vec())?;
                                log.insert(vec![w, i], n.to_be_bytes().to_vec())?;
                                Ok(())
                            });
                        r.unwrap();
                    }
                });
            }
        });
        let n = u64::from_be_bytes(c.get(b"n").unwrap().unwrap()[..].try_into().unwrap());
        assert_eq!(n, 100, "{engine}");
        // Each increment saw a different count before it.
        let mut seen: Vec<u64> = log
            .iter()
            .values()
            .map(|v| u64::from_be_bytes(v.unwrap()[..].try_into().unwrap()))
            .collect();
        seen.sort();
        assert_eq!(seen, (0..100).collect::<Vec<_>>(), "{engine}");
    }
}

#[test]
fn postgres_over_tls_checks_the_certificate_when_asked() {
    let Ok(ca) = std::env::var("PLAUDIT_TEST_POSTGRES_CA") else {
        panic!(
            "PLAUDIT_TEST_POSTGRES_CA is not set: run scripts/test (the test server's certificate)"
        );
    };
    let plain = pg::testing::fresh_database();
    let with = |tls: pg::target::Tls| Target {
        tls,
        ..plain.clone()
    };
    // Encrypted without a check, and checked against the server's own certificate.
    for target in [
        with(pg::target::Tls::Require),
        with(pg::target::Tls::VerifyFull {
            root: Some(ca.clone()),
        }),
    ] {
        let db = Db::Pg(pg::PgDb::open(target, 2).unwrap());
        let t = db.open_tree("t").unwrap();
        t.insert(b"k", b"v".to_vec()).unwrap();
        assert_eq!(t.get(b"k").unwrap().as_deref(), Some(&b"v"[..]));
    }
    // Checked against the web's roots, a self-signed certificate is refused.
    let refused = pg::PgDb::open(with(pg::target::Tls::VerifyFull { root: None }), 2);
    assert!(refused.is_err());
    // A wrong password is refused with the server's reason.
    let wrong = Target {
        password: Some("not it".into()),
        ..plain.clone()
    };
    let e = pg::PgDb::open(wrong, 1).err().unwrap().to_string();
    assert!(e.contains("28P01") || e.contains("password"), "{e}");
}

/// A server that cannot be reached is an outage to wait out (503, the watchdog keeps the
/// process), not an internal error.
#[test]
fn a_server_that_cannot_be_reached_is_unavailable() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let target = Target::parse(&format!(
        "postgres://u:p@127.0.0.1:{port}/db?sslmode=disable"
    ))
    .unwrap();
    let e = pg::PgDb::open(target, 1).err().unwrap();
    assert!(super::engine_unavailable(&e), "{e}");
    assert!(super::unavailable(
        &anyhow::Error::new(e).context("reading the store")
    ));
    // A refusal by the server itself is no outage.
    let refused = pg::PgDb::open(
        Target {
            password: Some("wrong".into()),
            ..pg::testing::fresh_database()
        },
        1,
    )
    .err()
    .unwrap();
    assert!(!super::engine_unavailable(&refused), "{refused}");
}

/// During an outage every operation fails at once as "unavailable" (no hang, no panic); once
/// the server is reachable again the same handle works, its pool reconnecting by itself.
#[test]
fn an_outage_fails_fast_and_the_same_handle_recovers() {
    let target = pg::testing::fresh_database();
    let outage = crate::fakes::Outage::to(&target.host, target.port).unwrap();
    let via = Target {
        host: "127.0.0.1".into(),
        port: outage.port,
        ..target
    };
    let db = Db::Pg(pg::PgDb::open(via, 4).unwrap());
    let t = db.open_tree("t").unwrap();
    t.insert(b"k", b"1".to_vec()).unwrap();
    outage.cut();
    let started = std::time::Instant::now();
    let e = t.get(b"k").unwrap_err();
    assert!(super::engine_unavailable(&e), "{e}");
    let tx: Result<(), TransactionError<()>> = (&t, &t).transaction(|(a, _)| {
        a.insert(b"k", b"2".to_vec())?;
        Ok(())
    });
    assert!(
        matches!(&tx, Err(TransactionError::Storage(e)) if super::engine_unavailable(e)),
        "{tx:?}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "no hang"
    );
    outage.restore();
    assert_eq!(
        t.get(b"k").unwrap().as_deref(),
        Some(&b"1"[..]),
        "nothing half-written"
    );
    t.insert(b"k", b"3".to_vec()).unwrap();
    assert_eq!(t.get(b"k").unwrap().as_deref(), Some(&b"3"[..]));
}

#[test]
fn many_point_reads_answer_each_key_in_order_in_one_round_trip_per_few_hundred() {
    for (engine, db) in engines() {
        let t = db.open_tree("many").unwrap();
        for i in (0u32..600).step_by(2) {
            t.insert(i.to_be_bytes(), i.to_le_bytes().to_vec()).unwrap();
        }
        let asked: Vec<[u8; 4]> = (0u32..600).rev().map(u32::to_be_bytes).collect();
        let before = db.round_trips();
        let got = t.get_many(&asked).unwrap();
        let expected: Vec<Option<Vec<u8>>> = (0u32..600)
            .rev()
            .map(|i| (i % 2 == 0).then(|| i.to_le_bytes().to_vec()))
            .collect();
        let got: Vec<Option<Vec<u8>>> = got.into_iter().map(|v| v.map(|v| v.to_vec())).collect();
        assert_eq!(got, expected, "{engine}");
        if engine == "postgres" {
            assert_eq!(db.round_trips() - before, 3, "600 keys, 256 a trip");
        }
        assert!(t.get_many::<&[u8]>(&[]).unwrap().is_empty(), "{engine}");
        // The same key twice answers twice.
        let twice = t
            .get_many(&[0u32.to_be_bytes(), 0u32.to_be_bytes()])
            .unwrap();
        assert_eq!(twice.len(), 2, "{engine}");
        assert_eq!(twice[0], twice[1], "{engine}");
    }
}

#[test]
fn the_last_entries_of_many_ranges_answer_alike() {
    for (engine, db) in engines() {
        let t = db.open_tree("ends").unwrap();
        for i in (0u32..100).step_by(10) {
            t.insert(i.to_be_bytes(), vec![i as u8]).unwrap();
        }
        let r = |a: u32, b: u32| (a.to_be_bytes(), b.to_be_bytes());
        let ranges = [r(0, 35), r(41, 49), r(50, 50), r(0, 99), r(60, 20)];
        let before = db.round_trips();
        let got = t.last_in_each(&ranges, 2).unwrap();
        if engine == "postgres" {
            assert_eq!(db.round_trips() - before, 1, "one round trip");
        }
        let firsts: Vec<Vec<u8>> = got
            .iter()
            .map(|run| run.iter().map(|(_, v)| v[0]).collect())
            .collect();
        assert_eq!(
            firsts,
            vec![vec![30, 20], vec![], vec![50], vec![90, 80], vec![]],
            "{engine}"
        );
    }
}
