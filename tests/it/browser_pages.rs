//! Every page in real headless Chromium, at a laptop's width (1280×900) and a phone's
//! (390×844): found by following the links a signed-in administrator sees (not a list that
//! could forget a page), plus the public pages behind a campaign email. Fails when a page is
//! wider than a phone's screen or a chart's label is drawn under 10 px; screenshots of each
//! page at both widths go to the test artifacts.

use crate::browser_inbox::artifacts;
use crate::campaigns::dkim_key;
use crate::inproc::InProc;
use crate::providers::point_at;
use crate::support::{Smtp, eventually, token_in, unquote};
use crate::webdriver::Browser;
use plaudit::fakes::FakeProviders;
use serde_json::{Value, json};
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

/// What the page says about its own width, its charts' smallest label and its links.
const FACTS: &str = r#"
const d = document.documentElement;
const wide = [];
for (const e of document.querySelectorAll('body *')) {
  const r = e.getBoundingClientRect();
  if (r.width > 0 && r.right > d.clientWidth + 1) {
    let clipped = false;
    for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'hidden' || o === 'scroll') { clipped = true; break; }
    }
    if (!clipped || wide.length < 3) wide.push((clipped ? '(in a scroll box) ' : '') + e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && e.className.baseVal === undefined ? '.' + e.className : ''));
  }
}
let smallest = null;
for (const t of document.querySelectorAll('svg text')) {
  const r = t.getBoundingClientRect();
  if (r.width === 0) continue;
  const m = t.getScreenCTM();
  const px = parseFloat(getComputedStyle(t).fontSize) * Math.abs(m ? m.d : 1);
  if (smallest === null || px < smallest) smallest = px;
}
arguments[0]({
  scroll: d.scrollWidth, client: d.clientWidth, inner: window.innerWidth,
  title: document.title, wide: wide.slice(0, 6), smallest,
  links: Array.from(document.querySelectorAll('a[href]'))
    .filter(a => !a.hasAttribute('download') && a.target !== '_blank')
    .map(a => a.getAttribute('href')),
});
"#;

