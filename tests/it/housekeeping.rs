//! Housekeeping removes what has expired (sessions, single-use links, sign-in states) and
//! nothing that is still valid.

use crate::inproc::InProc;
use plaudit::Clock;
use plaudit::domain::{LinkPurpose, LinkToken, OAuthState};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_sessions_links_and_states_are_purged_and_live_ones_kept() {
    let h = InProc::start(|_| {}).await;
    let (user, token) = h.user("ana@example.com", false);
    let now = h.clock.now();
    let access = h.store.access();
    for (hash, minutes) in [("old-link", -1), ("live-link", 60)] {
        access
            .put_link(
                hash,
                &LinkToken {
                    purpose: LinkPurpose::ResetPassword { user: user.id },
                    expires_at: now + time::Duration::minutes(minutes),
                },
            )
            .unwrap();
    }
    for (hash, minutes) in [("old-state", -1), ("live-state", 10)] {
        access
            .put_oauth_state(
                hash,
                &OAuthState {
                    provider: "google".into(),
                    verifier: "v".into(),
                    link_user: None,
                    next: "/w".into(),
                    browser: "b".into(),
                    connect: None,
                    started_by: None,
                    expires_at: now + time::Duration::minutes(minutes),
                },
            )
            .unwrap();
    }
    // Nothing has expired but the two old records. The server's own housekeeping may have
    // swept first (it runs at start), so what is checked is what is left, read as of an hour
    // ago so that an expired record still in the store would show.
    assert!(access.purge_expired(now).unwrap() <= 2);
    let before = now - time::Duration::hours(1);
    assert!(access.peek_link("old-link", before).unwrap().is_none());
    assert!(
        access
            .take_oauth_state("old-state", before)
            .unwrap()
            .is_none()
    );
    assert!(access.peek_link("live-link", now).unwrap().is_some());
    let me = format!("{}/api/v1/me", h.url);
    let c = h.http();
    assert_eq!(
        c.get(&me)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // A day later the session has expired too and goes; the live link and state went as well.
    let later = now + time::Duration::days(2);
    assert_eq!(access.purge_expired(later).unwrap(), 3);
    assert_eq!(access.purge_expired(later).unwrap(), 0);
}

/// `[retention]` with the clock moved forward: exactly the expired records go, nothing else,
/// and a purge cut short finishes on the next run.
#[test]
fn retention_removes_exactly_what_expired() {
    use plaudit::config::RetentionConfig;
    use plaudit::domain::{
        AuditEntry, Contact, DeliveryState, Email, Feedback, Id, OutboxMessage, ScoreScale,
    };
    let dir = tempfile::tempdir().unwrap();
    let now = time::OffsetDateTime::from_unix_timestamp(1_900_000_000).unwrap();
    let days = |n: i64| now - time::Duration::days(n);
    let store = plaudit::store::Store::open(dir.path(), 16, now).unwrap();
    let ws = Id::generate(now);
    let audit = |at| AuditEntry {
        at,
        actor: "system".into(),
        actor_label: "fixture".into(),
        action: "fixture".into(),
        target: String::new(),
        ip: String::new(),
    };
    for at in [days(800), days(731), days(729), days(1)] {
        store.audit().append(&ws, &audit(at)).unwrap();
    }
    let contact = |email: &str, created, asked| Contact {
        id: Id::generate(created),
        workspace: ws,
        email: Email::parse(email).unwrap(),
        name: String::new(),
        location: None,
        source: "csv".into(),
        consent: Default::default(),
        created_at: created,
        last_asked_at: asked,
        restricted: false,

        last_answered_at: None,

        last_campaign: None,
    };
    let old_unasked = store
        .contacts()
        .upsert(contact("old@example.net", days(400), None))
        .unwrap()
        .0;
    let new_unasked = store
        .contacts()
        .upsert(contact("new@example.net", days(10), None))
        .unwrap()
        .0;
    let old_asked = store
        .contacts()
        .upsert(contact("asked@example.net", days(400), Some(days(300))))
        .unwrap()
        .0;
    let feedback = |at| Feedback {
        id: Id::generate(at),
        workspace: ws,
        campaign: Some(Id::generate(at)),
        contact: Some(old_asked.id),
        via: Default::default(),
        name: String::new(),
        location: None,
        scale: ScoreScale::Stars,
        score: 4,
        comment: "fine".into(),
        at,
        publish_consent: None,
    };
    let (f_old, f_new) = (feedback(days(800)), feedback(days(10)));
    store.campaigns().put_feedback(&f_old).unwrap();
    store.campaigns().put_feedback(&f_new).unwrap();
    let from = "Plaudit <p@example.com>".parse().unwrap();
    let msg = |state: DeliveryState| {
        let mut m: OutboxMessage = plaudit::mail::message(
            days(400),
            &from,
            &Email::parse("x@example.net").unwrap(),
            plaudit::mail::templates::Rendered {
                subject: "s".into(),
                text: "t".into(),
                html: None,
            },
            vec![],
        );
        m.state = state;
        store.outbox().enqueue(&m).unwrap();
        m
    };
    let sent_old = msg(DeliveryState::Sent { at: days(100) });
    let sent_new = msg(DeliveryState::Sent { at: days(10) });
    let failed_old = msg(DeliveryState::Failed {
        at: days(200),
        reason: "550".into(),
    });
    let queued = msg(DeliveryState::Queued);
    // Reviews: one gone from Google 400 days ago, one 10 days ago, one still there.
    let loc = Id::generate(now);
    let dest = plaudit::store::Destination {
        workspace: ws,
        location: loc,
        origin: plaudit::domain::Origin::Google,
        feed: "reviews",
        connection: None,
        alert: false,
    };
    let review = |id: &str| plaudit::domain::Fetched {
        kind: plaudit::domain::Kind::Review,
        external_id: id.into(),
        parent_external_id: None,
        author: Default::default(),
        rating: Some(plaudit::domain::Rating::Stars(3)),
        text: format!("review {id}"),
        link: None,
        created_at: days(900),
        updated_at: days(900),
        reply: None,
        reply_authoritative: true,
    };
    let gone_long = review("a");
    let fetched = [gone_long.clone(), review("b"), review("c")];
    store.items().ingest(&dest, &fetched, days(900)).unwrap();
    let kinds = [plaudit::domain::Kind::Review];
    let seen = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect();
    let items = store.items();
    let marked = items.mark_missing_removed(&dest, &kinds, &seen(&["b", "c"]), days(400));
    assert_eq!(marked.unwrap(), 1);
    let marked = items.mark_missing_removed(&dest, &kinds, &seen(&["c"]), days(10));
    assert_eq!(marked.unwrap(), 1);

    // Cut short: one audit entry per run, then the rest next run.
    assert_eq!(store.retention().audit_before(days(730), 1).unwrap(), 1);
    let first =
        plaudit::workers::retention::step(&store, &RetentionConfig::default(), now).unwrap();
    assert_eq!(
        (
            first.audit,
            first.feedback,
            first.contacts,
            first.outbox,
            first.removed_items
        ),
        (1, 1, 1, 2, 1),
        "{first:?}"
    );
    let again =
        plaudit::workers::retention::step(&store, &RetentionConfig::default(), now).unwrap();
    assert_eq!(again, plaudit::workers::retention::Purged::default());
    let left = store.audit().page(&ws, None, 10).unwrap();
    assert_eq!(left.0.len(), 2, "the entries within 730 days stay");
    assert!(
        store
            .contacts()
            .get(&ws, &old_unasked.id)
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .contacts()
            .get(&ws, &new_unasked.id)
            .unwrap()
            .is_some()
    );
    assert!(store.contacts().get(&ws, &old_asked.id).unwrap().is_some());
    assert!(
        store
            .campaigns()
            .feedback(&ws, &f_old.id)
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .campaigns()
            .feedback(&ws, &f_new.id)
            .unwrap()
            .is_some()
    );
    assert!(store.outbox().get(&sent_old.id).unwrap().is_none());
    assert!(store.outbox().get(&failed_old.id).unwrap().is_none());
    assert!(store.outbox().get(&sent_new.id).unwrap().is_some());
    assert!(
        store.outbox().get(&queued.id).unwrap().is_some(),
        "pending mail is never purged"
    );
    const EVER: (time::OffsetDateTime, time::OffsetDateTime) = plaudit::store::Items::EVER;
    let by_id = |id: &str| {
        let item = store
            .items()
            .by_external(&ws, dest.origin, dest.feed, id, EVER)
            .unwrap();
        item.map(|i| i.status)
    };
    use plaudit::domain::ItemStatus;
    assert_eq!(by_id("a"), None, "removed 400 days ago: erased");
    assert_eq!(
        by_id("b"),
        Some(ItemStatus::Removed),
        "removed lately: kept"
    );
    assert_eq!(by_id("c"), Some(ItemStatus::Live));
    // Gone at the provider is not erased for its author: if it shows up again, it is stored.
    let back = store.items().ingest(&dest, &[gone_long], now).unwrap();
    assert_eq!(back.new, 1);
    // 0 keeps for ever.
    let forever = RetentionConfig {
        audit_days: 0,
        feedback_days: 0,
        unasked_contacts_days: 0,
        outbox_days: 0,
        removed_items_days: 0,
        deleted_workspaces_days: 0,
    };
    let later = now + time::Duration::days(5000);
    let none = plaudit::workers::retention::step(&store, &forever, later).unwrap();
    assert_eq!(none, plaudit::workers::retention::Purged::default());
}
