//! The Client reports pages by form, as a manager uses them: schedule a report, a refused form
//! says why and changes nothing, a test to oneself, the PDF preview and download, branding with
//! a logo upload; a viewer sees and cannot change; another workspace's owner finds nothing.

use crate::client_reports::{logo_png, pages_of};
use crate::inproc::InProc;
use crate::support::get_text;
use plaudit::domain::{Branding, Cadence, Id, ReportPeriod, ReportPlan, Role};
use reqwest::StatusCode;

const BOUNDARY: &str = "----plaudit-branding-boundary";

/// The branding form as a browser sends it: text fields, then the logo file.
fn branding_form(csrf: &str, fields: &[(&str, &str)], logo: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    let mut text = |name: &str, value: &str| {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    };
    text("csrf", csrf);
    for (k, v) in fields {
        text(k, v);
    }
    if let Some((name, bytes)) = logo {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn follow(c: &reqwest::Client, url: &str, r: reqwest::Response) -> String {
    if r.status() != StatusCode::SEE_OTHER {
        let (status, url) = (r.status(), r.url().clone());
        panic!("{url}: {status} {}", r.text().await.unwrap_or_default());
    }
    let to = r.headers()["location"].to_str().unwrap().to_string();
    get_text(c, format!("{url}{to}")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_report_pages_schedule_test_preview_and_brand_by_form() {
    let h = InProc::start(|_| {}).await;
    let (c, csrf, ws, loc) =
        crate::pages::signed_in_owner(&h, "mia@agency.example", "Corner Bakery").await;
    let base = format!("{}/w/{}/reports", h.url, ws.id);
    let list = get_text(&c, &base).await;
    assert!(
        list.contains("Client reports") && list.contains("No scheduled reports yet"),
        "{list}"
    );

    let form = |extra: &[(&str, &str)]| {
        let mut f: Vec<(String, String)> = vec![
            ("csrf".into(), csrf.clone()),
            ("name".into(), "Monthly for the bakery".into()),
            (
                "emails".into(),
                "client@bakery.example, boss@bakery.example".into(),
            ),
            ("every".into(), "month".into()),
            ("day".into(), "1".into()),
            ("hour".into(), "8".into()),
            ("zone".into(), "Europe/Paris".into()),
            ("period".into(), "previous_month".into()),
            ("location".into(), loc.id.to_string()),
            ("enabled".into(), "on".into()),
        ];
        for (k, v) in extra {
            f.retain(|(n, _)| n != k);
            f.push(((*k).into(), (*v).into()));
        }
        f
    };

    // Refused forms say why and schedule nothing.
    for (bad, why) in [
        (("emails", "not-an-address"), "emails"),
        (("day", "32"), "day"),
        (("zone", "Mars/Olympus"), "zone"),
        (("hour", "eight"), "hour: a whole number"),
        (("location", "nowhere"), "is not a location"),
    ] {
        let r = c.post(&base).form(&form(&[bad])).send().await.unwrap();
        let page = follow(&c, &h.url, r).await;
        assert!(page.contains(why), "{bad:?}: {page}");
        assert!(
            page.contains("role=\"alert\""),
            "shown as an error: {bad:?}"
        );
        assert!(
            h.store.reports().plans(&ws.id).unwrap().is_empty(),
            "{bad:?}"
        );
    }
    // A form without its CSRF token changes nothing.
    let mut forged = form(&[]);
    forged.retain(|(k, _)| k != "csrf");
    let r = c.post(&base).form(&forged).send().await.unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    assert!(h.store.reports().plans(&ws.id).unwrap().is_empty());

    let r = c.post(&base).form(&form(&[])).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let at = r.headers()["location"].to_str().unwrap().to_string();
    let id: Id<ReportPlan> = at.rsplit('/').next().unwrap().parse().unwrap();
    let page = get_text(&c, format!("{}{at}", h.url)).await;
    assert!(page.contains("Report scheduled"), "{page}");
    assert!(page.contains("client@bakery.example"), "{page}");
    let plan = h.store.reports().plan(&ws.id, &id).unwrap().unwrap();
    assert_eq!(plan.cadence, Cadence::Monthly { day: 1 });
    assert_eq!((plan.hour, plan.zone.as_str()), (8, "Europe/Paris"));
    assert_eq!(plan.period, ReportPeriod::PreviousMonth);
    assert_eq!(plan.locations, [loc.id]);
    assert_eq!(plan.recipients.len(), 2);
    assert!(plan.enabled);

    // Saved as weekly, unticked "enabled" pauses it; the recipients keep their ids.
    let r = c
        .post(format!("{}{at}", h.url))
        .form(
            &form(&[("every", "week"), ("day", "1"), ("period", "previous_week")])
                .into_iter()
                .filter(|(k, _)| k != "enabled")
                .collect::<Vec<_>>(),
        )
        .send()
        .await
        .unwrap();
    let page = follow(&c, &h.url, r).await;
    assert!(page.contains("Report saved"), "{page}");
    let saved = h.store.reports().plan(&ws.id, &id).unwrap().unwrap();
    assert_eq!(saved.cadence, Cadence::Weekly { weekday: 1 });
    assert!(!saved.enabled);
    assert_eq!(
        saved.recipients.iter().map(|r| r.id).collect::<Vec<_>>(),
        plan.recipients.iter().map(|r| r.id).collect::<Vec<_>>()
    );

    // A test goes to the person asking, queued in the outbox marked as a test.
    let r = c
        .post(format!("{}{at}/test", h.url))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let page = follow(&c, &h.url, r).await;
    assert!(
        page.contains("A test is on its way to mia@agency.example"),
        "{page}"
    );
    let queued = h.store.outbox().all().unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].to.to_string(), "mia@agency.example");
    assert!(
        queued[0].subject.starts_with("[Test]"),
        "{}",
        queued[0].subject
    );
    assert_eq!(queued[0].attachments.len(), 1);

    // The preview and the monthly report's download are PDFs poppler reads.
    let dir = tempfile::tempdir().unwrap();
    let r = c
        .get(format!("{}{at}/preview", h.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let preview = dir.path().join("preview.pdf");
    std::fs::write(&preview, r.bytes().await.unwrap()).unwrap();
    assert_eq!(pages_of(&preview), 2, "one location: two pages");
    let r = c
        .get(format!(
            "{}/w/{}/report.pdf?location={}&month=2026-12",
            h.url, ws.id, loc.id
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment"),
    );
    let month = dir.path().join("month.pdf");
    std::fs::write(&month, r.bytes().await.unwrap()).unwrap();
    let text = crate::client_reports::text_of(&month);
    assert!(text.contains("2026-12-01 to 2026-12-31"), "{text}");
    let r = c
        .get(format!(
            "{}/w/{}/report.pdf?location={}&month=December",
            h.url, ws.id, loc.id
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("pick a month such as"));

    // Branding: a GIF is refused in words and nothing changes; a PNG logo is kept.
    let post_branding = |body: Vec<u8>| {
        c.post(format!("{base}/branding"))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(body)
            .send()
    };
    let fields = [
        ("agency_name", "North Agency"),
        ("primary", "#123456"),
        ("accent", "#f59e0b"),
        ("sender_name", "North Reports"),
        ("reply_to", "accounts@north.example"),
        ("powered_by", "hide"),
    ];
    let r = post_branding(branding_form(
        &csrf,
        &fields,
        Some(("logo.gif", b"GIF89a\x01\x00")),
    ))
    .await
    .unwrap();
    let page = follow(&c, &h.url, r).await;
    assert!(page.contains("neither a PNG nor a JPEG"), "{page}");
    assert_eq!(
        h.store.reports().branding(&ws.id).unwrap(),
        Branding::default()
    );
    let r = post_branding(branding_form(&csrf, &[("primary", "blue")], None))
        .await
        .unwrap();
    let page = follow(&c, &h.url, r).await;
    assert!(page.contains("primary"), "{page}");
    let r = post_branding(branding_form(
        &csrf,
        &fields,
        Some(("logo.png", &logo_png())),
    ))
    .await
    .unwrap();
    let page = follow(&c, &h.url, r).await;
    assert!(page.contains("Branding saved"), "{page}");
    let b = h.store.reports().branding(&ws.id).unwrap();
    assert_eq!(b.agency_name, "North Agency");
    assert_eq!(b.primary, "#123456");
    assert_eq!(b.powered_by, Some(false));
    assert!(b.logo.is_some(), "the logo is kept");
    assert_eq!(b.reply_to.unwrap().to_string(), "accounts@north.example");
    // Without a CSRF token: refused, unchanged.
    let before = h.store.reports().branding(&ws.id).unwrap();
    let r = post_branding(branding_form("forged", &[("agency_name", "Evil")], None))
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    assert_eq!(h.store.reports().branding(&ws.id).unwrap(), before);

    // A viewer sees the reports and cannot change them.
    let (v, vcsrf) = crate::pages::signed_in_as(&h, "vic@agency.example", "Vic").await;
    let viewer = h
        .store
        .users()
        .by_email(&plaudit::domain::Email::parse("vic@agency.example").unwrap())
        .unwrap()
        .unwrap();
    h.add(&ws, &viewer, Role::Viewer);
    let seen = get_text(&v, &base).await;
    assert!(seen.contains("Monthly for the bakery"), "{seen}");
    let mut theirs = form(&[("name", "Viewer's")]);
    theirs.retain(|(k, _)| k != "csrf");
    theirs.push(("csrf".into(), vcsrf.clone()));
    let r = v.post(&base).form(&theirs).send().await.unwrap();
    let page = follow(&v, &h.url, r).await;
    assert!(
        page.contains("role=\"alert\"") && page.contains("it needs manager"),
        "{page}"
    );
    assert_eq!(h.store.reports().plans(&ws.id).unwrap().len(), 1);
    let r = v
        .post(format!("{}{at}/delete", h.url))
        .form(&[("csrf", vcsrf.as_str())])
        .send()
        .await
        .unwrap();
    assert!(r.status() == StatusCode::FORBIDDEN || r.status() == StatusCode::SEE_OTHER);
    assert!(
        h.store.reports().plan(&ws.id, &id).unwrap().is_some(),
        "kept"
    );

    // Another workspace's owner finds nothing there.
    let (o, _) = crate::pages::signed_in_as(&h, "olga@elsewhere.example", "Olga").await;
    let r = o.get(format!("{}{at}", h.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = o
        .get(format!("{}{at}/preview", h.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Deleting by the owner's button removes it.
    let r = c
        .post(format!("{}{at}/delete", h.url))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(h.store.reports().plan(&ws.id, &id).unwrap().is_none());
}