/// A path with its ids replaced, so one page of each kind is visited.
fn kind_of(path: &str) -> String {
    path.split('/')
        .map(|s| {
            if s.len() >= 20 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                "{id}"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether the crawl follows a link: this server's pages only, never an action, a download,
/// an API answer or a provider's consent screen.
fn followed(href: &str) -> Option<String> {
    let path = href.split(['?', '#']).next()?;
    let skip = ["/api/", "/auth/", "/logout", "/o/", "/assets/", "/metrics"];
    let files = [".csv", ".zip", ".json", ".png", ".svg", ".pdf", ".ics"];
    (path.starts_with('/')
        && !path.starts_with("//")
        && !skip.iter().any(|s| path.starts_with(s))
        && !files.iter().any(|s| path.ends_with(s)))
    .then(|| path.to_string())
}

/// Opens `url` at both widths: screenshots, and the problems at phone width.
async fn visit(b: &Browser, base: &str, path: &str, name: &str) -> (Value, Vec<String>) {
    let dir = artifacts().join("pages");
    std::fs::create_dir_all(&dir).unwrap();
    b.window_size(1280, 900).await;
    b.goto(&format!("{base}{path}")).await;
    b.screenshot(&dir.join(format!("{name}.png"))).await;
    b.window_size(390, 844).await;
    let facts = b.run_async(FACTS).await;
    b.screenshot(&dir.join(format!("{name}-phone.png"))).await;
    let mut problems = Vec::new();
    assert!(
        facts["inner"].as_u64().unwrap() <= 400,
        "the window is a phone's: {facts}"
    );
    if facts["scroll"].as_u64() > facts["client"].as_u64() {
        problems.push(format!(
            "{path} is {} px wide at {} px; too wide: {}",
            facts["scroll"], facts["client"], facts["wide"]
        ));
    }
    if let Some(px) = facts["smallest"].as_f64()
        && px < 10.0
    {
        problems.push(format!(
            "{path}: a chart label is {px:.1} px at phone width"
        ));
    }
    (facts, problems)
}

fn name_of(kind: &str) -> String {
    let n = kind
        .trim_matches('/')
        .replace("{id}", "x")
        .replace('/', "-");
    if n.is_empty() { "home".into() } else { n }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_fits_a_phone_and_is_photographed_at_both_widths() {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(tmp.path());
    let (key, _) = dkim_key(tmp.path());
    let fake = FakeProviders::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let fake_base = fake.base_url();
    let (port, key_file) = (smtp.port, key.clone());
    let h = InProc::start(move |c| {
        point_at(c, &fake_base);
        c.smtp.host = Some("127.0.0.1".into());
        c.smtp.port = port;
        c.smtp.security = plaudit::config::SmtpSecurity::None;
        c.smtp.from = "Reviews <reviews@shop.example>".into();
        c.smtp.dkim_domain = Some("shop.example".into());
        c.smtp.dkim_selector = Some("mail".into());
        c.smtp.dkim_key_file = Some(key_file);
        plaudit::mail::dkim::validate(&mut c.smtp).unwrap();
    })
    .await;
    let demo = plaudit::demo::install(&h.store, &fake, plaudit::Clock::now(&h.clock)).unwrap();
    let ws = demo.workspace;
    h.run_jobs().await;
    // A contact, a campaign sent to her (so the campaign, the feedback page and the
    // unsubscribe page exist) and a draft.
    let email = plaudit::domain::Email::parse(&demo.email).unwrap();
    let admin = h.store.users().by_email(&email).unwrap().unwrap();
    let now = plaudit::Clock::now(&h.clock);
    let (token, _) = h.keys.issue(&h.store, &admin.id, "127.0.0.1", now).unwrap();
    let api = h.api().as_(&token);
    let (_, locs) = api.get(&format!("/workspaces/{ws}/locations")).await;
    let loc = locs["items"][0]["id"].clone();
    let (s, v) = api
        .post(
            &format!("/workspaces/{ws}/contacts"),
            json!([{"email": "dora@example.net", "name": "Dora Marquez", "location": loc}]),
        )
        .await;
    assert!(s.is_success(), "{v}");
    let (_, c) = api
        .post(
            &format!("/workspaces/{ws}/campaigns"),
            json!({"name": "After the visit"}),
        )
        .await;
    let (s, v) = api
        .post(
            &format!(
                "/workspaces/{ws}/campaigns/{}/send",
                c["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    assert!(s.is_success(), "{v}");
    api.post(
        &format!("/workspaces/{ws}/campaigns"),
        json!({"name": "Next season (draft)"}),
    )
    .await;
    h.run_jobs().await;
    assert!(eventually(Duration::from_secs(20), || !smtp.messages().is_empty()).await);
    // A customer not asked yet, so the draft shows whom it will mail and its email for her.
    api.post(
        &format!("/workspaces/{ws}/contacts"),
        json!([{"email": "eli@example.net", "name": "Eli Brandt", "location": loc}]),
    )
    .await;
    let mail = unquote(&smtp.messages()[0]);
    let feedback = format!("/f/{}", token_in(&mail, "/f/"));
    let unsubscribe = format!("/u/{}", token_in(&mail, "/u/"));
    // A location's public feedback link (its QR code's target) and the demo set's wall.
    let path_of =
        |url: &str| url[url.find("/r/").or_else(|| url.find("/s/")).unwrap()..].to_string();
    let (_, link) = api
        .get(&format!(
            "/workspaces/{ws}/locations/{}/feedback-link",
            loc.as_str().unwrap()
        ))
        .await;
    let link_page = path_of(link["url"].as_str().unwrap());
    let (_, sets) = api.get(&format!("/workspaces/{ws}/showcases")).await;
    let wall = path_of(sets["items"][0]["wall_url"].as_str().unwrap());

    let b = Browser::start().await;
    b.goto(&format!("{}/login", h.url)).await;
    b.fill("input[name=email]", &demo.email).await;
    b.fill("input[name=password]", &demo.password).await;
    b.click("form[action='/login'] button[type=submit]").await;
    b.wait_for("Workspaces").await;

    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut queue: VecDeque<String> = VecDeque::from([format!("/w/{ws}"), "/w".into()]);
    let mut problems = Vec::new();
    while let Some(path) = queue.pop_front() {
        let kind = kind_of(&path);
        if seen.contains_key(&kind) || seen.len() >= 60 {
            continue;
        }
        let (facts, mut p) = visit(&b, &h.url, &path, &name_of(&kind)).await;
        problems.append(&mut p);
        seen.insert(kind, facts["title"].to_string());
        for href in facts["links"].as_array().unwrap() {
            if let Some(next) = followed(href.as_str().unwrap()) {
                queue.push_back(next);
            }
        }
    }
    // Pages a signed-in person reaches: every workspace tab, the admin pages, the account.
    for must in [
        "/w/{id}/inbox",
        "/w/{id}/dashboard",
        "/w/{id}/auto-replies",
        "/w/{id}/report",
        "/w/{id}/campaigns/{id}",
        "/w/{id}/locations/{id}",
        "/w/{id}/privacy",
        "/w/{id}/audit",
        "/admin/mail",
        "/admin/traffic",
        "/account",
    ] {
        assert!(seen.contains_key(must), "the crawl missed {must}: {seen:?}");
    }
    // Connections show the items of the last sync and in total.
    b.goto(&format!("{}/w/{ws}/connections", h.url)).await;
    let cells = b
        .run_async(
            "arguments[0]([...document.querySelectorAll('td')].map(t => t.textContent.trim())
               .filter(t => /^[0-9][0-9,]* \\/ [0-9][0-9,]*$/.test(t)))",
        )
        .await;
    let totals: Vec<u64> = cells
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let t = c.as_str().unwrap().split(" / ").nth(1).unwrap();
            t.replace(',', "").parse().unwrap()
        })
        .collect();
    assert!(
        !totals.is_empty() && totals.iter().sum::<u64>() > 0,
        "{cells}"
    );
    // The monthly report: a month picker, a Print button, and at most two printed pages on A4
    // and on Letter, counted by poppler's pdfinfo; its text read back by pdftotext.
    let report = format!("/w/{ws}/report?location={}", loc.as_str().unwrap());
    b.window_size(1280, 900).await;
    b.goto(&format!("{}{report}", h.url)).await;
    let tools = b
        .run_async(
            "arguments[0]([!!document.querySelector('input[type=month][name=month]'),
                           document.querySelector('button[data-print]').hidden])",
        )
        .await;
    assert_eq!(tools, json!([true, false]), "month picker and Print button");
    for (paper, w, hgt) in [("a4", 21.0, 29.7), ("letter", 21.59, 27.94)] {
        let pdf = artifacts().join(format!("report-{paper}.pdf"));
        std::fs::write(&pdf, b.print_pdf(w, hgt).await).unwrap();
        let info = std::process::Command::new("pdfinfo")
            .arg(&pdf)
            .output()
            .expect("pdfinfo (scripts/test installs poppler-utils)");
        let info = String::from_utf8_lossy(&info.stdout).to_string();
        let pages: u32 = info
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .unwrap_or_else(|| panic!("{info}"))
            .trim()
            .parse()
            .unwrap();
        assert!(
            (1..=2).contains(&pages),
            "the report prints on {pages} {paper} pages"
        );
        let text = std::process::Command::new("pdftotext")
            .args([pdf.as_os_str(), "-".as_ref()])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(text.contains("Review report for"), "{text}");
        assert!(
            !text.contains("Print or save as PDF"),
            "the tools do not print: {text}"
        );
    }
    // A page that does not exist, signed in.
    visit(&b, &h.url, "/w/no-such-page", "not-found").await;
    let missing = b.source().await;
    assert!(
        missing.contains("There is nothing at this address") && missing.contains("Sign out"),
        "a signed-in person's 404 shows them signed in: {missing}"
    );
    // A page request the WAF refuses is drawn in the layout, with its id and a way back.
    let r = crate::support::http()
        .get(format!(
            "{}/login?next=%3Cscript%3Ealert(document.cookie)%3C/script%3E",
            h.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::FORBIDDEN);
    let refused = r.text().await.unwrap();
    for shown in [
        "rel=\"stylesheet\"",
        "id=\"refused\"",
        "quote the request id",
        "href=\"/w\"",
    ] {
        assert!(refused.contains(shown), "{shown}: {refused}");
    }
    // The public pages, signed out.
    b.goto(&format!("{}/w", h.url)).await;
    b.click("form[action='/logout'] button").await;
    b.wait_for("Sign in").await;
    for (path, name) in [
        ("/login", "login"),
        ("/register", "register"),
        ("/reset", "reset"),
        ("/privacy", "privacy-notice"),
        (feedback.as_str(), "feedback-page"),
        (unsubscribe.as_str(), "unsubscribe-page"),
        (link_page.as_str(), "feedback-link-page"),
        (wall.as_str(), "showcase-wall"),
    ] {
        let (_, mut p) = visit(&b, &h.url, path, name).await;
        problems.append(&mut p);
    }
    assert!(
        seen.len() >= 20,
        "only {} pages found: {seen:?}",
        seen.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
