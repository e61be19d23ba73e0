//! The review import page as a person uses it: a spreadsheet's file (tab-separated), its bad
//! rows listed as an error, "import the N valid rows", and a report that a reload shows again
//! without importing twice.

use crate::campaign_pages::{multipart, upload};
use crate::inproc::InProc;
use crate::pages::signed_in;
use plaudit::domain::{Email, Role};
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_with_bad_rows_imports_its_valid_rows_once_when_asked() {
    let h = InProc::start(|c| c.poller.enabled = false).await;
    let (c, csrf) = signed_in(&h, "Ana").await;
    let email = Email::parse("ana@example.com").unwrap();
    let user = h.store.users().by_email(&email).unwrap().unwrap();
    let ws = h.workspace("Bakery", &user);
    h.add(&ws, &user, Role::Owner);
    let loc = h.location(&ws, 1);
    let base = format!("{}/w/{}", h.url, ws.id);
    let name = &loc.name;
    let file = format!(
        "location\tauthor\trating\ttext\tcreated_at\n\
         {name}\tAna\t5\tLovely; truly\t2026-01-02\n\
         Nowhere\tBo\t2\twrong place\t2026-01-03\n\
         {name}\tCy\t9\ttoo many stars\t2026-01-04\n\
         {name}\tDi\t4\tfine, with a comma\t2026-01-05\n"
    );
    let r = c
        .post(format!("{base}/import"))
        .header("content-type", multipart())
        .body(upload(&csrf, &file, false))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "the upload answers a redirect"
    );
    let report = format!("{}{}", h.url, r.headers()["location"].to_str().unwrap());
    let get = |url: String| {
        let c = c.clone();
        async move { c.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let page = get(report.clone()).await;
    assert!(
        page.contains("role=\"alert\" id=\"import-result\""),
        "{page}"
    );
    assert!(
        page.contains("2 rows have problems; nothing was imported"),
        "{page}"
    );
    assert!(page.contains("line 3") && page.contains("line 4"), "{page}");
    assert!(page.contains("Import the 2 valid rows"), "{page}");
    let items = || {
        h.store
            .items()
            .page(
                &ws.id,
                &Default::default(),
                &plaudit::store::PageRequest::first(50),
            )
            .unwrap()
            .items
            .len()
    };
    assert_eq!(items(), 0);
    // A reload shows the same report and imports nothing.
    assert!(
        get(report.clone())
            .await
            .contains("Import the 2 valid rows")
    );
    assert_eq!(items(), 0);
    let token = crate::support::token_in(&page, "name=\"upload\" value=\"");
    for _ in 0..2 {
        let r = c
            .post(format!("{base}/import/valid"))
            .form(&[("csrf", csrf.as_str()), ("upload", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    assert_eq!(items(), 2, "the valid rows, once");
    let page = get(report).await;
    assert!(page.contains("Imported the valid rows"), "{page}");
    assert!(
        page.contains("2 rows: 2 new") && page.contains("2 rows were skipped"),
        "{page}"
    );
    // Someone else's session cannot read the report.
    let (other, _) = crate::pages::signed_in_as(&h, "bo@example.com", "Bo").await;
    let theirs = other
        .get(format!("{base}/import?upload={token}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!theirs.contains("Imported the valid rows"));
}
