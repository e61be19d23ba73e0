use super::*;
use crate::domain::{
    Author, DeliveryState, Email, Fetched, Id, ItemNotes, Kind as ItemKind, Rating, ScoreScale,
};
use crate::store::{ItemFilter, PageRequest};
use time::macros::datetime;

/// The first 50 items of `ws`, newest first.
pub(super) fn first_items(s: &Store, ws: &Id<crate::domain::Workspace>) -> Vec<Item> {
    s.items()
        .page(ws, &ItemFilter::default(), &PageRequest::first(50))
        .unwrap()
        .items
}

/// A record as an older store wrote it: format 1, JSON.
fn as_old_json<T: serde::Serialize + serde::de::DeserializeOwned>(
    store: &Store,
    raw: &[u8],
) -> Vec<u8> {
    let v: T = store.unseal(raw).unwrap().unwrap();
    [&[1u8][..], &serde_json::to_vec(&v).unwrap()].concat()
}

/// Every record of every sealed kind, as an older store wrote it: plain JSON.
fn unseal_everything(store: &Store) -> usize {
    let mut n = 0;
    for kind in KINDS {
        let Some(tree) = store.tree_of(kind) else {
            continue;
        };
        let all: Vec<_> = tree.iter().collect::<Result<_, _>>().unwrap();
        for (k, raw) in all {
            if let Kind::Items = kind {
                let (ws, _) = crate::store::items::blocks::parts(&k).unwrap();
                let mut block = crate::store::items::blocks::Block::decode(&raw).unwrap();
                for (id, value) in &mut block.entries {
                    let item = store
                        .item_at(&ws, &Id::from_bytes(*id), value)
                        .unwrap()
                        .unwrap();
                    *value = [&[1u8][..], &serde_json::to_vec(&item).unwrap()].concat();
                    n += 1;
                }
                tree.insert(k, block.encode()).unwrap();
                continue;
            }
            let old = match kind {
                Kind::Contacts => as_old_json::<Contact>(store, &raw),
                Kind::Feedback => as_old_json::<Feedback>(store, &raw),
                Kind::Items => unreachable!("above"),
                Kind::Notes => as_old_json::<ItemNotes>(store, &raw),
                Kind::Outbox => as_old_json::<OutboxMessage>(store, &raw),
                Kind::Retired => unreachable!("no tree"),
            };
            tree.insert(k, old).unwrap();
            n += 1;
        }
    }
    store.meta.remove(CURSOR_KEY).unwrap();
    n
}

fn plain_left(store: &Store) -> usize {
    KINDS
        .iter()
        .filter_map(|k| store.tree_of(*k))
        .map(|tree| {
            if std::ptr::eq(tree, &store.items) {
                let every = crate::store::items::blocks::all(tree);
                return every
                    .iter()
                    .filter(|(_, _, v)| {
                        !is_sealed(crate::store::items::placement::split(v).unwrap().1)
                    })
                    .count();
            }
            tree.iter()
                .values()
                .filter(|v| !is_sealed(&v.as_ref().unwrap()[..]))
                .count()
        })
        .sum()
}

