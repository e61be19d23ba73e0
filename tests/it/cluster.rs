//! Two `plaudit serve` processes on one PostgreSQL database: they serve the same users (sign-ins,
//! API keys, bans), a sign-out holds on both at once, and killing either of them at random
//! moments during a campaign, syncs and replies loses no acknowledged write and no mail,
//! repeats only mail in flight (same Message-ID) and publishes every reply once.
//!
//! On sled these do not run: one process owns the store's folder (`lifecycle` tests that).

use crate::caller::Api;
use crate::campaigns_crash::{header, recipient};
use crate::diner::Diner;
use crate::edge::from;
use crate::providers::Control;
use crate::support::{
    ADMIN_EMAIL, ADMIN_PASSWORD, Server, Smtp, free_port, message_id, on_postgres,
    postgres_url_for, write_config,
};
use plaudit::fakes::FakeProviders;
use rand::Rng;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn skipped() -> bool {
    if !on_postgres() {
        eprintln!(
            "runs in the PostgreSQL pass: several instances share a database server, and a sled folder belongs to one process"
        );
    }
    !on_postgres()
}

/// Two instances, each with its own data folder and port, on the first one's database and
/// with one public URL (as behind a balancer: sessions name the instance's public URL).
struct Pair {
    dirs: [tempfile::TempDir; 2],
    configs: [PathBuf; 2],
}

impl Pair {
    /// `storage` lines go in `[storage]`; `extra` is whole sections after `[server]`.
    fn new(storage: &str, extra: &str) -> Self {
        let dirs = [(); 2].map(|()| tempfile::tempdir().unwrap());
        let url = postgres_url_for(dirs[0].path()).unwrap();
        std::fs::write(dirs[1].path().join("postgres-url"), url).unwrap();
        let ports = [free_port(), free_port()];
        let public = format!("http://127.0.0.1:{}", ports[0]);
        let configs = [0, 1].map(|i| {
            write_config(
                dirs[i].path(),
                &format!(
                    "{storage}[server]\nlisten = \"127.0.0.1:{}\"\npublic_url = \"{public}\"\nshutdown_timeout_secs = 5\n{extra}",
                    ports[i]
                ),
            )
        });
        Self { dirs, configs }
    }

    fn start(&self, i: usize) -> Server {
        let env = [
            ("PLAUDIT_ADMIN_EMAIL", ADMIN_EMAIL),
            ("PLAUDIT_ADMIN_PASSWORD", ADMIN_PASSWORD),
        ];
        Server::spawn(self.dirs[i].path(), self.configs[i].clone(), &env)
            .unwrap_or_else(|e| panic!("instance {i} did not start: {e:?}"))
    }
}

