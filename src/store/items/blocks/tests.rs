use super::block::{FORMAT, find};
use super::*;
use crate::store::kv;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;

fn tree() -> kv::Tree {
    let db = kv::Db::temporary();
    db.open_tree("items").unwrap()
}

/// An id of the given millisecond with random low bytes.
fn id_at(ms: u64, rng: &mut impl Rng) -> Id<Item> {
    let mut b = [0u8; 16];
    b[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
    rng.fill(&mut b[6..]);
    Id::from_bytes(b)
}

fn put(t: &kv::Tree, ws: &Id<Workspace>, items: &[(Id<Item>, Vec<u8>)]) {
    let hints = Hints::new(t, ws, items.iter().map(|(id, _)| *id.as_bytes())).unwrap();
    t.transaction(|tx| hints.put_many_tx(tx, ws, items.to_vec()))
        .map_err(crate::store::typed::txn_any)
        .unwrap();
}

/// Every block of `ws` in key order: lower bound, upper bound, item count; checks the chain.
fn chain(t: &kv::Tree, ws: &Id<Workspace>) -> Vec<([u8; 16], Option<[u8; 16]>, usize)> {
    let out: Vec<_> = t
        .scan_prefix(ws.as_bytes())
        .map(|kv| {
            let (k, v) = kv.unwrap();
            let (w, lower) = parts(&k).unwrap();
            assert_eq!(w, *ws);
            let b = Block::decode(&v).unwrap();
            assert!(b.entries.len() <= MAX_ENTRIES, "a block past its limit");
            for (id, _) in &b.entries {
                assert!(
                    *id >= lower && b.upper.is_none_or(|u| *id < u),
                    "an item out of its block"
                );
            }
            (lower, b.upper, b.entries.len())
        })
        .collect();
    assert_eq!(
        out.first().map(|b| b.0),
        Some([0; 16]),
        "the first block starts at zero"
    );
    for pair in out.windows(2) {
        assert_eq!(
            pair[0].1,
            Some(pair[1].0),
            "each block names the next one's lower bound"
        );
    }
    assert_eq!(out.last().unwrap().1, None, "the last block is open");
    out
}

#[test]
fn items_split_into_blocks_read_back_in_order_and_a_stale_hint_still_finds_them() {
    let t = tree();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let (ws, other) = (
        Id::<Workspace>::from_bytes([3; 16]),
        Id::from_bytes([4; 16]),
    );
    let mut all: BTreeMap<[u8; 16], Vec<u8>> = BTreeMap::new();
    // Spread over two years, then bursts in one millisecond (an import of date-only rows).
    let early = Hints::new(&t, &ws, [[0; 16]]).unwrap();
    for page in 0..30 {
        let items: Vec<_> = (0..50)
            .map(|n| {
                let ms = if page % 3 == 0 {
                    1_700_000_000_000
                } else {
                    1_650_000_000_000 + rng.random_range(0..63_000_000_000u64)
                };
                let value = vec![(page * 50 + n) as u8; rng.random_range(1..400)];
                (id_at(ms, &mut rng), value)
            })
            .collect();
        put(&t, &ws, &items);
        all.extend(items.iter().map(|(id, v)| (*id.as_bytes(), v.clone())));
    }
    put(&t, &other, &[(id_at(1_700_000_000_000, &mut rng), vec![9])]);
    let blocks = chain(&t, &ws);
    assert!(
        blocks.len() >= all.len() / MAX_ENTRIES,
        "{} blocks",
        blocks.len()
    );
    assert!(
        blocks.iter().all(|b| b.2 >= 1),
        "splits leave no block empty"
    );
    assert_eq!(chain(&t, &other).len(), 1);

    for (id, v) in &all {
        assert_eq!(
            get(&t, &ws, &Id::from_bytes(*id)).unwrap().as_ref(),
            Some(v)
        );
        assert_eq!(get(&t, &other, &Id::from_bytes(*id)).unwrap(), None);
    }
    let up = scan(&t, &ws, &[0; 16], None, Order::Ascending, usize::MAX).unwrap();
    let want: Vec<_> = all
        .iter()
        .map(|(id, v)| (Id::from_bytes(*id), v.clone()))
        .collect();
    assert_eq!(up, want);
    let mut down = scan(&t, &ws, &[0; 16], None, Order::Descending, usize::MAX).unwrap();
    down.reverse();
    assert_eq!(down, want);
    // A window: from the 100th id up to the 300th, newest first, at most 50.
    let keys: Vec<[u8; 16]> = all.keys().copied().collect();
    let window = ids(&t, &ws, &keys[100], Some(&keys[300]), Order::Descending, 50).unwrap();
    let expected: Vec<Id<Item>> = keys[250..300]
        .iter()
        .rev()
        .map(|k| Id::from_bytes(*k))
        .collect();
    assert_eq!(window, expected);
    assert!(any_other(&t, &ws, &keys[5], &keys[7], &Id::from_bytes(keys[5])).unwrap());
    assert!(!any_other(&t, &ws, &keys[5], &keys[6], &Id::from_bytes(keys[5])).unwrap());

    // Hints taken before every split still lead to each item, and writes through them land
    // where reads find them.
    let (victim, _) = all.iter().nth(777).unwrap();
    let victim = Id::<Item>::from_bytes(*victim);
    let read = t
        .transaction(|tx| early.get_tx(tx, &ws, &victim))
        .map_err(crate::store::typed::txn_any)
        .unwrap();
    assert_eq!(read.as_ref(), all.get(victim.as_bytes()));
    t.transaction(|tx| early.put_tx(tx, &ws, &victim, b"changed"))
        .map_err(crate::store::typed::txn_any)
        .unwrap();
    assert_eq!(
        get(&t, &ws, &victim).unwrap().as_deref(),
        Some(&b"changed"[..])
    );
    let gone = t
        .transaction(|tx| early.remove_tx(tx, &ws, &victim))
        .map_err(crate::store::typed::txn_any)
        .unwrap();
    assert_eq!(gone.as_deref(), Some(&b"changed"[..]));
    assert_eq!(get(&t, &ws, &victim).unwrap(), None);
    assert_eq!(
        scan(&t, &ws, &[0; 16], None, Order::Ascending, usize::MAX)
            .unwrap()
            .len(),
        all.len() - 1
    );
    chain(&t, &ws);
}

#[test]
fn long_items_split_by_size_and_an_emptied_block_keeps_the_chain() {
    let t = tree();
    let mut rng = rand::rngs::StdRng::seed_from_u64(8);
    let ws = Id::<Workspace>::from_bytes([5; 16]);
    let items: Vec<_> = (0..12)
        .map(|n| (id_at(1_600_000_000_000 + n, &mut rng), vec![1u8; 5_000]))
        .collect();
    put(&t, &ws, &items);
    let blocks = chain(&t, &ws);
    assert!(
        blocks.iter().all(|b| b.2 <= 4),
        "16 KiB blocks hold at most 3–4 such items: {blocks:?}"
    );
    // Every item of one block taken out: its block stays, the chain holds, the rest reads.
    let hints = Hints::new(&t, &ws, items.iter().map(|(id, _)| *id.as_bytes())).unwrap();
    for (id, _) in &items[..6] {
        t.transaction(|tx| hints.remove_tx(tx, &ws, id))
            .map_err(crate::store::typed::txn_any)
            .unwrap();
    }
    assert_eq!(chain(&t, &ws).len(), blocks.len());
    let left = ids(&t, &ws, &[0; 16], None, Order::Ascending, usize::MAX).unwrap();
    assert_eq!(
        left,
        items[6..].iter().map(|(id, _)| *id).collect::<Vec<_>>()
    );
}

#[test]
fn malformed_blocks_are_errors_not_panics() {
    let ws = Id::<Workspace>::from_bytes([6; 16]);
    let good = Block {
        upper: Some([9; 16]),
        entries: vec![([1; 16], vec![7; 300]), ([2; 16], vec![8; 3])],
    };
    let raw = good.encode();
    assert_eq!(Block::decode(&raw).unwrap(), good);
    for cut in 0..raw.len() {
        if cut == 19 || cut == 19 + 16 + 1 + 2 + 300 {
            continue; // cut where an item ends: a well-formed shorter block
        }
        assert!(Block::decode(&raw[..cut]).is_err(), "cut at {cut}");
    }
    assert!(Block::decode(&[FORMAT, 2]).is_err());
    assert!(Block::decode(&[9, 0]).is_err());
    let mut lying = vec![FORMAT, 0, 0];
    lying.extend_from_slice(&[1; 16]);
    lying.extend_from_slice(&[0, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    assert!(Block::decode(&lying).is_err());
    // An item naming a placement the block does not have.
    let mut unknown = vec![FORMAT, 0, 0];
    unknown.extend_from_slice(&[1; 16]);
    unknown.extend_from_slice(&[1, 1, 9]);
    assert!(Block::decode(&unknown).is_err());
    assert_eq!(parts(&key(&ws, &[1; 16])), Some((ws, [1; 16])));
    assert_eq!(parts(&[0; 32]), None);
}

#[test]
fn a_chain_that_does_not_go_up_ends_every_walk() {
    let t = tree();
    let ws = Id::<Workspace>::from_bytes([7; 16]);
    let id = Id::<Item>::from_bytes([1; 16]);
    // The first block names itself as the next one: a walk that trusted it would never end.
    let looping = Block {
        upper: Some([0; 16]),
        entries: vec![],
    };
    t.insert(first_key(&ws), looping.encode()).unwrap();
    assert_eq!(get(&t, &ws, &id).unwrap(), None);
    assert!(scan(&t, &ws, &[0; 16], None, Order::Ascending, 10).is_err());
    let hints = Hints::new(&t, &ws, [*id.as_bytes()]).unwrap();
    let put = t
        .transaction(|tx| hints.put_tx(tx, &ws, &id, b"x"))
        .map_err(crate::store::typed::txn_any);
    assert!(put.is_err());
}

#[test]
fn a_placement_is_stored_once_a_block_and_format_1_blocks_still_read() {
    use crate::store::items::placement::join;
    let (a, b) = (
        [[1u8; 16].as_slice(), &[0], b"accounts/1/locations/1"].concat(),
        [[2u8; 16].as_slice(), &[1], &[3; 16], b"123456"].concat(),
    );
    let entries: Vec<(Raw, Vec<u8>)> = (0..16u8)
        .map(|n| {
            let sealed = vec![5, n, n, n];
            let value = match n % 4 {
                0 => sealed, // an item sealed whole, as older releases wrote
                3 => join(&b, &sealed),
                _ => join(&a, &sealed),
            };
            ([n; 16], value)
        })
        .collect();
    let block = Block {
        upper: None,
        entries,
    };
    let raw = block.encode();
    assert_eq!(Block::decode(&raw).unwrap(), block);
    // Two placements written once each: an item costs its id, two varints and its sealed part.
    let shared = 1 + (1 + a.len()) + (1 + b.len());
    assert_eq!(raw.len(), 2 + shared + 16 * (16 + 1 + 1 + 4));
    let read = items_of(&raw).unwrap();
    assert_eq!(read.len(), 16);
    for ((id, v), (want_id, want)) in read.iter().zip(&block.entries) {
        assert_eq!((id.as_bytes(), &v[..]), (want_id, &want[..]));
    }
    assert_eq!(
        find(&raw, &[7; 16]).unwrap().as_deref(),
        Some(&block.entries[7].1[..])
    );

    // A block as format 1 wrote it: read as it is, and written again in format 2 when it
    // changes, every value the same.
    let mut old = vec![1u8, 0];
    for (id, v) in &block.entries {
        old.extend_from_slice(id);
        old.push(v.len() as u8);
        old.extend_from_slice(v);
    }
    let t = tree();
    let ws = Id::<Workspace>::from_bytes([8; 16]);
    t.insert(first_key(&ws), old).unwrap();
    let got = scan(&t, &ws, &[0; 16], None, Order::Ascending, 100).unwrap();
    assert_eq!(got.len(), 16);
    assert_eq!(
        get(&t, &ws, &Id::from_bytes([3; 16])).unwrap(),
        Some(block.entries[3].1.clone())
    );
    let added = (Id::<Item>::from_bytes([0x20; 16]), join(&a, &[5, 9]));
    put(&t, &ws, std::slice::from_ref(&added));
    let rewritten = t.get(first_key(&ws)).unwrap().unwrap();
    assert_eq!(rewritten[0], FORMAT);
    let after = scan(&t, &ws, &[0; 16], None, Order::Ascending, 100).unwrap();
    assert_eq!(after.len(), 17);
    assert_eq!(after[16], added);
    for ((id, v), (want_id, want)) in after.iter().zip(&block.entries) {
        assert_eq!((id.as_bytes(), v), (want_id, want));
    }
}
