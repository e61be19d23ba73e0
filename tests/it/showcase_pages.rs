//! The Showcase pages by form: create a set, configure it, approve an entry; a viewer sees
//! and cannot change.

use crate::inproc::InProc;
use crate::showcase::reviews;
use plaudit::Clock;
use plaudit::domain::{Id, Rating};
use reqwest::StatusCode;

/// The Showcase pages by form, as a manager uses them; a viewer sees and cannot change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn showcase_pages_create_configure_and_pick_by_form() {
    let h = InProc::start(|_| {}).await;
    let (c, csrf, ws, loc) = crate::pages::signed_in_owner(&h, "mia@example.com", "Bakery").await;
    let ids = reviews(
        &h,
        &ws,
        &loc,
        h.clock.now() - time::Duration::hours(2),
        &[
            ("Ada", Rating::Stars(5), "Lovely bread"),
            ("Bo", Rating::Stars(5), "Great"),
        ],
    );
    let base = format!("{}/w/{}/showcase", h.url, ws.id);
    let list = crate::support::get_text(&c, &base).await;
    assert!(
        list.contains("No showcase sets yet") && list.contains("New set"),
        "{list}"
    );
    let r = c
        .post(&base)
        .form(&[("csrf", csrf.as_str()), ("name", "Homepage")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let at = r.headers()["location"].to_str().unwrap().to_string();
    let set_id: Id<plaudit::domain::Showcase> = at.rsplit('/').next().unwrap().parse().unwrap();
    let page = crate::support::get_text(&c, format!("{}{at}", h.url)).await;
    for shown in [
        "Preview",
        ".js\" async&gt;&lt;/script&gt;",
        "/frame",
        ".json",
        "Lovely bread",
        "Pin first",
    ] {
        assert!(page.contains(shown), "{shown}: {page}");
    }
    assert!(
        page.contains("Google gives no review stars"),
        "the JSON-LD sentence"
    );

    let form = |extra: &[(&str, &str)]| {
        let mut f: Vec<(String, String)> = vec![
            ("csrf".into(), csrf.clone()),
            ("full".into(), "1".into()),
            ("name".into(), "Homepage".into()),
            ("min_stars".into(), "5".into()),
            ("newest".into(), "6".into()),
            ("approval".into(), "approve_first".into()),
            ("layout".into(), "badge".into()),
            ("theme".into(), "dark".into()),
            ("colour".into(), "#123456".into()),
            (
                "allowed_origins".into(),
                "https://a.example\nhttps://b.example".into(),
            ),
            ("location".into(), loc.id.to_string()),
            ("source".into(), "google".into()),
            ("json_ld".into(), "1".into()),
        ];
        for (k, v) in extra {
            f.retain(|(n, _)| n != k);
            f.push(((*k).into(), (*v).into()));
        }
        f
    };
    let r = c
        .post(format!("{}{at}", h.url))
        .form(&form(&[]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let set = h.store.showcases().get(&ws.id, &set_id).unwrap().unwrap();
    assert_eq!(set.rule.min_stars, 5);
    assert_eq!(set.rule.newest, 6);
    assert_eq!(set.rule.locations, [loc.id]);
    assert_eq!(set.rule.sources, [plaudit::domain::ShowSource::Google]);
    assert_eq!(set.approval, plaudit::domain::Approval::ApproveFirst);
    assert_eq!((set.layout.as_str(), set.theme.as_str()), ("badge", "dark"));
    assert_eq!(
        set.allowed_origins,
        ["https://a.example", "https://b.example"]
    );
    assert!(set.json_ld && !set.rule.text_only, "unticked boxes are off");
    // A bad colour is refused with the reason; nothing changes.
    let r = c
        .post(format!("{}{at}", h.url))
        .form(&form(&[("colour", "red"), ("min_stars", "2")]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let back = crate::support::get_text(&c, format!("{}{at}", h.url)).await;
    assert!(back.contains("is not a colour"), "{back}");
    assert_eq!(
        h.store.showcases().get(&ws.id, &set_id).unwrap().unwrap(),
        set
    );

    // Approve one waiting review by its button.
    let page = crate::support::get_text(&c, format!("{}{at}", h.url)).await;
    assert!(page.contains("Waiting for approval (2)"), "{page}");
    let r = c
        .post(format!("{}{at}/pick", h.url))
        .form(&[
            ("csrf", csrf.as_str()),
            ("pick", &format!("item:{}", ids[0])),
            ("action", "approve"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let set = h.store.showcases().get(&ws.id, &set_id).unwrap().unwrap();
    assert_eq!(set.approved, [plaudit::domain::Pick::Item(ids[0])]);
    let page = crate::support::get_text(&c, format!("{}{at}", h.url)).await;
    assert!(
        page.contains("Shown now (1)") && page.contains("Waiting for approval (1)"),
        "{page}"
    );

    // A viewer sees the set and no form to change it; a forged post changes nothing.
    let (v, vcsrf) = crate::pages::signed_in_as(&h, "vic@example.com", "Vic").await;
    let vic = h
        .store
        .users()
        .by_email(&plaudit::domain::Email::parse("vic@example.com").unwrap())
        .unwrap()
        .unwrap();
    h.add(&ws, &vic, plaudit::domain::Role::Viewer);
    let seen = crate::support::get_text(&v, format!("{}{at}", h.url)).await;
    assert!(
        seen.contains("Homepage") && !seen.contains("Pin first"),
        "{seen}"
    );
    let r = v
        .post(format!("{}{at}/pick", h.url))
        .form(&[
            ("csrf", vcsrf.as_str()),
            ("pick", &format!("item:{}", ids[1])),
            ("action", "approve"),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.status() == StatusCode::SEE_OTHER || r.status().is_client_error());
    assert_eq!(
        h.store.showcases().get(&ws.id, &set_id).unwrap().unwrap(),
        set
    );
}
