//! Plan limits are enforced by the server with a clear message; account self-service works.

use crate::inproc::InProc;
use crate::support::wait_for_link;
use plaudit::domain::Role;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_limits_on_locations_members_and_api() {
    let h = InProc::start(|c| {
        let p = c.plans.get_mut("standard").unwrap();
        p.max_locations = 2;
        p.max_members = 2;
        c.plans.insert(
            "basic".into(),
            plaudit::config::PlanConfig {
                max_locations: 1,
                max_members: 5,
                campaigns: false,
                max_campaigns: 0,
                api: false,
            },
        );
    })
    .await;
    let (owner, t) = h.user("owner@example.com", false);
    let ws = h.workspace("Shop", &owner);
    let c = h.http();
    let api = |p: &str| format!("{}/api/v1/workspaces/{}{p}", h.url, ws.id);
    for (i, expect) in [(1, 201), (2, 201), (3, 403)] {
        let r = c
            .post(api("/locations"))
            .bearer_auth(&t)
            .json(&json!({"name": format!("L{i}"), "timezone": "UTC"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), expect);
        if expect == 403 {
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["error"]["code"], "plan_limit");
            assert!(
                body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("allows 2 active locations")
            );
        }
    }
    // Archiving frees a slot; restoring over the limit is refused.
    let list: Value = c
        .get(api("/locations"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first = list["items"][0]["id"].as_str().unwrap().to_string();
    let r = c
        .patch(api(&format!("/locations/{first}")))
        .bearer_auth(&t)
        .json(&json!({"archived": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        c.post(api("/locations"))
            .bearer_auth(&t)
            .json(&json!({"name": "L3", "timezone": "UTC"}))
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
    let r = c
        .patch(api(&format!("/locations/{first}")))
        .bearer_auth(&t)
        .json(&json!({"archived": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // Members: the owner plus one invitation fill a plan of two.
    assert_eq!(
        c.post(api("/members"))
            .bearer_auth(&t)
            .json(&json!({"email": "a@example.com", "role": "viewer"}))
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
    let r = c
        .post(api("/members"))
        .bearer_auth(&t)
        .json(&json!({"email": "b@example.com", "role": "viewer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // A plan whose limits the workspace exceeds cannot be chosen; API access follows the plan.
    let r = c
        .patch(api(""))
        .bearer_auth(&t)
        .json(&json!({"plan": "basic"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let key: Value = c
        .post(api("/api-keys"))
        .bearer_auth(&t)
        .json(&json!({"name": "k", "scopes": ["read"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = key["key"].as_str().unwrap().to_string();
    assert_eq!(
        c.get(api("/locations"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let set_plan = |plan: &'static str| {
        h.store
            .workspaces()
            .update(&ws.id, |w, _| {
                w.plan = plan.into();
                Ok(None)
            })
            .unwrap()
            .unwrap();
    };
    set_plan("basic");
    let r = c
        .get(api("/locations"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "plan_limit"
    );
    let r = c
        .post(api("/api-keys"))
        .bearer_auth(&t)
        .json(&json!({"name": "k2", "scopes": ["read"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Revoked keys stop working at once.
    let id = key.split('_').nth(1).unwrap();
    set_plan("standard");
    assert_eq!(
        c.delete(api(&format!("/api-keys/{id}")))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        c.get(api("/locations"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_keep_an_owner_and_accounts_can_leave() {
    let h = InProc::start(|_| {}).await;
    let (owner, t) = h.user("owner@example.com", false);
    let (member, mt) = h.user("member@example.com", false);
    let ws = h.workspace("Shop", &owner);
    h.add(&ws, &member, Role::Manager);
    let c = h.http();
    let url = format!("{}/api/v1/workspaces/{}/members/{}", h.url, ws.id, owner.id);
    let r = c
        .patch(&url)
        .bearer_auth(&t)
        .json(&json!({"role": "viewer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409, "the last owner cannot step down");
    // The last owner of a shared workspace cannot delete their account.
    let r = c
        .delete(format!("{}/api/v1/me", h.url))
        .bearer_auth(&t)
        .json(&json!({"password": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    // A member can.
    let r = c
        .delete(format!("{}/api/v1/me", h.url))
        .bearer_auth(&mt)
        .json(&json!({"password": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(h.store.users().get(&member.id).unwrap().is_none());
    assert_eq!(h.store.workspaces().counts(&ws.id).unwrap().members, 1);
    assert_eq!(
        c.get(format!("{}/api/v1/me", h.url))
            .bearer_auth(&mt)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_email_takes_effect_when_the_new_address_confirms() {
    let h = InProc::start(|_| {}).await;
    let (mut user, t) = h.user("old@example.com", false);
    user.password_hash = plaudit::services::passwords::hash_password(
        &plaudit::domain::Password::parse("a fine password".into()).unwrap(),
    )
    .unwrap();
    h.store.users().put(&user).unwrap();
    let c = h.http();
    let r = c
        .post(format!("{}/api/v1/me/email", h.url))
        .bearer_auth(&t)
        .json(&json!({"password": "wrong password", "new_email": "new@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "asks for the password again");
    let r = c
        .post(format!("{}/api/v1/me/email", h.url))
        .bearer_auth(&t)
        .json(&json!({"password": "a fine password", "new_email": "new@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let me: Value = c
        .get(format!("{}/api/v1/me", h.url))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "old@example.com", "unchanged until confirmed");
    let (_, token) = wait_for_link(
        &h.dir.path().join("data/mail"),
        "new@example.com",
        "/verify/",
        &mut vec![],
    );
    let r = c
        .post(format!("{}/api/v1/auth/verify", h.url))
        .json(&json!({"token": token}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let me: Value = c
        .get(format!("{}/api/v1/me", h.url))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "new@example.com");
    assert!(
        h.store
            .users()
            .by_email(&plaudit::domain::Email::parse("old@example.com").unwrap())
            .unwrap()
            .is_none()
    );
}

/// A key acts for its creator: removed, the creator's keys answer 401 at once; demoted, they
/// can do no more than the creator now may.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_die_with_their_creators_access() {
    let h = InProc::start(|_| {}).await;
    let (owner, ot) = h.user("owner@example.com", false);
    let (manager, mt) = h.user("manager@example.com", false);
    let ws = h.workspace("Shop", &owner);
    h.add(&ws, &manager, Role::Owner);
    let c = h.http();
    let api = |p: &str| format!("{}/api/v1/workspaces/{}{p}", h.url, ws.id);
    let make_key = |token: String| {
        let c = c.clone();
        let url = api("/api-keys");
        async move {
            let body: Value = c
                .post(url)
                .bearer_auth(token)
                .json(&json!({"name": "ci", "scopes": ["admin"]}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            body["key"].as_str().unwrap().to_string()
        }
    };
    let key = make_key(mt.clone()).await;
    assert_eq!(
        c.get(api("/members"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // Demoted to viewer: the admin key now only reads.
    let r = c
        .patch(api(&format!("/members/{}", manager.id)))
        .bearer_auth(&ot)
        .json(&json!({"role": "viewer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        c.get(api("/members"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let r = c
        .post(api("/members"))
        .bearer_auth(&key)
        .json(&json!({"email": "x@example.com", "role": "owner"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "no more than its creator may do now");
    // Removed: every use answers 401 at once.
    let (status, _) = h
        .api()
        .as_(&ot)
        .delete(&format!("/workspaces/{}/members/{}", ws.id, manager.id))
        .await;
    assert_eq!(status, 204);
    for (method, path) in [("GET", "/members"), ("POST", "/members")] {
        let mut req = c
            .request(method.parse().unwrap(), api(path))
            .bearer_auth(&key);
        if method == "POST" {
            req = req.json(&json!({"email": "manager@example.com", "role": "owner"}));
        }
        assert_eq!(req.send().await.unwrap().status(), 401, "{method} {path}");
    }
    let audit: Value = c
        .get(api("/audit"))
        .bearer_auth(&ot)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        audit
            .to_string()
            .contains("API keys they created stop working")
    );
}
