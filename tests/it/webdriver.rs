//! A minimal W3C WebDriver client for Debian's chromedriver + headless Chromium (enough to open
//! pages, type, click and read), so browser tests need no extra crate.

use crate::support::{free_port, wait_until};
use serde_json::{Value, json};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Browser {
    pub async fn start() -> Browser {
        let port = free_port();
        // Its own process group, so the browser it starts can be stopped with it (see Drop).
        let driver = Command::new("chromedriver")
            .process_group(0)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (scripts/test installs chromium-driver)");
        let base = format!("http://127.0.0.1:{port}");
        assert!(wait_until(Duration::from_secs(20), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        }));
        let profile = tempfile::tempdir().unwrap();
        let http = reqwest::Client::new();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1200,800", format!("--user-data-dir={}", profile.path().display())
            ]}
        }}});
        let answer: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = answer["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {answer}"))
            .to_string();
        Browser {
            driver,
            base,
            session,
            http,
            _profile: profile,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method.clone(), url);
        if method != reqwest::Method::GET {
            req = req.json(&body);
        }
        let answer: Value = req.send().await.unwrap().json().await.unwrap();
        assert!(
            answer["value"].get("error").is_none(),
            "webdriver {path}: {answer}"
        );
        answer["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", json!({"url": url}))
            .await;
    }

    async fn find(&self, css: &str) -> String {
        let v = self
            .call(
                reqwest::Method::POST,
                "/element",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_string()
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/value"),
            json!({"text": text}),
        )
        .await;
    }

    pub async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/click"),
            json!({}),
        )
        .await;
    }

    /// Commands go to the document of the iframe `css` until `leave_frame`.
    pub async fn enter_frame(&self, css: &str) {
        let el = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            "/frame",
            json!({"id": {ELEMENT: el}}),
        )
        .await;
    }

    pub async fn leave_frame(&self) {
        self.call(reqwest::Method::POST, "/frame/parent", json!({}))
            .await;
    }

    /// The cookies the current document's origin holds.
    pub async fn cookies(&self) -> Value {
        self.call(reqwest::Method::GET, "/cookie", Value::Null)
            .await
    }

    pub async fn source(&self) -> String {
        self.call(reqwest::Method::GET, "/source", Value::Null)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", Value::Null)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Reloads `url` until the page shows `text` (what a background worker changes), for up to
    /// `secs` seconds.
    pub async fn reload_until(&self, url: &str, text: &str, secs: u64) -> String {
        let end = std::time::Instant::now() + Duration::from_secs(secs);
        loop {
            self.goto(url).await;
            let s = self.source().await;
            if s.contains(text) {
                return s;
            }
            assert!(
                std::time::Instant::now() < end,
                "{url} never showed {text:?}:\n{s}"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// The page's source once its document has finished loading (`readyState` complete).
    pub async fn loaded_source(&self) -> String {
        for _ in 0..400 {
            let state = self.run_async("arguments[0](document.readyState)").await;
            if state == "complete" {
                return self.source().await;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the page never finished loading: {}", self.source().await);
    }

    /// Polls the page until it contains `text` (pages load after clicks).
    pub async fn wait_for(&self, text: &str) -> String {
        for _ in 0..200 {
            let s = self.source().await;
            if s.contains(text) {
                return s;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("page never showed {text:?}: {}", self.source().await);
    }

    /// The browser profile folder: its path is on every Chromium process's command line.
    pub fn profile(&self) -> std::path::PathBuf {
        self._profile.path().to_path_buf()
    }

    /// Runs `script` in the page as an async function body (`arguments[0]` is the callback).
    pub async fn run_async(&self, script: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            json!({"script": script, "args": []}),
        )
        .await
    }

    pub async fn window_size(&self, width: u32, height: u32) {
        self.call(
            reqwest::Method::POST,
            "/window/rect",
            json!({"width": width, "height": height}),
        )
        .await;
    }

    /// The page printed to PDF on paper of `width` × `height` centimetres (A4: 21 × 29.7,
    /// Letter: 21.59 × 27.94), as the print dialog's "Save as PDF" would.
    pub async fn print_pdf(&self, width: f64, height: f64) -> Vec<u8> {
        use base64::Engine;
        let pdf = self
            .call(
                reqwest::Method::POST,
                "/print",
                json!({"page": {"width": width, "height": height}, "background": true}),
            )
            .await;
        base64::engine::general_purpose::STANDARD
            .decode(pdf.as_str().unwrap())
            .unwrap()
    }

    pub async fn screenshot(&self, path: &std::path::Path) {
        use base64::Engine;
        let png = self
            .call(reqwest::Method::GET, "/screenshot", Value::Null)
            .await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

impl Drop for Browser {
    /// Ends the session (chromedriver then quits Chromium), then stops chromedriver's whole
    /// process group: killing chromedriver alone left Chromium running, orphaned.
    fn drop(&mut self) {
        use std::io::{Read, Write};
        let addr = self.base.trim_start_matches("http://").to_string();
        if let Ok(mut s) = std::net::TcpStream::connect(&addr) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = write!(
                s,
                "DELETE /session/{} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
                self.session
            );
            let mut answer = Vec::new();
            let _ = s.read_to_end(&mut answer);
        }
        // The shell's own `kill` (no procps needed) takes a negative id: the whole group.
        let _ = Command::new("sh")
            .args([
                "-c",
                &format!("kill -KILL -{} 2>/dev/null", self.driver.id()),
            ])
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