async fn status_of(client: &reqwest::Client, url: &str) -> u16 {
    client.get(url).send().await.unwrap().status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_serve_the_same_users_and_a_sign_out_or_a_ban_holds_on_both() {
    if skipped() {
        return;
    }
    let pair = Pair::new("", "[limits]\nban_after = 2\nban_secs = 600\n");
    let (a, b) = (pair.start(0), pair.start(1));
    let on_a = Api::new(&a.url)
        .signed_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    let on_b = Api::new(&b.url).as_(on_a.token());
    let (s, me) = on_b.get("/me").await;
    assert_eq!(
        s,
        StatusCode::OK,
        "a session from one instance on the other: {me}"
    );
    assert_eq!(me["email"], ADMIN_EMAIL);

    // A write on one is read on the other.
    let (s, ws) = on_b.post("/workspaces", json!({"name": "Shared"})).await;
    assert_eq!(s, StatusCode::CREATED, "{ws}");
    let ws = ws["id"].as_str().unwrap().to_string();
    let (_, listed) = on_a.get("/workspaces").await;
    assert!(listed.to_string().contains(&ws), "{listed}");

    // An API key made on one works on the other; revoked there, it is refused here at once.
    let (s, key) = on_a
        .post(
            &format!("/workspaces/{ws}/api-keys"),
            json!({"name": "ci", "scopes": ["read"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{key}");
    let with_key = Api::new(&b.url).as_(key["key"].as_str().unwrap());
    assert_eq!(
        with_key.get(&format!("/workspaces/{ws}/locations")).await.0,
        StatusCode::OK
    );
    let (s, _) = on_b
        .delete(&format!(
            "/workspaces/{ws}/api-keys/{}",
            key["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let on_a_with_key = Api::new(&a.url).as_(key["key"].as_str().unwrap());
    assert_eq!(
        on_a_with_key
            .get(&format!("/workspaces/{ws}/locations"))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );

    // A sign-out on one instance: the token is refused on the other within a second.
    let second = Api::new(&a.url)
        .signed_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    let (s, _) = Api::new(&b.url)
        .as_(second.token())
        .post("/auth/logout", json!({}))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let signed_out = Instant::now();
    loop {
        if second.get("/me").await.0 == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(
            signed_out.elapsed() < Duration::from_secs(1),
            "a signed-out session still served on the other instance"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(on_a.get("/me").await.0, StatusCode::OK, "only that session");

    // A client banned by one instance is refused by the other within two seconds (each reads
    // the stored bans every second); lifted on the other, let in again on both.
    let attacker = from(77);
    for _ in 0..2 {
        let r = attacker
            .get(format!("{}/?q=%3Cscript%3Ealert(1)%3C/script%3E", a.url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
    }
    assert_eq!(
        status_of(&attacker, &format!("{}/healthz", a.url)).await,
        403
    );
    let banned = Instant::now();
    while status_of(&attacker, &format!("{}/healthz", b.url)).await != 403 {
        assert!(
            banned.elapsed() < Duration::from_secs(2),
            "the other instance ignores the ban"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (s, bans) = on_b.get("/admin/bans").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(bans["items"][0]["client"], "127.0.0.77", "{bans}");
    let (s, _) = on_b.delete("/admin/bans/127.0.0.77").await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let lifted = Instant::now();
    while status_of(&attacker, &format!("{}/healthz", a.url)).await != 200 {
        assert!(
            lifted.elapsed() < Duration::from_secs(2),
            "the lift did not reach the other instance"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        status_of(&attacker, &format!("{}/healthz", b.url)).await,
        200
    );
}

const CYCLES: usize = 30;
const CONTACTS: usize = 600;

/// (recipient, Message-ID) of every message of `campaign` received.
fn received(smtp: &Smtp, campaign: &str) -> Vec<(String, String)> {
    smtp.messages()
        .iter()
        .filter(|raw| header(raw, "X-Plaudit-Campaign").as_deref() == Some(campaign))
        .map(|raw| (recipient(raw), message_id(raw).unwrap()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_either_of_two_instances_loses_nothing_and_repeats_only_mail_in_flight() {
    if skipped() {
        return;
    }
    let fake = FakeProviders::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let control = Control::new(&fake);
    let mail_dir = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(mail_dir.path());
    // Short leases, so that work a killed instance held moves within seconds; a slow relay
    // rate, so that the campaign is still going out during most kills.
    let pair = Pair::new(
        "lease_secs = 2\n",
        &format!(
            "{}pool_size = 4\nrate_per_sec = 12\n[outbox]\nconcurrency = 4\npoll_interval_ms = 50\nlease_secs = 4\n[limits]\nper_ip_per_minute = 1000000\nper_ip_burst = 1000000\n{}\n[poller]\ntick_ms = 20\nbackoff_base_ms = 20\ninterval_secs = 10\nfacebook_per_minute = 6000\ngoogle_per_minute = 300\n",
            smtp.config()
                .replace("timeout_secs = 5", "timeout_secs = 2"),
            fake.config_snippet()
        ),
    );
    let mut servers = [Some(pair.start(0)), None];
    servers[1] = Some(pair.start(1));
    let url = |servers: &[Option<Server>; 2], i: usize| servers[i].as_ref().unwrap().url.clone();
    let api = Api::new(&url(&servers, 0))
        .signed_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    let mut diner = Diner::open(&api, &control, &url(&servers, 0), 200).await;
    let ws = diner.ws.clone();

    // A burst of replies while both instances run: each published once (one instance at a
    // time runs the reply sender), Google's PUT as much as Facebook's POST.
    let burst: Vec<String> = diner.targets.split_off(diner.targets.len() - 24);
    for target in &burst {
        let (s, body) = api
            .post(
                &format!("/workspaces/{ws}/items/{target}/reply"),
                json!({"text": "Thank you for coming!"}),
            )
            .await;
        assert_eq!(s, StatusCode::ACCEPTED, "{body}");
    }
    let in_burst = |i: &&Value| burst.contains(&i["id"].as_str().unwrap().to_string());
    crate::support::until_ok(Duration::from_secs(30), "the burst published", async || {
        let items = diner.items(&api).await;
        let left = items
            .iter()
            .filter(in_burst)
            .filter(|i| i["reply"]["state"] != "published")
            .count();
        if left == 0 { Ok(()) } else { Err(left) }
    })
    .await;
    let state = control.state().await;
    for i in diner.items(&api).await.iter().filter(in_burst) {
        let ext = i["external_id"].as_str().unwrap();
        let (what, n) = if i["source"] == "facebook" {
            (
                "a Facebook reply",
                &state["counts"]["facebook_replies"][ext],
            )
        } else {
            (
                "a Google reply PUT",
                &state["counts"]["google_reply_puts"][ext],
            )
        };
        assert_eq!(n, 1, "{what} made {n} times for {ext}");
    }

    let campaign = start_campaign(&api, &ws).await;
    // Each cycle: new activity at the providers, replies and syncs asked of one instance, which
    // is killed a random moment later and started again while the other one goes on.
    let mut rng = crate::support::seeded_rng("cluster_kills");
    for cycle in 0..CYCLES {
        let victim = rng.random_range(0..2);
        let on_victim = Api::new(&url(&servers, victim)).as_(api.token());
        diner.stir(&on_victim, &control, cycle).await;
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..600))).await;
        servers[victim].take().unwrap().kill9();
        servers[victim] = Some(pair.start(victim));
    }

    // Both alive: everything queued settles.
    let api = Api::new(&url(&servers, 1)).as_(api.token());
    let everyone: BTreeSet<String> = (0..CONTACTS)
        .map(|n| format!("c{n:04}@example.net"))
        .collect();
    let end = Instant::now() + Duration::from_secs(150);
    loop {
        let got: BTreeSet<String> = received(&smtp, &campaign)
            .into_iter()
            .map(|m| m.0)
            .collect();
        let sending = diner.replies_sending(&api).await;
        if got == everyone && sending == 0 {
            break;
        }
        assert!(
            Instant::now() < end,
            "not settled: {} of {CONTACTS} received, {sending} replies sending",
            got.len()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    for s in servers.iter().flatten() {
        s.run_jobs_async().await;
    }

    // Mail: everyone once; a repeat is the same message (in flight at a kill), at most the
    // killed instance's four senders' worth per kill.
    let mail = received(&smtp, &campaign);
    let mut ids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (to, id) in &mail {
        ids.entry(to.clone()).or_default().insert(id.clone());
    }
    for (to, set) in &ids {
        assert_eq!(set.len(), 1, "{to} got different messages: {set:?}");
    }
    let repeats = mail.len() - ids.len();
    eprintln!(
        "{} messages to {} contacts ({repeats} repeats of mail in flight), {} replies acknowledged",
        mail.len(),
        ids.len(),
        diner.acknowledged.len()
    );
    assert!(repeats <= 4 * CYCLES, "{repeats} repeats");
    diner.assert_replies_landed(&api, &control).await;
    assert!(
        diner.acknowledged.len() >= CYCLES,
        "most replies were acknowledged"
    );
    diner.assert_items_match(&api, &control).await;
}

/// A workspace's feedback settings and a campaign to `CONTACTS` new contacts, sent; its id.
async fn start_campaign(api: &Api, ws: &str) -> String {
    let (s, v) = api
        .call(
            reqwest::Method::PUT,
            &format!("/workspaces/{ws}/feedback-settings"),
            Some(json!({"sender_name": "Diner", "subject": "How was it?",
                "body_text": "{feedback_link}", "brand_color": "#2563eb",
                "postal_address": "3 High Street", "scale": "stars"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let contacts: Vec<Value> = (0..CONTACTS)
        .map(|n| json!({"email": format!("c{n:04}@example.net"), "name": format!("C {n}")}))
        .collect();
    let (s, r) = api
        .post(
            &format!("/workspaces/{ws}/contacts"),
            Value::Array(contacts),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (_, campaign) = api
        .post(
            &format!("/workspaces/{ws}/campaigns"),
            json!({"name": "Everyone", "subject": "How did we do?", "body_text": "{feedback_link}", "not_asked_days": 0}),
        )
        .await;
    let campaign = campaign["id"].as_str().unwrap().to_string();
    let (s, _) = api
        .post(
            &format!("/workspaces/{ws}/campaigns/{campaign}/send?without_review_link=true"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    campaign
}
