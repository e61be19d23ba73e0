//! Auto-response rules end to end against the fake Google: off by default; a rule queues its
//! template only for new textless reviews with its stars; each queued reply shows in the inbox
//! and can be cancelled there until its delay ends; then it is published at Google.

use crate::connectors::{map, setup};
use crate::inproc::PUBLIC_URL;
use crate::providers::{all_items, connect, sync};
use plaudit::domain::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

async fn queue(s: &crate::connectors::Setup) -> Vec<Value> {
    let (st, q) = s
        .api
        .get(&format!("/workspaces/{}/auto-replies", s.ws))
        .await;
    assert_eq!(st, StatusCode::OK, "{q}");
    q["items"].as_array().unwrap().clone()
}

/// The item whose Google review id ends with `external`.
async fn item_of(s: &crate::connectors::Setup, external: &str) -> Value {
    all_items(&s.api, &s.ws, "&source=google")
        .await
        .into_iter()
        .find(|i| {
            i["external_id"]
                .as_str()
                .is_some_and(|e| e.ends_with(&format!("/{external}")) || e == external)
        })
        .unwrap_or_else(|| panic!("no item for {external}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_answers_new_star_only_reviews_after_its_delay_unless_cancelled() {
    let s = setup().await;
    let name = s
        .control
        .post(
            "google/locations",
            json!({"title": "Shop", "reviews": 4, "seed": 9}),
        )
        .await["name"]
        .as_str()
        .unwrap()
        .to_string();
    let g = connect(&s.api, &s.ws, "google", PUBLIC_URL, &s.h.url).await;
    map(&s, &g, &name, &s.loc).await;
    let add = async |stars: u8, text: Option<&str>| -> String {
        s.control
            .post(
                "google/reviews",
                json!({"location": name, "action": "add", "text": text, "stars": stars}),
            )
            .await["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let ws = s.ws.clone();
    let (st, t) = s
        .api
        .post(
            &format!("/workspaces/{ws}/reply-templates"),
            json!({"name": "Thanks", "body": "Thank you {first_name} for the {rating} stars!"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{t}");
    let template = t["id"].as_str().unwrap().to_string();

    // Off by default: no rule, nothing queued for a new star-only review.
    let (_, rules) = s.api.get(&format!("/workspaces/{ws}/auto-rules")).await;
    assert_eq!(rules["items"], json!([]));
    let before_rule = add(5, None).await;
    sync(&s.api, &s.ws, &g).await;
    s.h.run_jobs().await;
    assert!(queue(&s).await.is_empty());

    // Refused rules say why.
    let rules_path = format!("/workspaces/{ws}/auto-rules");
    for (bad, why) in [
        (
            json!({"name": "x", "stars": [5], "template": template, "delay_minutes": 1}),
            "delay",
        ),
        (
            json!({"name": "x", "stars": [6], "template": template}),
            "stars",
        ),
        (
            json!({"name": "x", "stars": [], "template": template}),
            "stars",
        ),
        (
            json!({"name": "x", "stars": [5], "template": "0".repeat(32)}),
            "template",
        ),
        (
            json!({"name": " ", "stars": [5], "template": template}),
            "name",
        ),
    ] {
        let (st, e) = s.api.post(&rules_path, bad.clone()).await;
        assert!(
            st == StatusCode::UNPROCESSABLE_ENTITY || st == StatusCode::BAD_REQUEST,
            "{why}: {st} {e}"
        );
    }
    let (st, rule) = s
        .api
        .post(
            &rules_path,
            json!({"name": "Five stars", "stars": [5], "template": template, "delay_minutes": 60}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{rule}");
    assert_eq!(rule["enabled"], true);

    // New reviews: only the textless five-star ones are queued, an hour out.
    let a = add(5, None).await;
    let b = add(5, Some("Lovely staff")).await;
    let c = add(4, None).await;
    let d = add(5, None).await;
    sync(&s.api, &s.ws, &g).await;
    s.h.run_jobs().await;
    let queued = queue(&s).await;
    let (ia, id_) = (item_of(&s, &a).await, item_of(&s, &d).await);
    let mut ids: Vec<&str> = queued.iter().map(|q| q["item"].as_str().unwrap()).collect();
    ids.sort();
    let mut want = vec![ia["id"].as_str().unwrap(), id_["id"].as_str().unwrap()];
    want.sort();
    assert_eq!(ids, want, "{queued:?}");
    assert_eq!(queued[0]["text"], "Thank you New for the 5 stars!");
    assert_eq!(queued[0]["rule_name"], "Five stars");
    let due = time::OffsetDateTime::parse(
        queued[0]["due_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    use plaudit::clock::Clock as _;
    assert_eq!(due - s.h.clock.now(), time::Duration::minutes(60));

    // The inbox shows it with a Cancel button; a viewer sees it and cannot cancel.
    let wsid = ws.parse().unwrap();
    let w = s.h.store.workspaces().get(&wsid).unwrap().unwrap();
    let (page_client, csrf) = crate::pages::signed_in_as(&s.h, "mona@agency.example", "Mona").await;
    let mona =
        s.h.store
            .users()
            .by_email(&plaudit::domain::Email::parse("mona@agency.example").unwrap())
            .unwrap()
            .unwrap();
    s.h.add(&w, &mona, Role::Manager);
    let inbox = crate::support::get_text(&page_client, format!("{}/w/{ws}/inbox", s.h.url)).await;
    assert!(inbox.contains("Automatic reply"), "{inbox}");
    assert!(inbox.contains("Thank you New for the 5 stars!"));
    assert!(inbox.contains("Cancel the automatic reply"));
    let dd = id_["id"].as_str().unwrap().to_string();
    let (viewer, vt) = s.h.user("vera@client.example", false);
    s.h.add(&w, &viewer, Role::Viewer);
    let cancel_path = format!("/workspaces/{ws}/items/{dd}/auto-reply");
    let (st, _) = s.h.api().as_(&vt).delete(&cancel_path).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // The owner cancels D from the inbox's form.
    let r = page_client
        .post(format!("{}/w/{ws}/items/{dd}/auto-reply/cancel", s.h.url))
        .form(&[("csrf", csrf.as_str()), ("from", "inbox"), ("back", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with(&format!("/inbox#item-{dd}"))
    );
    assert_eq!(queue(&s).await.len(), 1);
    let (st, _) = s.api.delete(&cancel_path).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "cancelled once");

    // Not before its delay; then published at Google, and only A.
    let replied = |st: &Value| st["google_locations"][0]["replied"].as_u64().unwrap();
    let replied_before = replied(&s.control.state().await);
    s.h.clock.advance(time::Duration::minutes(30));
    s.h.run_jobs().await;
    assert!(item_of(&s, &a).await["reply"].is_null());
    s.h.clock.advance(time::Duration::minutes(31));
    s.h.run_jobs().await;
    let aid = ia["id"].as_str().unwrap().to_string();
    let published = crate::support::until_ok(Duration::from_secs(20), "published", async || {
        let (_, i) = s.api.get(&format!("/workspaces/{ws}/items/{aid}")).await;
        if i["reply"]["state"] == "published" {
            Ok(i)
        } else {
            Err(i)
        }
    })
    .await;
    assert_eq!(published["reply"]["text"], "Thank you New for the 5 stars!");
    assert_eq!(
        replied(&s.control.state().await),
        replied_before + 1,
        "Google has the one reply"
    );
    for other in [&before_rule, &b, &c, &d] {
        assert!(
            item_of(&s, other).await["reply"].is_null(),
            "{other} stays for a person"
        );
    }
    assert!(queue(&s).await.is_empty());
    let (_, audit) = s.api.get(&format!("/workspaces/{ws}/audit")).await;
    assert!(audit.to_string().contains("item.auto_replied"), "{audit}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_being_sent_cannot_be_cancelled_and_switching_a_rule_off_cancels_its_queue() {
    let s = setup().await;
    let name = s
        .control
        .post(
            "google/locations",
            json!({"title": "Shop", "reviews": 2, "seed": 3}),
        )
        .await["name"]
        .as_str()
        .unwrap()
        .to_string();
    let g = connect(&s.api, &s.ws, "google", PUBLIC_URL, &s.h.url).await;
    map(&s, &g, &name, &s.loc).await;
    let ws = s.ws.clone();
    let (_, t) = s
        .api
        .post(
            &format!("/workspaces/{ws}/reply-templates"),
            json!({"name": "Thanks", "body": "Thanks!"}),
        )
        .await;
    let (_, rule) = s
        .api
        .post(
            &format!("/workspaces/{ws}/auto-rules"),
            json!({"name": "Low", "stars": [1, 2], "template": t["id"], "delay_minutes": 5}),
        )
        .await;
    for _ in 0..3 {
        s.control
            .post(
                "google/reviews",
                json!({"location": name, "action": "add", "stars": 1}),
            )
            .await;
    }
    sync(&s.api, &s.ws, &g).await;
    s.h.run_jobs().await;
    let queued = queue(&s).await;
    assert_eq!(queued.len(), 3, "{queued:?}");
    // A person answers the third: its automatic reply is dropped at once.
    let third = queued[2]["item"].as_str().unwrap();
    let (st, r) = s
        .api
        .post(
            &format!("/workspaces/{ws}/items/{third}/reply"),
            json!({"text": "Sorry to hear that; call us."}),
        )
        .await;
    assert_eq!(st, StatusCode::ACCEPTED, "{r}");
    assert_eq!(queue(&s).await.len(), 2);

    // The sender took the first one (as it does just before sending): too late to cancel.
    let wsid = ws.parse().unwrap();
    let first: plaudit::domain::Id<plaudit::domain::Item> =
        queued[0]["item"].as_str().unwrap().parse().unwrap();
    assert!(
        s.h.store
            .auto_replies()
            .take(&wsid, &first)
            .unwrap()
            .is_some()
    );
    let (st, e) = s
        .api
        .delete(&format!("/workspaces/{ws}/items/{first}/auto-reply"))
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{e}");

    // Switching the rule off cancels the one not taken.
    let rid = rule["id"].as_str().unwrap();
    let (st, r) = s
        .api
        .put(
            &format!("/workspaces/{ws}/auto-rules/{rid}"),
            json!({"name": "Low", "stars": [1, 2], "template": t["id"], "delay_minutes": 5, "enabled": false}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let left = queue(&s).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["sending"], true);
    // A sender that stopped after taking it finishes it on the next run, once.
    s.h.run_jobs().await;
    let (_, i) = s.api.get(&format!("/workspaces/{ws}/items/{first}")).await;
    assert_eq!(i["reply"]["text"], "Thanks!", "{i}");
    assert!(queue(&s).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_automatic_replies_page_makes_changes_and_deletes_rules_by_form() {
    let h = crate::inproc::InProc::start(|_| {}).await;
    let (c, csrf, ws, loc) =
        crate::pages::signed_in_owner(&h, "mia@agency.example", "Corner Bakery").await;
    let base = format!("{}/w/{}/auto-replies", h.url, ws.id);
    let page = crate::support::get_text(&c, &base).await;
    assert!(page.contains("Off until you make a rule"), "{page}");
    assert!(page.contains("First write a"), "no template yet: {page}");
    let r = c
        .post(format!("{}/w/{}/templates", h.url, ws.id))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Thanks"),
            ("body", "Thank you {first_name}!"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let template = h.store.items().templates(&ws.id).unwrap()[0].id.to_string();
    let post = async |fields: Vec<(&str, String)>| -> String {
        let r = c.post(&base).form(&fields).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let to = r.headers()["location"].to_str().unwrap().to_string();
        crate::support::get_text(&c, format!("{}{to}", h.url)).await
    };
    let form = |delay: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("name", "Happy customers".to_string()),
            ("stars", "4".to_string()),
            ("stars", "5".to_string()),
            ("template", template.clone()),
            ("delay_minutes", delay.to_string()),
            ("location", loc.id.to_string()),
            ("enabled", "on".to_string()),
        ]
    };
    // Refused forms say why and make nothing.
    for (delay, why) in [("1", "delay_minutes"), ("soon", "not a number")] {
        let page = post(form(delay)).await;
        assert!(
            page.contains("role=\"alert\"") && page.contains(why),
            "{page}"
        );
    }
    let mut no_stars = form("60");
    no_stars.retain(|(k, _)| *k != "stars");
    assert!(post(no_stars).await.contains("stars:"));
    assert!(h.store.auto_replies().rules(&ws.id).unwrap().is_empty());

    let page = post(form("90")).await;
    assert!(page.contains("Rule saved"), "{page}");
    let rules = h.store.auto_replies().rules(&ws.id).unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!(
        (
            rules[0].stars.clone(),
            rules[0].delay_minutes,
            rules[0].locations.clone()
        ),
        (vec![4, 5], 90, vec![loc.id])
    );
    assert!(page.contains("4★, 5★ without text") && page.contains("after 90 minutes"));
    // Switched off by its own form (the checkbox left out).
    let mut off = form("90");
    off.retain(|(k, _)| *k != "enabled");
    off.push(("id", rules[0].id.to_string()));
    assert!(post(off).await.contains("Rule saved"));
    assert!(!h.store.auto_replies().rules(&ws.id).unwrap()[0].enabled);
    // A forged CSRF token changes nothing; the delete button removes it.
    let mut forged = form("60");
    forged[0].1 = "forged".into();
    let r = c.post(&base).form(&forged).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = c
        .post(format!("{base}/{}/delete", rules[0].id))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(h.store.auto_replies().rules(&ws.id).unwrap().is_empty());
}