#[test]
fn plain_records_of_an_older_store_are_sealed_in_chunks_and_still_read_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let now = datetime!(2026-05-01 12:00 UTC);
    let store = Store::open(dir.path(), 16, now).unwrap();
    assert_eq!(
        store.seal_plain_records(100).unwrap(),
        Resealed {
            sealed: 0,
            placed: 0,
            done: true
        },
        "a new store has nothing to seal"
    );
    let (ws, loc) = (Id::generate(now), Id::generate(now));
    let review = |n: u8, author: &str| Fetched {
        kind: ItemKind::Review,
        external_id: format!("r{n}"),
        parent_external_id: None,
        author: Author {
            name: author.into(),
            ..Author::default()
        },
        rating: Some(Rating::Stars(n)),
        text: format!("Quillfeather pastry number {n}"),
        link: None,
        created_at: now,
        updated_at: now,
        reply: None,
        reply_authoritative: true,
    };
    let dest = crate::store::fixtures::google(ws, loc);
    let batch: Vec<Fetched> = (1..=5).map(|n| review(n, "Zelda Quill")).collect();
    store.items().ingest(&dest, &batch, now).unwrap();
    store.search().catch_up(100).unwrap();
    let page = |s: &Store| first_items(s, &ws);
    let items = page(&store);
    store
        .items()
        .update_notes(&ws, &items[0].id, |n: &mut ItemNotes| {
            n.tags.push("zelda-regular".into());
            Ok::<_, String>(())
        })
        .unwrap()
        .unwrap();
    let contact = Contact {
        id: Id::generate(now),
        workspace: ws,
        email: Email::parse("zelda@example.com").unwrap(),
        name: "Zelda Quill".into(),
        location: None,
        source: "csv".into(),
        consent: Default::default(),
        created_at: now,
        last_asked_at: None,
        restricted: false,

        last_answered_at: None,

        last_campaign: None,
    };
    store.contacts().upsert(contact.clone()).unwrap();
    let feedback = Feedback {
        id: Id::generate(now),
        workspace: ws,
        campaign: Some(Id::generate(now)),
        contact: Some(contact.id),
        via: Default::default(),
        name: String::new(),
        location: None,
        scale: ScoreScale::default(),
        score: 2,
        comment: "Zelda found the croissant stale".into(),
        at: now,
        publish_consent: None,
    };
    store.campaigns().put_feedback(&feedback).unwrap();
    let msg = OutboxMessage {
        id: Id::generate(now),
        message_id: "<m1@plaudit>".into(),
        to: "Zelda Quill <zelda@example.com>".into(),
        from_name: None,
        subject: "How was your visit?".into(),
        text: "Dear Zelda".into(),
        html: None,
        headers: Vec::new(),
        created_at: now,
        attempts: 0,
        due_at: now,
        state: DeliveryState::Queued,
        last_error: None,
        campaign: None,
        // An alert about her: sealed with her key.
        about: Some(crate::domain::About {
            workspace: ws,
            contact: contact.id,
        }),
        attachments: Vec::new(),
        reply_to: None,
    };
    store.outbox().enqueue(&msg).unwrap();

    let plain = unseal_everything(&store);
    assert_eq!(plain_left(&store), plain, "the older layout: all plain");
    // Five items, a note, a contact, an answer, a message.
    assert_eq!(plain, 5 + 1 + 1 + 1 + 1);
    // And one record no reader could open: skipped, not a walk stuck on it for ever.
    let broken = [ws.as_bytes().as_slice(), &[0xff; 16]].concat();
    store
        .contacts
        .insert(
            &broken,
            codec::encode(&serde_json::json!({"no": "contact"})).unwrap(),
        )
        .unwrap();

    // Small budgets, as housekeeping gives, until done.
    let mut sealed = 0;
    let mut calls = 0;
    loop {
        let r = store.seal_plain_records(2).unwrap();
        sealed += r.sealed;
        calls += 1;
        assert!(calls < 100, "the walk goes forward");
        if r.done {
            break;
        }
    }
    assert_eq!(sealed, plain);
    assert_eq!(plain_left(&store), 1, "only the unreadable record");
    store.contacts.remove(&broken).unwrap();
    assert!(calls > 3, "it took several calls: {calls}");

    // Everything reads as before.
    assert_eq!(page(&store), items);
    assert_eq!(
        store.contacts().get(&ws, &contact.id).unwrap().as_ref(),
        Some(&contact)
    );
    let answers = store
        .campaigns()
        .feedback_page(&ws, &PageRequest::first(10))
        .unwrap()
        .items;
    assert_eq!(answers, vec![feedback.clone()]);
    assert_eq!(store.outbox().get(&msg.id).unwrap().as_ref(), Some(&msg));
    let notes = store.items().notes(&ws, &items[0].id).unwrap();
    assert_eq!(notes.tags, ["zelda-regular"]);
    let found = store
        .items()
        .page(
            &ws,
            &ItemFilter {
                terms: crate::domain::text::query_terms("quillfeather"),
                ..Default::default()
            },
            &PageRequest::first(50),
        )
        .unwrap();
    assert_eq!(found.items.len(), 5, "the items still open");

    // And now an erasure shreds them: the customer's key takes contact, feedback and mail.
    assert!(
        store
            .shred(&store.contact_ref(&ws, &contact.email).unwrap())
            .unwrap()
    );
    assert_eq!(store.contacts().get(&ws, &contact.id).unwrap(), None);
    assert!(
        store
            .campaigns()
            .feedback_page(&ws, &PageRequest::first(10))
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(store.outbox().get(&msg.id).unwrap(), None);
    // No value of these trees names her any more.
    for (kind, tree) in KINDS.iter().filter_map(|k| Some((k, store.tree_of(*k)?))) {
        for v in tree.iter().values() {
            let v = v.unwrap();
            assert!(
                !v.windows(5).any(|w| w == b"Zelda"),
                "{kind:?} still holds her name in plain"
            );
        }
    }
    assert_eq!(
        store.seal_plain_records(100).unwrap(),
        Resealed {
            sealed: 0,
            placed: 0,
            done: true
        }
    );
}
