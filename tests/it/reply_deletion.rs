//! Deleting a reply: a published one is marked "deleting" at once and leaves Plaudit only once
//! the provider (the fake Google and Facebook, speaking their documented wire formats) no
//! longer has it; the next sync does not bring it back; nobody outside the workspace can.

use crate::connectors::{map, setup};
use crate::inproc::PUBLIC_URL;
use crate::providers::{all_items, connect, sync};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Polls the item until `done` holds for it (20 s at most).
async fn wait_for(
    s: &crate::connectors::Setup,
    id: &str,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    crate::support::until_ok(Duration::from_secs(20), what, async || {
        let (_, i) = s.api.get(&format!("/workspaces/{}/items/{id}", s.ws)).await;
        if done(&i) { Ok(i) } else { Err(i) }
    })
    .await
}

async fn reply_and_wait(s: &crate::connectors::Setup, id: &str, text: &str) -> Value {
    let (st, r) = s
        .api
        .post(
            &format!("/workspaces/{}/items/{id}/reply", s.ws),
            json!({ "text": text }),
        )
        .await;
    assert_eq!(st, StatusCode::ACCEPTED, "{r}");
    wait_for(s, id, "published", |i| i["reply"]["state"] == "published").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_google_reply_is_deleted_at_google_and_stays_deleted() {
    let s = setup().await;
    let name = s
        .control
        .post(
            "google/locations",
            json!({"title": "Shop", "reviews": 6, "seed": 4}),
        )
        .await["name"]
        .as_str()
        .unwrap()
        .to_string();
    let g = connect(&s.api, &s.ws, "google", PUBLIC_URL, &s.h.url).await;
    map(&s, &g, &name, &s.loc).await;
    let replied = |st: &Value| st["google_locations"][0]["replied"].as_u64().unwrap();
    let items = all_items(&s.api, &s.ws, "&source=google").await;
    let review = items
        .iter()
        .find(|i| i["reply"].is_null())
        .expect("a review without a reply");
    let rid = review["id"].as_str().unwrap().to_string();
    let path = format!("/workspaces/{}/items/{rid}/reply", s.ws);

    let (st, e) = s.api.delete(&path).await;
    assert_eq!(st, StatusCode::CONFLICT, "nothing to delete yet: {e}");
    let before = replied(&s.control.state().await);
    reply_and_wait(&s, &rid, "Thank you, see you soon").await;
    assert_eq!(replied(&s.control.state().await), before + 1);

    // Someone from another workspace cannot delete it.
    let (other, ot) = s.h.user("other@agency.example", false);
    let _ows = s.h.workspace("Other", &other);
    let (st, _) = s.h.api().as_(&ot).delete(&path).await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    let (st, r) = s.api.delete(&path).await;
    assert_eq!(st, StatusCode::ACCEPTED, "{r}");
    assert_eq!(r["reply"]["state"], "deleting", "{r}");
    // Asking twice is harmless: still deleting, or (the reply job was quicker) nothing left
    // to delete — never a second deletion at Google.
    let (st, again) = s.api.delete(&path).await;
    if st == StatusCode::CONFLICT {
        let (_, item) = s
            .api
            .get(&format!("/workspaces/{}/items/{rid}", s.ws))
            .await;
        assert!(
            item["reply"].is_null(),
            "409 only once deleted: {again} {item}"
        );
    } else {
        assert_eq!(
            st,
            StatusCode::ACCEPTED,
            "asking twice is harmless: {again}"
        );
    }
    let (st, e) = s
        .api
        .post(&path, json!({"text": "a new one meanwhile"}))
        .await;
    assert!(
        st == StatusCode::CONFLICT || st == StatusCode::ACCEPTED,
        "refused while deleting, or accepted once the deletion is done: {st} {e}"
    );
    if st == StatusCode::ACCEPTED {
        // The deletion finished first: the new reply is the one that stays.
        wait_for(&s, &rid, "published", |i| {
            i["reply"]["state"] == "published"
        })
        .await;
        return;
    }
    wait_for(&s, &rid, "deleted", |i| i["reply"].is_null()).await;
    assert_eq!(
        replied(&s.control.state().await),
        before,
        "gone at Google too"
    );

    // The next full read finds no reply at Google, and none comes back.
    s.h.clock.advance(time::Duration::seconds(61));
    let c = sync(&s.api, &s.ws, &g).await;
    assert_eq!(c["last_error"], Value::Null, "{c}");
    let (_, i) = s
        .api
        .get(&format!("/workspaces/{}/items/{rid}", s.ws))
        .await;
    assert!(i["reply"].is_null(), "{i}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_facebook_reply_comment_is_deleted_on_the_page() {
    let s = setup().await;
    let page = s
        .control
        .post(
            "facebook/pages",
            json!({"name": "Café", "ratings": 2, "posts": 2, "comments": 3, "tagged": 0, "seed": 2}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let f = connect(&s.api, &s.ws, "facebook", PUBLIC_URL, &s.h.url).await;
    map(&s, &f, &page, &s.loc).await;
    let comments = |st: &Value| st["facebook_pages"][0]["comments"].as_u64().unwrap();
    let items = all_items(&s.api, &s.ws, "&kind=comment").await;
    let cid = items[0]["id"].as_str().unwrap().to_string();
    let before = comments(&s.control.state().await);
    reply_and_wait(&s, &cid, "Merci !").await;
    assert_eq!(comments(&s.control.state().await), before + 1);

    let path = format!("/workspaces/{}/items/{cid}/reply", s.ws);
    let (st, r) = s.api.delete(&path).await;
    assert_eq!(st, StatusCode::ACCEPTED, "{r}");
    wait_for(&s, &cid, "deleted", |i| i["reply"].is_null()).await;
    assert_eq!(
        comments(&s.control.state().await),
        before,
        "the page's comment is gone"
    );
    s.h.clock.advance(time::Duration::seconds(61));
    let c = sync(&s.api, &s.ws, &f).await;
    assert_eq!(c["last_error"], Value::Null, "{c}");
    let again = all_items(&s.api, &s.ws, "&kind=comment").await;
    assert_eq!(
        again.len(),
        items.len(),
        "the deleted reply is no new comment"
    );
    assert!(again.iter().find(|i| i["id"] == cid.as_str()).unwrap()["reply"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_deletes_a_reply_and_says_why_the_provider_could_not() {
    use crate::inbox::{ingest, review};
    use plaudit::domain::{Email, Origin, Role};
    let h = crate::inproc::InProc::start(|_| {}).await;
    let (c, csrf) = crate::pages::signed_in(&h, "Ana").await;
    let user = h
        .store
        .users()
        .by_email(&Email::parse("ana@example.com").unwrap())
        .unwrap()
        .unwrap();
    let ws = h.workspace("Bakery", &user);
    h.add(&ws, &user, Role::Owner);
    let loc = h.location(&ws, 1);
    let now = time::OffsetDateTime::now_utc();
    // Answered at Google, but its connection is gone: the deletion cannot reach Google.
    ingest(
        &h.store,
        &ws.id,
        &loc,
        Origin::Google,
        &[review(
            "d1",
            2,
            "Slow service",
            "Bo",
            now,
            Some(("Sorry, Bo", now)),
        )],
    );
    let inbox = format!("{}/w/{}/inbox", h.url, ws.id);
    let page = c.get(&inbox).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Delete the reply"), "{page}");
    let item = h
        .store
        .items()
        .page(
            &ws.id,
            &Default::default(),
            &plaudit::store::PageRequest::first(5),
        )
        .unwrap()
        .items
        .remove(0);
    let r = c
        .post(format!(
            "{}/w/{}/items/{}/reply/delete",
            h.url, ws.id, item.id
        ))
        .form(&[("csrf", csrf.as_str()), ("back", "https://evil.example/")])
        .send()
        .await
        .unwrap();
    // Asked first, on a page of its own; nothing changes until confirmed.
    assert_eq!(r.status(), 200);
    let confirm = r.text().await.unwrap();
    assert!(confirm.contains("Delete the reply?"), "{confirm}");
    assert!(
        !confirm.contains("evil.example"),
        "back only to this inbox: {confirm}"
    );
    let unchanged = h.store.items().get(&ws.id, &item.id).unwrap().unwrap();
    assert_eq!(unchanged.reply.unwrap().state.name(), "published");
    let r = c
        .post(format!(
            "{}/w/{}/items/{}/reply/delete",
            h.url, ws.id, item.id
        ))
        .form(&[
            ("csrf", csrf.as_str()),
            ("back", "https://evil.example/"),
            ("confirm", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("/w/{}/inbox#item-{}", ws.id, item.id),
        "back only to this inbox, at the item"
    );
    let end = Instant::now() + Duration::from_secs(20);
    let page = loop {
        let page = c.get(&inbox).send().await.unwrap().text().await.unwrap();
        if page.contains("could not be deleted") {
            break page;
        }
        assert!(Instant::now() < end, "the worker never settled it: {page}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(page.contains("connect the account again"), "{page}");
    assert!(
        page.contains("Sorry, Bo"),
        "still shown: it is still at Google"
    );
    assert!(page.contains("Delete the reply"), "and can be tried again");
    // Without the form's token: refused, nothing changes.
    let r = c
        .post(format!(
            "{}/w/{}/items/{}/reply/delete",
            h.url, ws.id, item.id
        ))
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    let still = h.store.items().get(&ws.id, &item.id).unwrap().unwrap();
    assert_eq!(still.reply.unwrap().state.name(), "delete_failed");
}
