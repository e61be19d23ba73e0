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
                    expires_at: now + time::Duration::minutes(minutes),
                },
            )
            .unwrap();
    }
    // Nothing has expired but the two old records.
    assert_eq!(access.purge_expired(now).unwrap(), 2);
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
