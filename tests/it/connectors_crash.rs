//! SIGKILL at random moments during syncs and replies, 50 times: afterwards the stored items
//! match the provider and every reply reached it exactly once (the fake counts).

use crate::caller::Api;
use crate::diner::Diner;
use crate::providers::Control;
use crate::support::{ADMIN_EMAIL, ADMIN_PASSWORD, restartable};
use plaudit::fakes::FakeProviders;
use rand::Rng;
use std::time::{Duration, Instant};

const CYCLES: usize = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kills_during_syncs_and_replies_lose_nothing_and_repeat_nothing() {
    let fake = FakeProviders::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let control = Control::new(&fake);
    let dir = tempfile::tempdir().unwrap();
    let start = restartable(
        dir.path(),
        &format!(
            "{}\n[poller]\ntick_ms = 20\nbackoff_base_ms = 20\ninterval_secs = 10\nfacebook_per_minute = 6000\ngoogle_per_minute = 300\n",
            fake.config_snippet()
        ),
    );
    let mut server = start();
    let api = Api::new(&server.url)
        .signed_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    let mut diner = Diner::open(&api, &control, &server.url, 300).await;
    let mut rng = crate::support::seeded_rng("connectors_crash");
    for cycle in 0..CYCLES {
        // New activity at the providers, replies written here, a sync asked for; then a kill.
        let api = Api::new(&server.url).as_(api.token());
        diner.stir(&api, &control, cycle).await;
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..400))).await;
        server.kill9();
        server = start();
    }

    // Let the last process finish what was queued, then compare with the provider.
    let api = Api::new(&server.url).as_(api.token());
    let end = Instant::now() + Duration::from_secs(90);
    loop {
        let sending = diner.replies_sending(&api).await;
        if sending == 0 {
            break;
        }
        assert!(Instant::now() < end, "{sending} replies never settled");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ws = &diner.ws;
    let completed = |c: &serde_json::Value| c["syncs_completed"].as_u64().unwrap();
    let before = completed(
        &api.get(&format!("/workspaces/{ws}/connections/{}", diner.g))
            .await
            .1,
    );
    diner.assert_items_match(&api, &control).await;
    assert!(
        completed(
            &api.get(&format!("/workspaces/{ws}/connections/{}", diner.g))
                .await
                .1
        ) > before
    );
    diner.assert_replies_landed(&api, &control).await;
    assert!(
        diner.acknowledged.len() >= CYCLES,
        "most replies were acknowledged before the kill"
    );
    // No token in anything the process printed.
    let printed = format!("{}\n{}", server.stdout().join("\n"), server.stderr());
    for t in fake.issued_tokens() {
        assert!(!printed.contains(&t), "a token was logged");
    }
}
