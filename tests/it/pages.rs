//! Browser pages over HTTP: sign in by form, cookies, CSRF on every form, escaping, redirects.

use crate::inproc::InProc;
use plaudit::domain::Password;
use plaudit::services::passwords;
use reqwest::{Client, StatusCode, redirect::Policy};

fn browser() -> Client {
    Client::builder()
        .redirect(Policy::none())
        .cookie_store(true)
        .build()
        .unwrap()
}

pub fn csrf_of(html: &str) -> String {
    let at = html
        .find("name=\"csrf-token\" content=\"")
        .expect("a signed-in page carries its CSRF token")
        + 27;
    html[at..at + 64].to_string()
}

pub async fn signed_in(h: &InProc, name: &str) -> (Client, String) {
    signed_in_as(h, "ana@example.com", name).await
}

/// A person with a password, signed in through the login form: the cookie client and the
/// page's CSRF token.
pub async fn signed_in_as(h: &InProc, email: &str, name: &str) -> (Client, String) {
    let (mut user, _) = h.user(email, false);
    user.name = name.to_string();
    user.password_hash =
        passwords::hash_password(&Password::parse("a fine password".into()).unwrap()).unwrap();
    h.store.users().put(&user).unwrap();
    let c = browser();
    let r = c
        .post(format!("{}/login", h.url))
        .form(&[
            ("email", email),
            ("password", "a fine password"),
            ("next", "/w"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/w");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Secure"),
        "{cookie}"
    );
    assert!(
        cookie.starts_with("__Host-plaudit_session="),
        "an https public URL gives the __Host- prefix: {cookie}"
    );
    let page = c
        .get(format!("{}/w", h.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (c, csrf_of(&page))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_create_a_workspace_and_a_location_by_form() {
    let h = InProc::start(|_| {}).await;
    let (c, csrf) = signed_in(&h, "Ana <script>alert(1)</script>").await;
    let page = c
        .get(format!("{}/w", h.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("No workspaces yet"), "empty state");
    assert!(
        !page.contains("<script>alert(1)</script>"),
        "names are escaped"
    );
    assert!(page.contains("&#60;script&#62;") || page.contains("&lt;script&gt;"));

    let r = c
        .post(format!("{}/w", h.url))
        .header("Origin", &h.url)
        .form(&[("csrf", csrf.as_str()), ("name", "Rossi Bakery")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let ws_path = r.headers()["location"].to_str().unwrap().to_string();
    let page = c
        .get(format!("{}{ws_path}", h.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Rossi Bakery") && page.contains("Workspace created"),
        "flash shown after the redirect"
    );

    let r = c
        .post(format!("{}{ws_path}/locations", h.url))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Via Roma"),
            ("timezone", "Europe/Rome"),
            ("address", ""),
            ("google_review_url", ""),
            ("facebook_page_url", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = c
        .get(format!("{}{ws_path}/locations", h.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Via Roma added.") && page.contains("Europe/Rome"));

    // Bad input comes back as a readable message, keeps what was typed and changes nothing.
    let r = c
        .post(format!("{}{ws_path}/locations", h.url))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Corso Po"),
            ("address", "12 Corso Po, Torino"),
            ("timezone", "Mars/Olympus"),
            ("google_review_url", "https://g.page/r/corso/review"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("is not a time zone name"), "{page}");
    for kept in [
        "value=\"Corso Po\"",
        "value=\"12 Corso Po, Torino\"",
        "value=\"Mars/Olympus\"",
        "value=\"https://g.page/r/corso/review\"",
    ] {
        assert!(page.contains(kept), "{kept} lost: {page}");
    }
    assert!(
        page.contains("<option value=\"Europe/Rome\">"),
        "the time zone is chosen from the names the binary carries"
    );
    let page = c
        .get(format!("{}{ws_path}/locations", h.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(page.matches("/locations/").count(), 1, "still one location");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_form_posts_without_the_csrf_proof_are_refused() {
    let h = InProc::start(|_| {}).await;
    let (c, csrf) = signed_in(&h, "Ana").await;
    let url = format!("{}/w", h.url);
    let forged = [
        vec![("name", "No token")],
        vec![
            (
                "csrf",
                "0000000000000000000000000000000000000000000000000000000000000000",
            ),
            ("name", "Wrong token"),
        ],
    ];
    for form in forged {
        let r = c.post(&url).form(&form).send().await.unwrap();
        assert_eq!(r.status().as_u16(), if form.len() == 1 { 400 } else { 403 });
    }
    // The right token from another site is refused too.
    let r = c
        .post(&url)
        .header("Origin", "https://evil.example")
        .form(&[("csrf", csrf.as_str()), ("name", "Cross site")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = c
        .post(&url)
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("csrf", csrf.as_str()), ("name", "Cross site")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = c
        .post(format!("{}/logout", h.url))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "no forced sign-out");
    let page = c.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("No workspaces yet"), "nothing was created");
    // A cross-site sign-in form post is refused as well (login CSRF).
    let r = browser()
        .post(format!("{}/login", h.url))
        .header("Origin", "https://evil.example")
        .form(&[
            ("email", "ana@example.com"),
            ("password", "a fine password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_need_a_session_and_redirects_stay_on_site() {
    let h = InProc::start(|_| {}).await;
    let c = browser();
    let r = c
        .get(format!("{}/w/abc/members", h.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/login?next=%2Fw%2Fabc%2Fmembers");
    let (c, _) = signed_in(&h, "Ana").await;
    for next in [
        "//evil.example/x",
        "https://evil.example",
        "/\\evil.example",
        "/\t/evil.example/",
        "/\n/evil.example/",
        "\\\\evil.example",
        "/ /evil.example",
        "http:evil.example",
        "javascript:alert(1)",
        "%2F%2Fevil.example",
    ] {
        let r = c
            .get(format!("{}/login", h.url))
            .query(&[("next", next)])
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::FORBIDDEN {
            continue; // the WAF refused it before the page saw it: safe too
        }
        assert_eq!(r.headers()["location"], "/w", "next={next}");
    }
    // Another workspace's pages answer 404.
    let (other, _) = h.user("bob@example.com", false);
    let ws = h.workspace("Bob's", &other);
    let r = c
        .get(format!("{}/w/{}/locations", h.url, ws.id))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

/// Every redirect vector stays on this instance, on the form post too (where the browser goes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_form_redirects_stay_on_site() {
    let h = InProc::start(|_| {}).await;
    let (_c, _) = signed_in(&h, "Ana").await;
    for next in [
        "/\t/evil.example/",
        "/%09/evil.example/",
        "//evil.example",
        "/\\evil.example/x",
        "https://evil.example/",
        "\r\n//evil.example",
    ] {
        let r = browser()
            .post(format!("{}/login", h.url))
            .form(&[
                ("email", "ana@example.com"),
                ("password", "a fine password"),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let to = r.headers()["location"].to_str().unwrap().to_string();
        let resolved = url::Url::parse(crate::inproc::PUBLIC_URL)
            .unwrap()
            .join(&to)
            .unwrap();
        assert_eq!(
            resolved.host_str(),
            Some("reviews.example.test"),
            "next={next:?} → {to}"
        );
        assert!(!to.contains('\t') && !to.contains('\\'), "{to}");
    }
}

/// Pages carry the CSRF token next to reflected input: never compressed (BREACH); the API
/// still is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_never_compressed_but_the_api_is() {
    let h = InProc::start(|_| {}).await;
    let (c, _) = signed_in(&h, "Ana").await;
    for path in ["/w?q=reflected", "/account", "/nothing-here"] {
        let r = c
            .get(format!("{}{path}", h.url))
            .header("accept-encoding", "gzip, br")
            .send()
            .await
            .unwrap();
        let enc = r
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap().to_string());
        assert!(
            enc.as_deref().is_none_or(|e| e == "identity"),
            "{path}: {enc:?}"
        );
    }
    let r = h
        .http()
        .get(format!("{}/api/v1/openapi.json", h.url))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
}

/// A list page shows 200 rows and links to the next page: nothing is out of reach.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_lists_page_on_to_the_rest() {
    let h = InProc::start(|c| c.plans.get_mut("standard").unwrap().max_locations = 1000).await;
    let (c, _) = signed_in(&h, "Ana").await;
    let ana = h
        .store
        .users()
        .by_email(&plaudit::domain::Email::parse("ana@example.com").unwrap())
        .unwrap()
        .unwrap();
    let ws = h.workspace("Chain", &ana);
    for n in 0..205 {
        h.location(&ws, n);
    }
    let rows = |html: &str| html.matches(&format!("/w/{}/locations/", ws.id)).count();
    let first = c
        .get(format!("{}/w/{}/locations", h.url, ws.id))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(rows(&first), 200);
    let at = first.find("href=\"?cursor=").expect("a next-page link") + 6;
    let next = &first[at..at + first[at..].find('"').unwrap()];
    let second = c
        .get(format!("{}/w/{}/locations{next}", h.url, ws.id))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(rows(&second), 5);
    assert!(
        !second.contains("?cursor="),
        "the last page has no next link"
    );
}

/// A page address whose id is not one is the readable page 404, for GETs and form posts alike
/// (ids are parsed by the path extractor, never by hand).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_ids_in_page_addresses_answer_the_page_404() {
    let h = InProc::start(|_| {}).await;
    let (c, csrf) = signed_in(&h, "Ana").await;
    let r = c
        .post(format!("{}/w", h.url))
        .header("Origin", &h.url)
        .form(&[("csrf", csrf.as_str()), ("name", "Rossi Bakery")])
        .send()
        .await
        .unwrap();
    let ws_path = r.headers()["location"].to_str().unwrap().to_string();
    let ws = ws_path.trim_start_matches("/w/").split('/').next().unwrap();
    for path in [
        "/w/not-an-id/inbox".to_string(),
        "/w/01ARZ3NDEKTSV4RRFFQ69G5FA/dashboard".to_string(),
        format!("/w/{ws}/locations/nope"),
        format!("/w/{ws}/campaigns/{}", "9".repeat(200)),
        format!("/w/{ws}/connections/not%20an%20id"),
    ] {
        let r = c.get(format!("{}{path}", h.url)).send().await.unwrap();
        let status = r.status();
        let html = r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html");
        let body = r.text().await.unwrap();
        assert!(
            status == StatusCode::NOT_FOUND
                && html
                && body.contains("There is nothing at this address")
                && !body.contains("<script>"),
            "{path}: {status} {body}"
        );
    }
    let r = c
        .post(format!("{}/w/{ws}/members/nope/remove", h.url))
        .header("Origin", &h.url)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// Someone signed in through the login form who owns a fresh workspace `ws_name` with one
/// location: the cookie client, the page's CSRF token, the workspace and the location.
pub async fn signed_in_owner(
    h: &InProc,
    email: &str,
    ws_name: &str,
) -> (
    Client,
    String,
    plaudit::domain::Workspace,
    plaudit::domain::Location,
) {
    let (c, csrf) = signed_in_as(h, email, "Owner").await;
    let user = h
        .store
        .users()
        .by_email(&plaudit::domain::Email::parse(email).unwrap())
        .unwrap()
        .unwrap();
    let ws = h.workspace(ws_name, &user);
    let loc = h.location(&ws, 1);
    (c, csrf, ws, loc)
}
