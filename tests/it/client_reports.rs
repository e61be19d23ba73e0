//! Client reports end to end: the PDF read back by poppler (pdftotext, pdfinfo, pdftoppm),
//! its figures against the stats API's; scheduled delivery through a real SMTP server
//! (aiosmtpd) with the hand-moved clock; one-click unsubscribe; a repeated run after a crash.

use crate::inproc::{InProc, PUBLIC_URL};
use crate::showcase::reviews;
use crate::support::{Smtp, eventually};
use plaudit::Clock;
use plaudit::domain::{Location, Rating, Workspace};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use time::macros::datetime;

/// Runs a poppler tool; its stdout.
pub fn poppler(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} (poppler-utils; scripts/test installs it): {e}"));
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn pages_of(pdf: &Path) -> usize {
    let info = poppler("pdfinfo", &[pdf.to_str().unwrap()]);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no page count in {info}"))
}

/// The text of a PDF as poppler reads it, whitespace runs folded to one space.
pub fn text_of(pdf: &Path) -> String {
    let raw = poppler("pdftotext", &[pdf.to_str().unwrap(), "-"]);
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The value under a KPI card's `label` on page `n`, read from pdftotext's layout mode:
/// the label's column in the next non-empty line (the cards stand side by side).
pub fn kpi(pdf: &Path, n: usize, label: &str) -> String {
    let page = n.to_string();
    let text = poppler(
        "pdftotext",
        &[
            "-layout",
            "-f",
            &page,
            "-l",
            &page,
            pdf.to_str().unwrap(),
            "-",
        ],
    );
    let lines: Vec<&str> = text.lines().collect();
    let (row, col) = lines
        .iter()
        .enumerate()
        .find_map(|(i, l)| l.find(label).map(|c| (i, c)))
        .unwrap_or_else(|| panic!("no `{label}` on page {n}: {text}"));
    let below = lines[row + 1..]
        .iter()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_else(|| panic!("nothing under `{label}`"));
    let chars: Vec<char> = below.chars().collect();
    let mut start = col.min(chars.len());
    while start < chars.len() && chars[start] == ' ' {
        start += 1;
    }
    // A value ends at two spaces (the gap before the next card).
    let rest: String = chars[start..].iter().collect();
    rest.split("  ").next().unwrap_or("").trim().to_string()
}

/// Page `n` rendered by pdftoppm: (width, height, RGB bytes).
pub fn render(pdf: &Path, n: usize) -> (usize, usize, Vec<u8>) {
    let out = Command::new("pdftoppm")
        .args(["-r", "40", "-f", &n.to_string(), "-l", &n.to_string()])
        .arg(pdf)
        .output()
        .unwrap();
    assert!(out.status.success());
    // Binary PPM: "P6\n<w> <h>\n255\n" then the pixels.
    let b = out.stdout;
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while b[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !b[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&b[start..at]).into_owned());
    }
    assert_eq!(fields[0], "P6");
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let pixels = b[at + 1..].to_vec();
    assert_eq!(pixels.len(), w * h * 3);
    (w, h, pixels)
}

fn close(px: &[u8], rgb: (u8, u8, u8)) -> bool {
    let d = |a: u8, b: u8| (i16::from(a) - i16::from(b)).abs() <= 24;
    d(px[0], rgb.0) && d(px[1], rgb.1) && d(px[2], rgb.2)
}

