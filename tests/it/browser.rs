//! Real headless Chromium through the real pages: sign in, create a workspace and a location,
//! invite someone; hostile names stay text.

use crate::inproc::InProc;
use crate::webdriver::Browser;
use plaudit::domain::Password;
use plaudit::services::passwords;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_signs_in_and_sets_up_a_workspace_in_chromium() {
    // Plain http on loopback: the cookie is not `Secure`, so no public https URL here.
    let h = InProc::start(|c| c.server.public_url = None).await;
    let (mut user, _) = h.user("ana@example.com", false);
    user.name = "Ana <img src=x onerror=alert(1)>".into();
    user.password_hash =
        passwords::hash_password(&Password::parse("a fine password".into()).unwrap()).unwrap();
    h.store.users().put(&user).unwrap();

    let b = Browser::start().await;
    b.goto(&format!("{}/w", h.url)).await;
    b.wait_for("Sign in").await;
    assert!(
        b.url().await.contains("/login?next="),
        "unsigned visitors land on sign-in"
    );
    b.fill("input[name=email]", "ana@example.com").await;
    b.fill("input[name=password]", "a fine password").await;
    b.click("form[action='/login'] button[type=submit]").await;
    let page = b.wait_for("No workspaces yet").await;
    assert!(
        !page.contains("<img src=x onerror"),
        "a hostile name is shown as text"
    );

    b.fill("input[name=name]", "Rossi Bakery").await;
    b.click("form[action='/w'] button[type=submit]").await;
    b.wait_for("Workspace created").await;
    b.click("a[href$='/locations']").await;
    b.wait_for("Add a location").await;
    b.fill("form input[name=name]", "Via Roma").await;
    b.fill("form input[name=timezone]", "Europe/Rome").await;
    b.click("form[action$='/locations'] button[type=submit]")
        .await;
    b.wait_for("Via Roma added.").await;

    b.click("a[href$='/members']").await;
    b.wait_for("Invite someone").await;
    b.fill("form input[name=email]", "luca@example.com").await;
    b.click("form[action$='/members'] button[type=submit]")
        .await;
    b.wait_for("Invitation sent to luca@example.com.").await;
    if let Ok(dir) = std::env::var("PLAUDIT_SCREENSHOT_DIR") {
        b.screenshot(&std::path::Path::new(&dir).join("members.png"))
            .await;
    }
    let first = plaudit::store::PageRequest::first(10);
    let ws = h
        .store
        .workspaces()
        .of_user(&user.id, &first)
        .unwrap()
        .items;
    assert_eq!(ws.len(), 1);
    assert_eq!(
        h.store.locations().page(&ws[0].0, &first).unwrap().items[0].name,
        "Via Roma"
    );
    assert_eq!(
        h.store.invitations().page(&ws[0].0, &first).unwrap().items[0]
            .email
            .as_str(),
        "luca@example.com"
    );
}

/// Login CSRF in a real browser: a provider URL an attacker started and handed over, opened and
/// consented to in the victim's Chromium, signs nobody in there and links nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_url_handed_to_another_browser_signs_nobody_in_chromium() {
    let fake = plaudit::fakes::FakeProviders::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let base = fake.base_url();
    let h = InProc::start(move |c| {
        // Plain http on loopback, so the provider sends Chromium back to this very server.
        c.server.public_url = None;
        c.accounts.registration = plaudit::config::Registration::Open;
        let g = &mut c.providers.google;
        g.client_id = Some("fake-google-client".into());
        g.client_secret = Some(plaudit::config::Secret::new("fake-google-secret"));
        g.auth_url = format!("{base}/o/oauth2/v2/auth").parse().unwrap();
        g.token_url = format!("{base}/token").parse().unwrap();
        g.userinfo_url = format!("{base}/v1/userinfo").parse().unwrap();
    })
    .await;
    let attacker = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    let r = attacker
        .get(format!("{}/auth/google/start", h.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let provider_url = r.headers()["location"].to_str().unwrap().to_string();

    let b = Browser::start().await;
    b.goto(&provider_url).await;
    b.wait_for("Allow").await;
    b.fill("input[name=subject]", "victim-sub").await;
    b.click("button[value=allow]").await;
    b.wait_for("another browser").await;
    assert!(
        h.store
            .users()
            .by_identity("google", "victim-sub")
            .unwrap()
            .is_none(),
        "no account was made or linked"
    );
    b.goto(&format!("{}/w", h.url)).await;
    b.wait_for("Sign in").await;
    assert!(
        b.url().await.contains("/login"),
        "Chromium is not signed in"
    );
}
