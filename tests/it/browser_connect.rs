//! Real headless Chromium through the connector pages: connect Google at the fake provider,
//! map its location, watch the inbox fill, reply, and see the reply published at the provider.

use crate::inproc::InProc;
use crate::providers::{Control, point_at};
use crate::webdriver::Browser;
use plaudit::domain::Password;
use plaudit::fakes::FakeProviders;
use plaudit::services::passwords;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_google_map_a_location_and_reply_in_chromium() {
    let fake = FakeProviders::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let base = fake.base_url();
    let h = InProc::start(move |c| {
        // Plain http on loopback: the provider sends Chromium back to this very server.
        c.server.public_url = None;
        point_at(c, &base);
    })
    .await;
    let control = Control::new(&fake);
    control
        .post(
            "google/locations",
            json!({"title": "Bakery on Main", "reviews": 12, "seed": 4}),
        )
        .await;
    let (mut user, _) = h.user("ana@example.com", false);
    user.password_hash =
        passwords::hash_password(&Password::parse("a fine password".into()).unwrap()).unwrap();
    h.store.users().put(&user).unwrap();
    let ws = h.workspace("Rossi Bakery", &user);
    let loc = h.location(&ws, 1);

    let b = Browser::start().await;
    b.goto(&format!("{}/login", h.url)).await;
    b.fill("input[name=email]", "ana@example.com").await;
    b.fill("input[name=password]", "a fine password").await;
    b.click("form[action='/login'] button[type=submit]").await;
    b.wait_for("Workspaces").await;

    b.goto(&format!("{}/w/{}/connections", h.url, ws.id)).await;
    b.wait_for("Connect Google").await;
    b.click("input[value=google] ~ button").await;
    b.wait_for("Allow").await;
    b.click("button[value=allow]").await;
    b.wait_for("Google connected").await;
    b.wait_for("Bakery on Main").await;
    b.click(&format!("option[value='{}']", loc.id)).await;
    b.click("input[value=map] ~ button[type=submit]").await;
    b.wait_for("now feeds that location").await;

    let inbox = format!("{}/w/{}/inbox", h.url, ws.id);
    let page = b.reload_until(&inbox, "Send reply", 30).await;
    assert_eq!(page.matches("<article").count(), 12);
    b.click("article details.composer summary").await;
    b.fill("textarea[name=text]", "Thank you <b>so</b> much!")
        .await;
    b.click("article form[action$='/reply'] button[type=submit]")
        .await;
    b.wait_for("on its way").await;
    let page = b.reload_until(&inbox, "Reply published", 30).await;
    assert!(
        page.contains("Thank you &lt;b&gt;so&lt;/b&gt; much!"),
        "the reply is text"
    );
    if let Ok(dir) = std::env::var("PLAUDIT_SCREENSHOT_DIR") {
        b.screenshot(&std::path::Path::new(&dir).join("inbox.png"))
            .await;
    }
    let state = control.state().await;
    let puts = state["counts"]["google_reply_puts"].as_object().unwrap();
    assert_eq!(puts.len(), 1);
    assert_eq!(puts.values().next().unwrap(), 1);
    b.goto(&format!("{}/w/{}/connections", h.url, ws.id)).await;
    let page = b.wait_for("Sync now").await;
    assert!(page.contains("active") && page.contains("Bakery on Main"));
}