/// December 2026 and January 2027 reviews at three shops (the clock stands at 2027-01-15).
fn seed(h: &InProc, ws: &Workspace) -> Vec<Location> {
    let locs: Vec<Location> = (1..=3).map(|n| h.location(ws, n)).collect();
    let dec = datetime!(2026-12-03 10:00 UTC);
    reviews(
        h,
        ws,
        &locs[0],
        dec,
        &[
            (
                "Ann Lee",
                Rating::Stars(5),
                "Great (really) \\ friendly service, the café crème was perfect 😀",
            ),
            (
                "Bo Chen",
                Rating::Stars(5),
                "Lovely staff and quick service every time",
            ),
            (
                "Cy Dunn",
                Rating::Stars(1),
                "Cold food and a long wait, very disappointing visit",
            ),
            ("Di Eve", Rating::Stars(4), "Good coffee"),
        ],
    );
    reviews(
        h,
        ws,
        &locs[1],
        dec + time::Duration::days(5),
        &[
            (
                "Ed Fox",
                Rating::Stars(3),
                "Average experience overall nothing special",
            ),
            (
                "Flo Gil",
                Rating::Stars(2),
                "Rude cashier and dirty tables today",
            ),
        ],
    );
    reviews(
        h,
        ws,
        &locs[2],
        dec + time::Duration::days(9),
        &[(
            "Gus Hal",
            Rating::Stars(5),
            "Best bakery in town, the bread is wonderful",
        )],
    );
    reviews(
        h,
        ws,
        &locs[0],
        datetime!(2027-01-04 09:00 UTC),
        &[
            (
                "Ivy Jo",
                Rating::Stars(5),
                "Wonderful breakfast and kind people here",
            ),
            (
                "Jay Ko",
                Rating::Stars(2),
                "The order was wrong twice this morning",
            ),
        ],
    );
    locs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_pdf_shows_the_stats_figures_to_tools_we_did_not_write() {
    let h = InProc::start(|_| {}).await;
    let (owner, token) = h.user("owner@agency.example", false);
    let ws = h.workspace("Corner Bakery", &owner);
    let locs = seed(&h, &ws);
    let api = h.api().as_(&token);
    let dir = tempfile::tempdir().unwrap();
    let period = "from=2026-12-01&to=2026-12-31";

    let (s, stats) = api
        .get(&format!("/workspaces/{}/stats?{period}", ws.id))
        .await;
    assert_eq!(s, StatusCode::OK, "{stats}");
    let resp = h
        .http()
        .get(format!(
            "{}/api/v1/workspaces/{}/report.pdf?{period}",
            h.url, ws.id
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    let bytes = resp.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-1."));
    let all = dir.path().join("all.pdf");
    std::fs::write(&all, &bytes).unwrap();

    // Two summary pages, then one page for each of the three locations.
    assert_eq!(pages_of(&all), 5);
    let text = text_of(&all);
    let t = &stats["totals"];
    assert_eq!(t["items"], 7);
    let average = format!("{:.1}", t["average"].as_f64().unwrap());
    for want in [
        "Corner Bakery",
        "December 2026",
        "Shop 1",
        "Shop 2",
        "Shop 3",
        // A notable review, its parentheses, backslash and accent intact (the emoji is not
        // in the base fonts and is left out), the author as first name and initial.
        "Great (really) \\ friendly service, the café crème was perfect",
        "Ann L.",
        "Cold food and a long wait",
        "Powered by Plaudit",
        "Page 5 of 5",
    ] {
        assert!(text.contains(want), "`{want}` missing from: {text}");
    }
    // The key figures, each under its card's label.
    assert_eq!(kpi(&all, 1, "Reviews and comments"), "7");
    assert_eq!(kpi(&all, 1, "Average rating"), average);
    // poppler joins "0 %" (a space it judges too narrow); the PDF holds "0 %" like the dashboard.
    assert_eq!(kpi(&all, 1, "Response rate").replace(' ', ""), "0%");
    // The period before had nothing: every review is new.
    assert!(text.contains("+7 vs the period before"), "{text}");
    // Each location's page (3 to 5) carries that location's own figures, as the stats API
    // gives them.
    let mut seen = Vec::new();
    for page in 3..=5 {
        let n = page.to_string();
        let words = poppler(
            "pdftotext",
            &["-f", &n, "-l", &n, all.to_str().unwrap(), "-"],
        );
        let l = locs
            .iter()
            .find(|l| words.lines().any(|line| line.trim() == l.name))
            .unwrap_or_else(|| panic!("page {page} names no location: {words}"));
        seen.push(l.id);
        let (_, s) = api
            .get(&format!(
                "/workspaces/{}/stats?{period}&location={}",
                ws.id, l.id
            ))
            .await;
        assert_eq!(
            kpi(&all, page, "Reviews and comments"),
            s["totals"]["items"].to_string()
        );
        assert_eq!(
            kpi(&all, page, "Average rating"),
            format!("{:.1}", s["totals"]["average"].as_f64().unwrap())
        );
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 3, "one page for each location");

    // One location: at most two pages, its figures only.
    let (_, one) = api
        .get(&format!(
            "/workspaces/{}/stats?{period}&location={}",
            ws.id, locs[1].id
        ))
        .await;
    let resp = h
        .http()
        .get(format!(
            "{}/api/v1/workspaces/{}/report.pdf?{period}&location={}",
            h.url, ws.id, locs[1].id
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let single = dir.path().join("one.pdf");
    std::fs::write(&single, resp.bytes().await.unwrap()).unwrap();
    assert_eq!(pages_of(&single), 2);
    let text = text_of(&single);
    assert_eq!(kpi(&single, 1, "Reviews and comments"), "2");
    assert_eq!(
        kpi(&single, 1, "Average rating"),
        format!("{:.1}", one["totals"]["average"].as_f64().unwrap())
    );
    assert!(
        !text.contains("Great (really)"),
        "another location's review: {text}"
    );

    // Looked at: the header band in the brand colour, the distribution bars in the accent
    // colour, and a page mostly white with real content drawn on it.
    let (w, hgt, px) = render(&all, 1);
    let at = |x: usize, y: usize| &px[(y * w + x) * 3..(y * w + x) * 3 + 3];
    assert!(
        close(at(w / 2, 5), (0x25, 0x63, 0xeb)),
        "{:?}",
        at(w / 2, 5)
    );
    let pixels: Vec<&[u8]> = px.chunks(3).collect();
    let accent = pixels
        .iter()
        .filter(|p| close(p, (0xf5, 0x9e, 0x0b)))
        .count();
    assert!(accent > 20, "distribution bars: {accent} pixels");
    let white = pixels.iter().filter(|p| p.iter().all(|c| *c > 240)).count();
    let share = white as f64 / (w * hgt) as f64;
    assert!((0.5..0.97).contains(&share), "white share {share}");

    // Bad periods are refused in words.
    for (q, word) in [
        ("from=2026-12-31&to=2026-12-01", "starts after it ends"),
        ("from=2020-01-01&to=2026-12-01", "at most"),
        ("from=yesterday&to=2026-12-01", "not a date"),
    ] {
        let (s, e) = api
            .get(&format!("/workspaces/{}/report.pdf?{q}", ws.id))
            .await;
        assert!(
            [StatusCode::BAD_REQUEST, StatusCode::UNPROCESSABLE_ENTITY].contains(&s),
            "{q}: {s} {e}"
        );
        assert!(e.to_string().contains(word), "{q}: {e}");
    }
}

/// The parsed message (tests/support/mail_parts.py), its attachments written to `out`.
pub fn parts(raw_path: &Path, out: &Path) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/mail_parts.py");
    let o = Command::new("python3")
        .arg(script)
        .arg(raw_path)
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Every received message, parsed, oldest first by file name.
fn received(smtp: &Smtp, out: &Path) -> Vec<Value> {
    let mut files: Vec<_> = std::fs::read_dir(&smtp.maildir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|e| e == "eml"));
    files.sort();
    files.iter().map(|p| parts(p, out)).collect()
}

/// A 4 × 2 PNG with transparency in its first column (what logo tools export).
pub fn logo_png() -> Vec<u8> {
    use std::io::Write;
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut c = 0xffff_ffffu32;
        for b in kind.iter().chain(data) {
            c ^= u32::from(*b);
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        out.extend_from_slice(&(!c).to_be_bytes());
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&4u32.to_be_bytes());
    ihdr.extend_from_slice(&2u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    // Each row: its filter byte (none), then four RGBA pixels, the first transparent.
    let mut row = vec![0u8];
    for x in 0..4 {
        row.extend_from_slice(&[200, 30, 30, if x == 0 { 0 } else { 255 }]);
    }
    let raw = row.repeat(2);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&raw).unwrap();
    chunk(&mut png, b"IDAT", &z.finish().unwrap());
    chunk(&mut png, b"IEND", &[]);
    png
}

async fn harness(smtp: &Smtp) -> InProc {
    let port = smtp.port;
    InProc::start(move |c| {
        c.smtp.host = Some("127.0.0.1".into());
        c.smtp.port = port;
        c.smtp.security = plaudit::config::SmtpSecurity::None;
        c.smtp.from = "Reviews <reviews@agency.example>".into();
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_reports_go_out_once_branded_with_the_pdf_and_stop_after_one_click() {
    use base64::Engine;
    let tmp = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(tmp.path());
    let h = harness(&smtp).await;
    let (owner, token) = h.user("owner@agency.example", false);
    let ws = h.workspace("Corner Bakery", &owner);
    seed(&h, &ws);
    let api = h.api().as_(&token);
    let wsp = format!("/workspaces/{}", ws.id);

    let logo = base64::engine::general_purpose::STANDARD.encode(logo_png());
    let (s, b) = api
        .call(
            Method::PUT,
            &format!("{wsp}/branding"),
            Some(
                json!({"agency_name": "North Agency", "sender_name": "North Reports",
                "reply_to": "accounts@north.example", "primary": "#123456",
                "powered_by": false, "logo_base64": logo}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["has_logo"], true);
    for (body, word) in [
        (json!({"primary": "blue"}), "primary"),
        (
            json!({"logo_base64": base64::engine::general_purpose::STANDARD.encode(b"GIF89a....")}),
            "neither a PNG nor a JPEG",
        ),
        (json!({"reply_to": "not an address"}), "reply_to"),
    ] {
        let (s, e) = api
            .call(Method::PUT, &format!("{wsp}/branding"), Some(body))
            .await;
        assert!(s.is_client_error(), "{e}");
        assert!(e.to_string().contains(word), "{e}");
    }

    let plan = json!({"name": "Monthly for the owner", "emails": ["client@bakery.example"],
        "members": [owner.id.to_string()], "every": "month", "day": 1, "hour": 8,
        "zone": "Europe/Paris", "period": "previous_month"});
    for (bad, word) in [
        (json!({"every": "year"}), "every"),
        (json!({"day": 32}), "day"),
        (json!({"zone": "Mars/Olympus"}), "zone"),
        (json!({"emails": ["nope"], "members": []}), "emails"),
        (
            json!({"emails": [], "members": []}),
            "at least one recipient",
        ),
        (json!({"period": "forever"}), "period"),
    ] {
        let mut body = plan.clone();
        for (k, v) in bad.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, e) = api.post(&format!("{wsp}/report-plans"), body).await;
        // 400 when the body does not parse, 422 when it parses but says something impossible.
        assert!(
            [StatusCode::BAD_REQUEST, StatusCode::UNPROCESSABLE_ENTITY].contains(&s),
            "{bad}: {s} {e}"
        );
        assert!(e.to_string().contains(word), "{bad}: {e}");
    }
    let (s, p) = api.post(&format!("{wsp}/report-plans"), plan.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    // 08:00 in Paris on 1 February is 07:00 UTC (winter time).
    assert_eq!(p["next_at"], "2027-02-01T07:00:00Z");
    let id = p["id"].as_str().unwrap().to_string();

    // Not due yet: nothing goes.
    h.run_jobs().await;
    assert_eq!(smtp.messages().len(), 0);

    h.clock
        .advance(datetime!(2027-02-01 07:00:30 UTC) - h.clock.now());
    h.run_jobs().await;
    let token = h.sign_in(&owner);
    let api = h.api().as_(&token);
    assert!(eventually(Duration::from_secs(20), || smtp.messages().len() >= 2).await);
    let out = tmp.path().join("parts");
    std::fs::create_dir_all(&out).unwrap();
    let got = received(&smtp, &out);
    assert_eq!(got.len(), 2, "{got:?}");
    let mut to: Vec<String> = got
        .iter()
        .map(|m| m["to"].as_str().unwrap().to_string())
        .collect();
    to.sort();
    assert_eq!(to, ["client@bakery.example", "owner@agency.example"]);
    for m in &got {
        assert!(
            m["subject"].as_str().unwrap().contains("January 2027"),
            "{m}"
        );
        assert!(
            m["from"].as_str().unwrap().starts_with("North Reports"),
            "{m}"
        );
        assert!(
            m["from"]
                .as_str()
                .unwrap()
                .contains("reviews@agency.example"),
            "{m}"
        );
        assert_eq!(m["reply_to"], "accounts@north.example");
        assert!(
            m["list_unsubscribe"].as_str().unwrap().contains("/u/r/"),
            "{m}"
        );
        assert_eq!(m["list_unsubscribe_post"], "List-Unsubscribe=One-Click");
        // Readable without images: the figures are in the text.
        let text = m["text"].as_str().unwrap();
        assert!(text.contains("Reviews and comments: 2"), "{text}");
        assert!(m["html"].as_str().unwrap().contains("North Agency"));
        let a = &m["attachments"][0];
        assert_eq!(a["content_type"], "application/pdf");
        let pdf = Path::new(a["path"].as_str().unwrap());
        assert_eq!(pages_of(pdf), 2);
        let t = text_of(pdf);
        assert!(
            t.contains("North Agency") && t.contains("January 2027"),
            "{t}"
        );
        assert!(!t.contains("Powered by Plaudit"), "switched off: {t}");
        assert!(t.contains("Wonderful breakfast"), "{t}");
        // The brand colour in the band, the logo on its white plate.
        let (w, _, px) = render(pdf, 1);
        assert!(close(&px[(5 * w + w / 2) * 3..], (0x12, 0x34, 0x56)));
        assert!(
            px.chunks(3).any(|p| close(p, (200, 30, 30))),
            "the logo is drawn"
        );
    }
    let ids: Vec<&str> = got
        .iter()
        .map(|m| m["message_id"].as_str().unwrap())
        .collect();

    // A crash after the mail was queued and before the plan moved on repeats the run: its
    // messages are found queued under the same ids, nobody gets a second copy.
    h.store
        .reports()
        .update_plan(&ws.id, &id.parse().unwrap(), |p| {
            p.next_at = datetime!(2027-02-01 07:00 UTC);
            true
        })
        .unwrap();
    h.run_jobs().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.messages().len(), 2);
    let (_, p) = api.get(&format!("{wsp}/report-plans/{id}")).await;
    assert_eq!(p["next_at"], "2027-03-01T07:00:00Z", "{p}");
    assert_eq!(p["last_sent_at"], "2027-02-01T07:00:00Z");

    // One click (RFC 8058) takes the client off; the member still gets March's.
    let client = got
        .iter()
        .find(|m| m["to"] == "client@bakery.example")
        .unwrap();
    let link = client["list_unsubscribe"].as_str().unwrap();
    let url = link.trim_matches(['<', '>']).replace(PUBLIC_URL, &h.url);
    let page = h
        .http()
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Stop receiving"), "{page}");
    let resp = h
        .http()
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.unwrap().contains("You are unsubscribed"));
    let again = h
        .http()
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(again.contains("already unsubscribed"), "{again}");
    let forged = format!("{}X", &url[..url.len() - 1]);
    assert_eq!(
        h.http().post(&forged).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let (_, p) = api.get(&format!("{wsp}/report-plans/{id}")).await;
    let rec = p["recipients"].as_array().unwrap();
    assert!(
        rec.iter()
            .any(|r| r["to"] == "client@bakery.example" && r["unsubscribed_at"].is_string())
    );
    // Saving the plan again with the address does not subscribe it back.
    let (s, _) = api
        .call(
            Method::PUT,
            &format!("{wsp}/report-plans/{id}"),
            Some(plan.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    h.clock
        .advance(datetime!(2027-03-01 07:00:30 UTC) - h.clock.now());
    h.run_jobs().await;
    let token = h.sign_in(&owner);
    let api = h.api().as_(&token);
    assert!(eventually(Duration::from_secs(20), || smtp.messages().len() >= 3).await);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got = received(&smtp, &out);
    assert_eq!(got.len(), 3);
    let march: Vec<&Value> = got
        .iter()
        .filter(|m| !ids.contains(&m["message_id"].as_str().unwrap()))
        .collect();
    assert_eq!(march.len(), 1);
    assert_eq!(march[0]["to"], "owner@agency.example");
    assert!(
        march[0]["subject"]
            .as_str()
            .unwrap()
            .contains("February 2027")
    );

    // A test goes to the person asking only, marked as a test.
    let (s, t) = api
        .post(&format!("{wsp}/report-plans/{id}/test"), json!({}))
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{t}");
    assert_eq!(t["sent_to"], "owner@agency.example");
    h.run_jobs().await;
    assert!(eventually(Duration::from_secs(20), || smtp.messages().len() >= 4).await);
    let got = received(&smtp, &out);
    let test = got
        .iter()
        .find(|m| m["subject"].as_str().unwrap().starts_with("[Test]"))
        .expect("the test message");
    assert_eq!(test["to"], "owner@agency.example");
    assert_eq!(test["list_unsubscribe"], "");

    // The preview is the PDF it would send now.
    let resp = h
        .http()
        .get(format!("{}/api/v1{wsp}/report-plans/{id}/preview", h.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline")
    );

    // The client's export names the report; erasure takes them off it.
    let (s, e) = api
        .post(
            &format!("{wsp}/privacy/export"),
            json!({"email": "client@bakery.example"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    assert_eq!(
        e["client_reports"][0]["report"], "Monthly for the owner",
        "{e}"
    );
    let (s, c) = api
        .post(
            &format!("{wsp}/privacy/erase"),
            json!({"email": "client@bakery.example"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["report_recipients"], 1, "{c}");
    let (_, p) = api.get(&format!("{wsp}/report-plans/{id}")).await;
    assert!(
        p["recipients"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["to"] != "client@bakery.example"),
        "{p}"
    );
}
