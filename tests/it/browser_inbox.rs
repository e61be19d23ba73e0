//! Real headless Chromium through the inbox and the dashboard on the demo data: sign in,
//! filter, search, reply with a template and see it published at the fake provider, open the
//! dashboard and its charts, export CSV; screenshots (laptop and phone width) as artifacts;
//! and no Chromium process left behind.

use crate::inproc::InProc;
use crate::providers::{Control, point_at};
use crate::webdriver::Browser;
use plaudit::fakes::FakeProviders;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Where screenshots go: `PLAUDIT_SCREENSHOT_DIR`, or `target/test-artifacts`.
pub fn artifacts() -> PathBuf {
    let dir = std::env::var("PLAUDIT_SCREENSHOT_DIR").map_or_else(
        |_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-artifacts"),
        PathBuf::from,
    );
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Whether any process has the profile folder on its command line (read from /proc, so the
/// check needs no tool a fresh machine may lack).
fn chromium_running(profile: &std::path::Path) -> bool {
    let needle = profile.display().to_string();
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .any(|cmd| String::from_utf8_lossy(&cmd).contains(&needle))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbox_and_dashboard_on_the_demo_data_in_chromium() {
    let fake = FakeProviders::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let base = fake.base_url();
    let h = InProc::start(move |c| {
        c.server.public_url = None;
        point_at(c, &base);
    })
    .await;
    let control = Control::new(&fake);
    let demo = plaudit::demo::install(&h.store, &fake, plaudit::Clock::now(&h.clock)).unwrap();
    let ws = demo.workspace;
    let b = Browser::start().await;
    let profile = b.profile();
    b.goto(&format!("{}/login", h.url)).await;
    b.fill("input[name=email]", &demo.email).await;
    b.fill("input[name=password]", &demo.password).await;
    b.click("form[action='/login'] button[type=submit]").await;
    b.wait_for("Workspaces").await;
    let inbox = format!("{}/w/{}/inbox", h.url, ws);
    let page = b.reload_until(&inbox, "Older items", 60).await;
    assert_eq!(page.matches("<article").count(), 25, "a page of 25");

    // A template, so the composer and the bulk form offer it.
    b.goto(&format!("{}/w/{}/templates", h.url, ws)).await;
    b.fill("#new-template input[name=name]", "Thanks").await;
    b.fill(
        "#new-template textarea[name=body]",
        "Thank you {first_name}, see you soon at {location}!",
    )
    .await;
    b.click("#new-template button[type=submit]").await;
    b.wait_for("Template saved").await;

    // Filter: 5-star Google reviews not replied yet.
    b.goto(&inbox).await;
    b.click("select[name=rating] option[value='5']").await;
    b.click("select[name=source] option[value=google]").await;
    b.click("select[name=status] option[value=unreplied]").await;
    b.click("#filters button[type=submit]").await;
    b.wait_for("rating=5").await;
    // The whole document, not the part parsed when the address first showed the filter.
    let page = b.loaded_source().await;
    let shown = page.matches("<article").count();
    assert!(shown > 0, "{page}");
    assert_eq!(
        page.matches("aria-label=\"5 of 5 stars\"").count(),
        shown,
        "only 5 stars"
    );
    // The heading counts the results of these filters ("23 of 546").
    let heading = b
        .run_async("arguments[0](document.getElementById('result-count').textContent)")
        .await;
    let heading = heading.as_str().unwrap().to_string();
    let (n, all) = heading
        .trim_start_matches("more than ")
        .split_once(" of ")
        .unwrap_or_else(|| panic!("{heading}"));
    let n: usize = n.replace(',', "").parse().unwrap();
    assert!(
        all.replace(',', "").parse::<usize>().unwrap() > n,
        "{heading}"
    );
    if !page.contains("Older items") {
        assert_eq!(n, shown, "{heading}");
    }

    // The composer opens on demand (a click, or `r`), not under every item.
    assert_eq!(page.matches("<details class=\"composer\" open").count(), 0);
    b.click("article details.composer summary").await;
    // Reply to the first with the template, filled in by the page's script.
    // Choose "Thanks" as a person would, firing the select's change event.
    let filled = b
        .run_async(
            "const s = document.querySelector('article select.template-pick');
             s.value = [...s.options].find(o => o.textContent === 'Thanks').value;
             s.dispatchEvent(new Event('change'));
             arguments[0](document.querySelector('article textarea[name=text]').value)",
        )
        .await;
    let filled = filled.as_str().unwrap().to_string();
    assert!(
        filled.starts_with("Thank you ") && filled.contains("see you soon at"),
        "{filled}"
    );
    assert!(!filled.contains('{'), "placeholders filled: {filled}");
    let replied_to = b
        .run_async("arguments[0](document.querySelector('article').id)")
        .await;
    b.click("article form[action$='/reply'] button[type=submit]")
        .await;
    // The notice itself (a badge of another item may also say "on its way").
    b.wait_for("Reply saved").await;
    // Back at the same item, its result shown there, not at the top of the page.
    let url = b.url().await;
    assert!(
        url.ends_with(&format!("#{}", replied_to.as_str().unwrap())),
        "{url}"
    );
    // The page's script moves the notice once the document is ready: waited for, with a
    // deadline, not assumed. The item may have left this "not replied" list meanwhile (the
    // reply job can publish before the page is drawn): then the notice stays at the top.
    b.loaded_source().await;
    let end = Instant::now() + Duration::from_secs(10);
    let (note, present) = loop {
        let seen = b
            .run_async(&format!(
                "const m = document.querySelector('.flash-msg');
                 arguments[0]([m && m.closest('article') ? m.closest('article').id : null,
                               !!document.getElementById('{}')])",
                replied_to.as_str().unwrap()
            ))
            .await;
        let (note, present) = (seen[0].clone(), seen[1] == true);
        if !note.is_null() || !present || Instant::now() > end {
            break (note, present);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    if present {
        assert_eq!(note, replied_to, "the notice sits in the item replied to");
    } else {
        assert!(
            note.is_null(),
            "the item left the list: the notice stays at the top"
        );
    }
    let end = Instant::now() + Duration::from_secs(60);
    loop {
        let state = control.state().await;
        if !state["counts"]["google_reply_puts"]
            .as_object()
            .unwrap()
            .is_empty()
        {
            break;
        }
        assert!(
            Instant::now() < end,
            "the reply never reached the fake provider: {state}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // Once the provider took it, the worker marks it published.
    let mine = format!("{inbox}?status=replied&rating=5&source=google&q=soon");
    let end = Instant::now() + Duration::from_secs(30);
    loop {
        b.goto(&mine).await;
        let page = b.source().await;
        let at = page.find("see you soon at").unwrap_or(0);
        if at > 0
            && page[at..]
                .split("</blockquote>")
                .next()
                .unwrap()
                .contains("Reply published")
        {
            break;
        }
        assert!(
            Instant::now() < end,
            "our reply never showed as published: {page}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // Search through the index.
    b.goto(&inbox).await;
    b.fill("#search", "croissant").await;
    b.click("form.search button[type=submit]").await;
    let page = b.wait_for("q=croissant").await;
    let found = page.matches("<article").count();
    assert!(found > 0, "the demo reviews mention croissants");
    assert!(
        page.to_lowercase().matches("croissant").count() >= found,
        "every result mentions it"
    );
    b.goto(&inbox).await;
    b.window_size(1280, 1400).await;
    b.screenshot(&artifacts().join("inbox.png")).await;

    // The dashboard: figures and three charts with text alternatives.
    b.goto(&format!("{}/w/{}/dashboard", h.url, ws)).await;
    let page = b.wait_for("Average rating").await;
    assert!(page.matches("<svg class=\"chart\"").count() >= 3, "{page}");
    assert!(page.contains("<desc id=\"volume-d\">") && page.contains("Best rated"));
    b.window_size(1280, 1900).await;
    b.screenshot(&artifacts().join("dashboard.png")).await;
    b.window_size(390, 844).await;
    b.goto(&format!("{}/w/{}/dashboard", h.url, ws)).await;
    b.wait_for("Average rating").await;
    b.screenshot(&artifacts().join("dashboard-phone.png")).await;
    b.goto(&inbox).await;
    b.screenshot(&artifacts().join("inbox-phone.png")).await;
    // On a phone the filters fold behind one button and the first review shows at once.
    let phone = b
        .run_async(
            "arguments[0]([document.getElementById('filter-fold').open,
                           document.querySelector('article').getBoundingClientRect().top,
                           window.innerHeight])",
        )
        .await;
    assert_eq!(phone[0], false, "{phone}");
    assert!(
        phone[1].as_f64().unwrap() + 60.0 < phone[2].as_f64().unwrap(),
        "the first review is visible without scrolling: {phone}"
    );
    // Facebook recommendations are a rating of their own, never counted as stars.
    b.goto(&format!("{inbox}?rating=recommends")).await;
    let page = b.source().await;
    let shown = page.matches("<article").count();
    assert!(shown > 0, "the demo has recommendations: {page}");
    assert_eq!(page.matches("aria-label=\"recommends\"").count(), shown);
    assert!(!page.contains("of 5 stars"), "{page}");
    b.goto(&format!("{inbox}?rating=5&source=facebook")).await;
    assert!(!b.source().await.contains("aria-label=\"recommends\""));
    // An answered item with its "Delete the reply" button, at phone and laptop width.
    let scroll = "const f = document.querySelector(\"form[action$='/reply/delete']\");
                  if (f) { f.closest('article').scrollIntoView(); } arguments[0](!!f);";
    let replied = format!("{inbox}?status=replied");
    b.goto(&replied).await;
    assert_eq!(
        b.run_async(scroll).await,
        true,
        "an answered demo item offers deletion"
    );
    b.screenshot(&artifacts().join("inbox-reply-phone.png"))
        .await;
    b.window_size(1280, 900).await;
    b.goto(&replied).await;
    b.run_async(scroll).await;
    b.screenshot(&artifacts().join("inbox-reply.png")).await;
    // Deleting a reply asks first, on a page of its own (no script needed); cancel keeps it.
    b.click("form[action$='/reply/delete'] button[type=submit]")
        .await;
    let confirm = b.wait_for("Delete the reply?").await;
    assert!(confirm.contains("cannot be undone"), "{confirm}");
    b.click("#confirm a").await;
    b.wait_for("Delete the reply…").await;
    b.window_size(390, 844).await;

    // The CSV export of the filtered inbox, as the page's link fetches it.
    let csv = b
        .run_async(
            "const a = [...document.querySelectorAll('a')].find(x => x.textContent.includes('Export CSV'));
             fetch(a.href).then(r => r.text()).then(arguments[0]);",
        )
        .await;
    // The byte-order mark Excel needs is there; the browser's decoder hides it.
    let csv = csv.as_str().unwrap().trim_start_matches('\u{feff}');
    assert!(
        csv.starts_with("id,created_at,location,source,kind,author,rating,text"),
        "{csv}"
    );
    assert!(csv.lines().count() > 25);

    // The privacy page: a reviewer found by the name shown and erased from the browser.
    let first = h
        .store
        .items()
        .page(
            &ws,
            &Default::default(),
            &plaudit::store::PageRequest::first(1),
        )
        .unwrap();
    let author = first.items[0].author.name.clone();
    let privacy = format!("{}/w/{}/privacy", h.url, ws);
    b.window_size(1280, 1400).await;
    b.goto(&privacy).await;
    b.wait_for("Reviewers").await;
    b.screenshot(&artifacts().join("privacy.png")).await;
    b.window_size(390, 844).await;
    b.goto(&privacy).await;
    b.wait_for("Reviewers").await;
    b.screenshot(&artifacts().join("privacy-phone.png")).await;
    b.run_async("window.scrollTo(0, document.body.scrollHeight); arguments[0](true);")
        .await;
    b.screenshot(&artifacts().join("privacy-phone-end.png"))
        .await;
    let form = "form[action$='/privacy/reviewers']";
    b.fill(&format!("{form} input[name=name]"), &author).await;
    b.click(&format!("{form} input[value=erase]")).await;
    b.click(&format!("{form} button[type=submit]")).await;
    // Listed first, with the number to confirm; nothing goes before that.
    let preview = b.wait_for("id=\"erase-preview\"").await;
    let listed = h.store.items().by_author(&ws, Some(&author), None).unwrap();
    assert!(!listed.is_empty());
    assert!(
        preview.contains(&format!("name=\"expected\" value=\"{}\"", listed.len())),
        "{preview}"
    );
    b.screenshot(&artifacts().join("privacy-erase-preview-phone.png"))
        .await;
    let confirm = "#erase-preview form";
    b.click(&format!("{confirm} input[name=confirm]")).await;
    b.click(&format!("{confirm} button[type=submit]")).await;
    b.wait_for("Reviews and comments:").await;
    let left = h.store.items().by_author(&ws, Some(&author), None).unwrap();
    assert!(left.is_empty(), "{author} still has {} items", left.len());
    drop(b);
    let gone = crate::support::wait_until(Duration::from_secs(10), || !chromium_running(&profile));
    assert!(gone, "a Chromium process outlived the test");
}
