//! Sign in with Google and Facebook, end to end against the local fake providers: success,
//! declining, a replayed state, PKCE, a provider error page, and linking to an account.

use crate::inproc::{InProc, PUBLIC_URL};
use plaudit::config::Registration;
use plaudit::fakes::FakeProviders;
use reqwest::{Client, redirect::Policy};
use std::collections::HashMap;

fn browser() -> Client {
    Client::builder()
        .redirect(Policy::none())
        .cookie_store(true)
        .build()
        .unwrap()
}

async fn setup(registration: Registration) -> (InProc, FakeProviders) {
    let fake = FakeProviders::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let base = fake.base_url();
    let h = InProc::start(move |c| {
        c.accounts.registration = registration;
        let g = &mut c.providers.google;
        g.client_id = Some("fake-google-client".into());
        g.client_secret = Some(plaudit::config::Secret::new("fake-google-secret"));
        g.auth_url = format!("{base}/o/oauth2/v2/auth").parse().unwrap();
        g.token_url = format!("{base}/token").parse().unwrap();
        g.userinfo_url = format!("{base}/v1/userinfo").parse().unwrap();
        let f = &mut c.providers.facebook;
        f.client_id = Some("fake-facebook-app".into());
        f.client_secret = Some(plaudit::config::Secret::new("fake-facebook-secret"));
        f.dialog_url = base.parse().unwrap();
        f.graph_url = base.parse().unwrap();
    })
    .await;
    (h, fake)
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

/// Start at Plaudit, consent at the fake; returns the callback URL on the local server.
async fn consent(
    h: &InProc,
    c: &Client,
    provider: &str,
    person: &[(&str, &str)],
    start_query: &str,
) -> String {
    let r = c
        .get(format!("{}/auth/{provider}/start{start_query}", h.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let authorize = url::Url::parse(&location(&r)).unwrap();
    let q: HashMap<String, String> = authorize.query_pairs().into_owned().collect();
    assert_eq!(
        q["redirect_uri"],
        format!("{PUBLIC_URL}/auth/{provider}/callback"),
        "built from public_url"
    );
    assert_eq!(q["code_challenge_method"], "S256");
    assert!(q["state"].len() >= 32 && q["code_challenge"].len() >= 43);
    let page = c.get(authorize.as_str()).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let mut form: Vec<(String, String)> = ["client_id", "redirect_uri", "state", "code_challenge"]
        .iter()
        .map(|k| (k.to_string(), q[*k].clone()))
        .collect();
    form.push(("provider".into(), provider.into()));
    for (k, v) in [
        ("subject", "sub-1"),
        ("email", "pat@example.com"),
        ("name", "Pat"),
        ("fail", ""),
        ("decision", "allow"),
    ] {
        let v = person
            .iter()
            .find(|(pk, _)| *pk == k)
            .map_or(v, |(_, pv)| pv);
        form.push((k.into(), v.into()));
    }
    let r = c
        .post(format!(
            "{}://{}/consent",
            authorize.scheme(),
            authorize.host_str().unwrap().to_string()
                + ":"
                + &authorize.port().unwrap().to_string()
        ))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    location(&r).replace(PUBLIC_URL, &h.url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn google_and_facebook_sign_in_succeed_and_create_the_account_when_open() {
    let (h, _fake) = setup(Registration::Open).await;
    for (provider, subject) in [("google", "g-123"), ("facebook", "fb-456")] {
        let c = browser();
        let email = format!("{provider}@example.com");
        let callback = consent(
            &h,
            &c,
            provider,
            &[("subject", subject), ("email", &email)],
            "?next=/w",
        )
        .await;
        let r = c.get(&callback).send().await.unwrap();
        if provider == "facebook" {
            // Facebook does not vouch for addresses: the new account confirms by mail first.
            assert_eq!(r.status(), 403);
            assert!(r.text().await.unwrap().contains("confirmation link"));
            let maildir = h.dir.path().join("data/mail");
            let (_, token) =
                crate::support::wait_for_link(&maildir, &email, "/verify/", &mut Vec::new());
            let v = c
                .post(format!("{}/api/v1/auth/verify", h.url))
                .json(&serde_json::json!({"token": token}))
                .send()
                .await
                .unwrap();
            assert_eq!(v.status(), 200);
            let callback = consent(
                &h,
                &c,
                provider,
                &[("subject", subject), ("email", &email)],
                "?next=/w",
            )
            .await;
            let r = c.get(&callback).send().await.unwrap();
            assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
            assert_eq!(location(&r), "/w");
        } else {
            assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
            assert_eq!(location(&r), "/w");
        }
        let page = c
            .get(format!("{}/w", h.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Signed in."), "{page}");
        let user = h
            .store
            .users()
            .by_identity(provider, subject)
            .unwrap()
            .expect("identity linked by provider + subject");
        assert_eq!(user.email.as_str(), email);
        assert_eq!(
            user.identities[0]
                .picture_url
                .as_deref()
                .map(|u| u.starts_with("https://")),
            Some(true)
        );
        // The same person signing in again gets the same account.
        let c2 = browser();
        let callback = consent(
            &h,
            &c2,
            provider,
            &[("subject", subject), ("email", &email)],
            "",
        )
        .await;
        assert_eq!(c2.get(&callback).send().await.unwrap().status(), 303);
        assert_eq!(
            h.store
                .users()
                .by_identity(provider, subject)
                .unwrap()
                .unwrap()
                .id,
            user.id
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declining_replaying_and_provider_errors_sign_nobody_in() {
    let (h, _fake) = setup(Registration::Open).await;
    // The person declines.
    for provider in ["google", "facebook"] {
        let c = browser();
        let callback = consent(&h, &c, provider, &[("decision", "deny")], "").await;
        assert!(callback.contains("error=access_denied"));
        let r = c.get(&callback).send().await.unwrap();
        assert_eq!(r.status(), 403);
        assert!(r.text().await.unwrap().contains("You declined"));
    }
    // A replayed state is refused, even with a valid code.
    let c = browser();
    let callback = consent(&h, &c, "google", &[("subject", "replay")], "").await;
    assert_eq!(c.get(&callback).send().await.unwrap().status(), 303);
    let again = browser().get(&callback).send().await.unwrap();
    assert_eq!(again.status(), 400);
    assert!(again.text().await.unwrap().contains("not valid any more"));
    // A forged state never started here is refused.
    let r = browser()
        .get(format!(
            "{}/auth/google/callback?code=abc&state={}",
            h.url,
            "f".repeat(64)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // The provider's token endpoint answers with an error page: a readable error, no session.
    let c = browser();
    let callback = consent(
        &h,
        &c,
        "google",
        &[("subject", "flaky"), ("fail", "token")],
        "",
    )
    .await;
    let r = c.get(&callback).send().await.unwrap();
    assert_eq!(r.status(), 502);
    let text = r.text().await.unwrap();
    assert!(text.contains("Google did not answer properly"), "{text}");
    assert!(
        h.store
            .users()
            .by_identity("google", "flaky")
            .unwrap()
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pkce_binds_the_code_to_the_browser_that_started() {
    let (h, fake) = setup(Registration::Open).await;
    // The attacker completes a flow of their own and plants their code in the victim's callback.
    let attacker = browser();
    let attacker_callback = consent(&h, &attacker, "google", &[("subject", "attacker")], "").await;
    let code = url::Url::parse(&attacker_callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let victim = browser();
    let victim_callback = consent(&h, &victim, "google", &[("subject", "victim")], "").await;
    let mut forged = url::Url::parse(&victim_callback).unwrap();
    let state = forged
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    forged
        .query_pairs_mut()
        .clear()
        .append_pair("code", &code)
        .append_pair("state", &state);
    let r = victim.get(forged.as_str()).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let text = r.text().await.unwrap();
    assert!(text.contains("could not confirm the sign-in"), "{text}");
    assert!(
        !text.contains("Invalid code verifier"),
        "the provider's words stay in the log"
    );
    assert!(
        h.store
            .users()
            .by_identity("google", "attacker")
            .unwrap()
            .is_none()
    );
    // And the token endpoint refuses an exchange that carries no verifier at all.
    let fresh = consent(&h, &browser(), "google", &[("subject", "someone")], "").await;
    let code = url::Url::parse(&fresh)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let r = reqwest::Client::new()
        .post(format!("{}/token", fake.base_url()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("client_id", "fake-google-client"),
            ("client_secret", "x"),
            (
                "redirect_uri",
                &format!("{PUBLIC_URL}/auth/google/callback"),
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error_description"],
        "Missing code verifier."
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_alone_never_signs_in_and_linking_needs_a_session() {
    let (h, _fake) = setup(Registration::Invite).await;
    let (ana, _) = h.user("pat@example.com", false);
    // Same email at the provider, not linked: refused, no takeover.
    let c = browser();
    let callback = consent(
        &h,
        &c,
        "google",
        &[("subject", "g-ana"), ("email", "pat@example.com")],
        "",
    )
    .await;
    let r = c.get(&callback).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("no Plaudit account is linked")
    );
    // Linking starts only from a signed-in session.
    let r = browser()
        .get(format!("{}/auth/google/start?link=1", h.url))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/login?next=/account");
    let signed = browser();
    let (token, _) = h
        .keys
        .issue(
            &h.store,
            &ana.id,
            "127.0.0.1",
            plaudit::Clock::now(&h.clock),
        )
        .unwrap();
    let jar_url = url::Url::parse(&h.url).unwrap();
    let c = Client::builder()
        .redirect(Policy::none())
        .cookie_provider(std::sync::Arc::new({
            let jar = reqwest::cookie::Jar::default();
            jar.add_cookie_str(&format!("__Host-plaudit_session={token}; Path=/"), &jar_url);
            jar
        }))
        .build()
        .unwrap();
    drop(signed);
    let callback = consent(&h, &c, "google", &[("subject", "g-ana")], "?link=1").await;
    let r = c.get(&callback).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/account");
    assert_eq!(
        h.store
            .users()
            .by_identity("google", "g-ana")
            .unwrap()
            .unwrap()
            .id,
        ana.id
    );
    // Now the Google sign-in works for that account.
    let fresh = browser();
    let callback = consent(&h, &fresh, "google", &[("subject", "g-ana")], "").await;
    assert_eq!(fresh.get(&callback).send().await.unwrap().status(), 303);
}

/// A provider URL handed to someone else signs nobody in and links nothing: the flow belongs
/// to the browser that started it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handed_over_provider_url_signs_nobody_in_and_links_nothing() {
    let (h, _fake) = setup(Registration::Open).await;
    // Plain sign-in (login CSRF): the attacker starts, the victim's browser comes back.
    let attacker = browser();
    let callback = consent(&h, &attacker, "google", &[("subject", "victim-sub")], "").await;
    let victim = browser();
    let r = victim.get(&callback).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(
        r.headers()
            .get("set-cookie")
            .is_none_or(|c| !c.to_str().unwrap().contains("plaudit_session=e"))
    );
    assert!(r.text().await.unwrap().contains("another browser"));
    assert!(
        h.store
            .users()
            .by_identity("google", "victim-sub")
            .unwrap()
            .is_none()
    );
    // Linking: a signed-in attacker starts `?link=1` and hands the URL over.
    let (attacker_user, attacker_token) = h.user("attacker@example.com", false);
    let jar_url = url::Url::parse(&h.url).unwrap();
    let attacker = Client::builder()
        .redirect(Policy::none())
        .cookie_provider(std::sync::Arc::new({
            let jar = reqwest::cookie::Jar::default();
            jar.add_cookie_str(
                &format!("__Host-plaudit_session={attacker_token}; Path=/"),
                &jar_url,
            );
            jar
        }))
        .build()
        .unwrap();
    let callback = consent(
        &h,
        &attacker,
        "google",
        &[("subject", "victim-google")],
        "?link=1",
    )
    .await;
    let r = browser().get(&callback).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(
        h.store
            .users()
            .by_identity("google", "victim-google")
            .unwrap()
            .is_none()
    );
    let attacker_now = h.store.users().get(&attacker_user.id).unwrap().unwrap();
    assert!(attacker_now.identities.is_empty(), "nothing was linked");
}

/// Text a provider (or anyone) puts in the callback URL never reaches the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_error_text_is_never_shown() {
    let (h, _fake) = setup(Registration::Open).await;
    let c = browser();
    let callback = consent(&h, &c, "google", &[("subject", "x")], "").await;
    let mut spoofed = url::Url::parse(&callback).unwrap();
    let state = spoofed
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    spoofed
        .query_pairs_mut()
        .clear()
        .append_pair("state", &state)
        .append_pair("error", "server_error")
        .append_pair(
            "error_description",
            "Your Plaudit licence expired. Call +1-555-0100",
        );
    let r = c.get(spoofed.as_str()).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let text = r.text().await.unwrap();
    assert!(!text.contains("licence") && !text.contains("555"), "{text}");
    assert!(
        text.contains("Google could not complete the sign-in"),
        "{text}"
    );
}

fn signed_in_browser(h: &InProc, user: &plaudit::domain::User) -> Client {
    let (token, _) = h
        .keys
        .issue(
            &h.store,
            &user.id,
            "127.0.0.1",
            plaudit::Clock::now(&h.clock),
        )
        .unwrap();
    let jar_url = url::Url::parse(&h.url).unwrap();
    Client::builder()
        .redirect(Policy::none())
        .cookie_provider(std::sync::Arc::new({
            let jar = reqwest::cookie::Jar::default();
            jar.add_cookie_str(&format!("__Host-plaudit_session={token}; Path=/"), &jar_url);
            jar
        }))
        .build()
        .unwrap()
}

/// Re-linking replaces the old identity everywhere; unlinking removes it, but never the last
/// way to sign in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relinking_and_unlinking_leave_no_stale_identity() {
    let (h, _fake) = setup(Registration::Invite).await;
    let (ana, _) = h.user("ana@example.com", false);
    let c = signed_in_browser(&h, &ana);
    for subject in ["g-old", "g-new"] {
        let callback = consent(&h, &c, "google", &[("subject", subject)], "?link=1").await;
        assert_eq!(c.get(&callback).send().await.unwrap().status(), 303);
    }
    let users = h.store.users();
    assert!(
        users.by_identity("google", "g-old").unwrap().is_none(),
        "no stale entry"
    );
    assert_eq!(
        users.by_identity("google", "g-new").unwrap().unwrap().id,
        ana.id
    );
    // The only way to sign in (no password): refused.
    let page = c
        .get(format!("{}/account", h.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = page.find("name=\"csrf-token\" content=\"").unwrap() + 27;
    let csrf = page[at..at + 64].to_string();
    let unlink = || {
        c.post(format!("{}/account/unlink/google", h.url))
            .header("origin", PUBLIC_URL)
            .form(&[("csrf", csrf.as_str())])
            .send()
    };
    assert_eq!(unlink().await.unwrap().status(), 303);
    assert!(
        users.by_identity("google", "g-new").unwrap().is_some(),
        "kept: the last way in"
    );
    // With a password it goes, index entry and all.
    let mut with_password = users.get(&ana.id).unwrap().unwrap();
    with_password.password_hash = "$argon2id$placeholder".into();
    users.put(&with_password).unwrap();
    assert_eq!(unlink().await.unwrap().status(), 303);
    assert!(users.by_identity("google", "g-new").unwrap().is_none());
    assert!(users.get(&ana.id).unwrap().unwrap().identities.is_empty());
}
