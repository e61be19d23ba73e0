//! The showcase's three embeds on another site, in real headless Chromium: a page served from
//! a second loopback origin (Python's http.server) carries the script embed in each layout,
//! the iframe embed (allowed, and one whose set names another site) and a fetch of the JSON.
//! Fails if an embed is not drawn, if the host page's CSS reaches into the script's box, if
//! the frame is not refused where it is not allowed, if any embed sets a cookie or makes the
//! browser call a third host. Screenshots at 1280 and 390 px go to the test artifacts.

use crate::browser_inbox::artifacts;
use crate::inproc::{InProc, PUBLIC_URL};
use crate::showcase::reviews;
use crate::support::{free_port, wait_until};
use crate::webdriver::Browser;
use plaudit::Clock;
use plaudit::domain::Rating;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

/// A static file server on its own loopback port: another origin than Plaudit's.
struct HostSite {
    child: std::process::Child,
    origin: String,
    dir: tempfile::TempDir,
}

impl HostSite {
    fn start() -> HostSite {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let child = std::process::Command::new("python3")
            .args([
                "-m",
                "http.server",
                "--bind",
                "127.0.0.1",
                &port.to_string(),
            ])
            .current_dir(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3");
        let addr = format!("127.0.0.1:{port}");
        assert!(
            wait_until(Duration::from_secs(10), || std::net::TcpStream::connect(
                &addr
            )
            .is_ok()),
            "http.server did not start"
        );
        HostSite {
            child,
            origin: format!("http://{addr}"),
            dir,
        }
    }
}

impl Drop for HostSite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const CHECK: &str = r#"
const done = arguments[0];
const t0 = Date.now();
(function poll() {
  const hosts = Array.from(document.querySelectorAll('.plaudit-showcase'));
  const counts = hosts.map(h => h.shadowRoot ? h.shadowRoot.querySelectorAll('li, .badge').length : -1);
  const json = document.getElementById('json').textContent;
  if ((hosts.length === 3 && counts.every(c => c > 0) && json) || Date.now() - t0 > 15000) {
    const li = hosts[0] && hosts[0].shadowRoot && hosts[0].shadowRoot.querySelector('li');
    const st = li ? getComputedStyle(li) : null;
    done({
      counts, json,
      display: st && st.display, colour: st && st.color, font: st && st.fontFamily,
      resources: performance.getEntriesByType('resource').map(e => e.name),
      cookie: document.cookie,
      scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
    });
  } else setTimeout(poll, 100);
})();
"#;

const IN_FRAME: &str = r#"
const done = arguments[0];
done({
  href: location.href,
  entries: document.querySelectorAll('.sc-entry').length,
  scripts: document.scripts.length,
  resources: performance.getEntriesByType('resource').map(e => e.name),
});
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_embed_draws_on_another_origin_without_cookies_or_third_hosts() {
    let h = InProc::start(|_| {}).await;
    let site = HostSite::start();
    let (owner, token) = h.user("owner@example.com", false);
    let ws = h.workspace("Bakery", &owner);
    let loc = h.location(&ws, 1);
    reviews(
        &h,
        &ws,
        &loc,
        h.clock.now() - time::Duration::hours(3),
        &[
            (
                "Ada",
                Rating::Stars(5),
                "Best croissants in town. <img src=x onerror=alert(1)>",
            ),
            (
                "Bo",
                Rating::Stars(4),
                "Friendly staff and a long, long comment that wraps over several lines on a phone screen",
            ),
            ("Cy", Rating::Recommends(true), "Recommended to everyone"),
        ],
    );
    let api = h.api().as_(&token);
    let (s, set) = api
        .post(
            &format!("/workspaces/{}/showcases", ws.id),
            json!({"name": "Homepage", "allowed_origins": [site.origin.clone()], "colour": "#8a2be2"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{set}");
    let (_, elsewhere) = api
        .post(
            &format!("/workspaces/{}/showcases", ws.id),
            json!({"name": "Only elsewhere", "allowed_origins": ["https://only.example.com"]}),
        )
        .await;
    let url = |v: &Value, k: &str| v[k].as_str().unwrap().replace(PUBLIC_URL, &h.url);
    let page = format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>A client's website</title>
<style>* {{ color: red !important; }} body {{ font-family: Georgia, serif; margin: 16px; }} li {{ display: none !important; }}</style></head>
<body><h1>Our reviews</h1>
<h2>List</h2><script src="{js}" async></script>
<h2>Grid</h2><script src="{js}" data-layout="grid" data-theme="dark" async></script>
<h2>Badge</h2><script src="{js}" data-layout="badge" async></script>
<h2>Iframe</h2><iframe id="allowed" src="{frame}" title="Reviews" style="width:100%;height:420px;border:0"></iframe>
<h2>Refused iframe</h2><iframe id="refused" src="{refused}" title="Refused" style="width:100%;height:120px;border:1px solid #ccc"></iframe>
<h2>JSON</h2><p id="json"></p>
<script>fetch("{json}").then(r => r.json()).then(d => {{ document.getElementById('json').textContent = d.entries.length + ' entries, ' + d.average + ' average'; }});</script>
</body></html>"#,
        js = url(&set, "script_url"),
        frame = url(&set, "frame_url"),
        refused = url(&elsewhere, "frame_url"),
        json = url(&set, "json_url"),
    );
    std::fs::write(site.dir.path().join("index.html"), page).unwrap();

    let b = Browser::start().await;
    let shots = artifacts().join("showcase");
    std::fs::create_dir_all(&shots).unwrap();
    for (width, height) in [(1280, 1600), (390, 2400)] {
        b.window_size(width, height).await;
        b.goto(&format!("{}/index.html", site.origin)).await;
        let facts = b.run_async(CHECK).await;
        assert_eq!(
            facts["counts"],
            json!([3, 3, 1]),
            "every script embed drawn: {facts}"
        );
        assert_eq!(facts["json"], "3 entries, 4.7 average", "{facts}");
        // The host page's CSS does not reach into the script's box; the font is inherited.
        assert_eq!(facts["display"], "list-item", "{facts}");
        assert_ne!(facts["colour"], "rgb(255, 0, 0)", "{facts}");
        assert!(
            facts["font"].as_str().unwrap().contains("Georgia"),
            "{facts}"
        );
        assert_eq!(facts["cookie"], "", "{facts}");
        // Only the host page's origin and Plaudit's were called.
        for r in facts["resources"].as_array().unwrap() {
            let r = r.as_str().unwrap();
            assert!(
                r.starts_with(&h.url) || r.starts_with(&site.origin),
                "a third host: {r}"
            );
        }
        assert!(
            facts["scroll"].as_i64() <= facts["client"].as_i64(),
            "the embeds fit {width} px: {facts}"
        );
        // Text stays text: the review's markup was not turned into an element.
        let html = b.source().await;
        assert!(
            !html.contains("onerror=alert(1)\">"),
            "host page markup is untouched"
        );

        b.enter_frame("#allowed").await;
        let inside = b.run_async(IN_FRAME).await;
        assert_eq!(inside["entries"], 3, "the allowed frame draws: {inside}");
        assert_eq!(inside["scripts"], 0, "no JavaScript in the iframe embed");
        for r in inside["resources"].as_array().unwrap() {
            assert!(r.as_str().unwrap().starts_with(&h.url), "frame called {r}");
        }
        assert_eq!(
            b.cookies().await,
            json!([]),
            "the frame's origin set no cookie"
        );
        b.leave_frame().await;
        b.enter_frame("#refused").await;
        let refused = b.run_async(IN_FRAME).await;
        assert_eq!(
            refused["entries"], 0,
            "a set listing other sites is not framed here: {refused}"
        );
        b.leave_frame().await;
        b.screenshot(&shots.join(format!("embeds-{width}.png")))
            .await;

        // The wall of love at this width: no sideways scrolling.
        b.goto(&url(&set, "wall_url")).await;
        let wall = b
            .run_async("arguments[0]({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth, entries: document.querySelectorAll('.sc-entry').length, cookie: document.cookie})")
            .await;
        assert_eq!(wall["entries"], 3, "{wall}");
        assert!(wall["scroll"].as_i64() <= wall["client"].as_i64(), "{wall}");
        assert_eq!(b.cookies().await, json!([]));
        b.screenshot(&shots.join(format!("wall-{width}.png"))).await;
    }
}
