//! A location's feedback link end to end: its QR code as zbarimg decodes it, followed and
//! answered (no gating, one answer per browser a day, a honeypot, bad input), the alert, the
//! consenting answer shown by a set whose JSON-LD extruct reads; the per-address quota.

use crate::inproc::{InProc, PUBLIC_URL};
use crate::showcase::{local, shown};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::Write;

fn decode_qr(png: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("qr.png");
    std::fs::write(&file, png).unwrap();
    let out = std::process::Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(&file)
        .output()
        .expect("zbarimg (Debian's zbar-tools) is installed by scripts/test");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn extruct(html: &str) -> Value {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, json, extruct; print(json.dumps(extruct.extract(sys.stdin.read(), \
             syntaxes=['json-ld'], uniform=True)['json-ld']))",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut p| {
            p.stdin.take().unwrap().write_all(html.as_bytes())?;
            p.wait_with_output()
        })
        .expect("python3 with extruct (installed by scripts/test)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_qr_code_leads_to_a_feedback_page_whose_consenting_answers_a_set_marks_up() {
    let h = InProc::start(|_| {}).await;
    let (owner, token) = h.user("owner@example.com", false);
    let ws = h.workspace("Bakery", &owner);
    let mut loc = h.location(&ws, 1);
    loc.google_review_url = Some("https://search.google.com/local/writereview?placeid=X".into());
    h.store
        .locations()
        .save(&loc, u64::MAX, None)
        .unwrap()
        .unwrap();
    let api = h.api().as_(&token);
    let (s, link) = api
        .get(&format!(
            "/workspaces/{}/locations/{}/feedback-link",
            ws.id, loc.id
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{link}");
    let url = link["url"].as_str().unwrap().to_string();
    assert!(url.starts_with(&format!("{PUBLIC_URL}/r/")), "{url}");

    // The QR code as a member downloads it, decoded by zbarimg, is the link.
    let (pages, _) = crate::pages::signed_in_as(&h, "ana@example.com", "Ana").await;
    let ana = h
        .store
        .users()
        .by_email(&plaudit::domain::Email::parse("ana@example.com").unwrap())
        .unwrap()
        .unwrap();
    h.add(&ws, &ana, plaudit::domain::Role::Viewer);
    let qr = format!("{}/w/{}/locations/{}/qr", h.url, ws.id, loc.id);
    let png = pages.get(format!("{qr}.png")).send().await.unwrap();
    assert_eq!(png.status(), StatusCode::OK);
    assert_eq!(png.headers()["content-type"], "image/png");
    assert_eq!(decode_qr(&png.bytes().await.unwrap()), url);
    let svg = pages.get(format!("{qr}.svg")).send().await.unwrap();
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert!(svg.text().await.unwrap().starts_with("<svg"));
    let card = crate::support::get_text(
        &pages,
        format!("{}/w/{}/locations/{}/card?size=a5", h.url, ws.id, loc.id),
    )
    .await;
    assert!(card.contains("Shop 1") && card.contains("size: a5") && card.contains("<svg"));
    // Signed out: no QR code.
    let anon = h.http().get(format!("{qr}.png")).send().await.unwrap();
    assert_ne!(anon.status(), StatusCode::OK);

    // Followed: the page asks, and shows the public review link to every score.
    let page_url = local(&h, &url);
    let c = crate::support::http();
    let page = crate::support::get_text(&c, &page_url).await;
    assert!(page.contains("How was your visit to Shop 1"), "{page}");
    let answer = |score: &str, comment: &str, extra: &[(&'static str, &'static str)]| {
        let mut form: Vec<(&str, String)> =
            vec![("score", score.into()), ("comment", comment.into())];
        form.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        form
    };
    let r = c
        .post(&page_url)
        .form(&answer("1", "Cold coffee", &[("name", "Lee")]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("Max-Age=86400"),
        "{cookie}"
    );
    let thanks = r.text().await.unwrap();
    assert!(
        thanks.contains("Thank you, Lee") && thanks.contains("writereview"),
        "no gating"
    );
    let value = cookie.split(';').next().unwrap().to_string();
    // The same browser changes its answer instead of adding one.
    let r = c
        .post(&page_url)
        .header("cookie", &value)
        .form(&answer(
            "5",
            "Actually lovely",
            &[("name", "Lee"), ("publish", "1")],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Another browser adds one; a robot filling the honeypot adds nothing.
    c.post(&page_url)
        .form(&answer("4", "Nice", &[]))
        .send()
        .await
        .unwrap();
    let r = c
        .post(&page_url)
        .form(&answer(
            "5",
            "Buy pills",
            &[("website", "http://spam.example")],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Bad input: a clear refusal, nothing stored.
    let r = c
        .post(&page_url)
        .form(&answer("9", "", &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, fb) = api.get(&format!("/workspaces/{}/feedback", ws.id)).await;
    let answers = fb["items"].as_array().unwrap();
    assert_eq!(answers.len(), 2, "{fb}");
    assert!(
        answers
            .iter()
            .all(|a| a["via"] == "link" && a["contact"].is_null())
    );
    let lee = answers.iter().find(|a| a["name"] == "Lee").unwrap();
    assert_eq!(
        (lee["score"].as_u64(), lee["comment"].as_str()),
        (Some(5), Some("Actually lovely"))
    );
    assert!(
        lee["publish_consent"]
            .as_str()
            .unwrap()
            .contains("Bakery may show")
    );
    // The low first answer alerted the owner, once, naming it as coming through the link.
    h.run_jobs().await;
    let alerts: Vec<String> = std::fs::read_dir(h.dir.path().join("data/mail"))
        .map(|d| {
            d.filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
                .filter(|m| m.contains("via QR/link"))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(alerts.len(), 1, "one alert for the low answer");
    assert!(alerts[0].contains("Lee"));
    // A forged token is the same 404 as any bad link.
    let r = c
        .get(format!("{}/r/AAAA{}", h.url, &url[url.len() - 10..]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // The other browser's answer deleted by a manager (spam, or the customer asking): gone.
    let other = answers.iter().find(|a| a["name"] == "").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, _) = api
        .delete(&format!("/workspaces/{}/feedback/{other}", ws.id))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, fb) = api.get(&format!("/workspaces/{}/feedback", ws.id)).await;
    assert_eq!(fb["items"].as_array().unwrap().len(), 1);
    // A set of first-party answers: only the consenting one shows, and its JSON-LD parses.
    let (_, set) = api
        .post(
            &format!("/workspaces/{}/showcases", ws.id),
            json!({"name": "Our customers", "sources": ["feedback"], "json_ld": true}),
        )
        .await;
    assert_eq!(shown(&h, &set).await, ["Lee"]);
    let wall = crate::support::get_text(&c, local(&h, set["wall_url"].as_str().unwrap())).await;
    let ld = extruct(&wall);
    let business = &ld[0];
    assert_eq!(business["@type"], "LocalBusiness", "{ld}");
    assert_eq!(business["name"], "Bakery");
    assert_eq!(business["review"].as_array().unwrap().len(), 1);
    assert_eq!(business["review"][0]["reviewBody"], "Actually lovely");
    assert_eq!(business["review"][0]["author"]["name"], "Lee");
    assert_eq!(business["aggregateRating"]["reviewCount"], 1);
}

/// Per-address quota on answers through public links: the 21st answer within the hour from
/// one address is refused (429), whatever browser it claims to be.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_cannot_pour_answers_into_a_location() {
    // The edge's public-page quota (a burst of 15 by default) is not what is tested here.
    let h = InProc::start(|c| c.limits.public_per_ip_per_minute = 10_000).await;
    let (owner, token) = h.user("owner@example.com", false);
    let ws = h.workspace("Bakery", &owner);
    let loc = h.location(&ws, 1);
    let (_, link) = h
        .api()
        .as_(&token)
        .get(&format!(
            "/workspaces/{}/locations/{}/feedback-link",
            ws.id, loc.id
        ))
        .await;
    let page_url = local(&h, link["url"].as_str().unwrap());
    let c = crate::support::http();
    let mut statuses = Vec::new();
    for i in 0..22 {
        let r = c
            .post(&page_url)
            .form(&[("score", "4"), ("comment", &format!("visit {i}"))])
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert!(statuses[..20].iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(statuses[20..], [429, 429]);
    let (_, fb) = h
        .api()
        .as_(&token)
        .get(&format!("/workspaces/{}/feedback?limit=100", ws.id))
        .await;
    assert_eq!(fb["items"].as_array().unwrap().len(), 20);
}
