//! The Showcase pages: a workspace's sets with a form for a new one, and one set with its
//! settings, a live preview, the snippets to copy, and what it shows, waits or hides.

use super::workspaces::{WsNav, enter};
use super::{Answer, Visit, html, redirect, run, show};
use crate::domain::{Access, Approval, Location, ShowSource, Showcase};
use crate::http::Layout;
use crate::http::paths::{WsChildPath, WsPath};
use crate::services::showcase_entries::Entry;
use crate::services::showcases::{self, PickAction, Preview, SettingsInput};
use actix_web::web;
use askama::Template;

/// One set in the list.
struct SetRow {
    set: Showcase,
    public_url: String,
}

#[derive(Template)]
#[template(path = "pages/showcases.html")]
struct ListPage {
    layout: Layout,
    ws: WsNav,
    sets: Vec<SetRow>,
}

pub(super) async fn list(Visit { req, state, user }: Visit, ws: WsPath) -> Answer {
    let nav = enter(&state, &user, &ws, Access::Read, "showcase").await?;
    let (principal, wid) = (user.principal.clone(), nav.id);
    let sets = show(&state, &user.layout, move |ctx| {
        let sets = showcases::list(ctx, &principal, &wid)?;
        Ok(sets
            .into_iter()
            .map(|set| SetRow {
                public_url: ctx.link(&format!(
                    "/s/{}",
                    crate::services::showcase_public::key(&set)
                )),
                set,
            })
            .collect::<Vec<_>>())
    })
    .await?;
    html(
        &req,
        &ListPage {
            layout: user.layout.clone(),
            ws: nav,
            sets,
        },
        &user.layout,
    )
}

/// The settings form's fields, read by hand (repeated `location`, `source` fields).
fn settings_input(pairs: &[(String, String)]) -> SettingsInput {
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let all = |k: &str| -> Vec<String> {
        pairs
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let full = get("full").is_some();
    SettingsInput {
        name: get("name"),
        locations: full.then(|| all("location")),
        sources: full.then(|| all("source")),
        min_stars: get("min_stars"),
        text_only: full.then(|| get("text_only").is_some()),
        newest: get("newest"),
        language: get("language"),
        approval: get("approval"),
        layout: get("layout"),
        theme: get("theme"),
        colour: get("colour"),
        allowed_origins: get("allowed_origins")
            .map(|s| s.split_whitespace().map(str::to_string).collect()),
        json_ld: full.then(|| get("json_ld").is_some()),
    }
}

fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn csrf_of(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .find(|(n, _)| n == "csrf")
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

pub(super) async fn create(
    Visit { req, state, user }: Visit,
    ws: WsPath,
    body: web::Bytes,
) -> Answer {
    let pairs = form_pairs(&body);
    let wid = ws.into_inner();
    let visit = Visit::checked(req, state, user, &csrf_of(&pairs))?;
    let input = settings_input(&pairs);
    let actor = visit.actor();
    match run(&visit.state, &visit.user.layout, move |ctx| {
        showcases::create(ctx, &actor, &wid, &input)
    })
    .await?
    {
        Ok(set) => Ok(redirect(
            &format!("/w/{wid}/showcase/{}", set.id),
            Ok("Showcase set created. Choose what it shows, then copy a snippet."),
        )),
        Err(m) => Ok(redirect(&format!("/w/{wid}/showcase"), Err(&m))),
    }
}

pub(super) async fn save(
    Visit { req, state, user }: Visit,
    path: WsChildPath<Showcase>,
    body: web::Bytes,
) -> Answer {
    let pairs = form_pairs(&body);
    let (wid, id) = path.into_inner();
    let visit = Visit::checked(req, state, user, &csrf_of(&pairs))?;
    let input = settings_input(&pairs);
    visit
        .then(
            &format!("/w/{wid}/showcase/{id}"),
            "Showcase saved.",
            move |ctx, who| showcases::update(ctx, who, &wid, &id, &input),
        )
        .await
}

#[derive(serde::Deserialize)]
pub(super) struct PickForm {
    csrf: String,
    pick: String,
    action: String,
}
super::form_post::proof!(PickForm);

pub(super) async fn pick(
    path: WsChildPath<Showcase>,
    post: super::form_post::FormPost<PickForm>,
) -> Answer {
    let (wid, id) = path.into_inner();
    let f = post.form;
    let back = format!("/w/{wid}/showcase/{id}#entries");
    let Some(action) = PickAction::parse(&f.action) else {
        return Ok(redirect(&back, Err("Unknown action.")));
    };
    let done = match action {
        PickAction::Pin => "Pinned: it shows first.",
        PickAction::Unpin => "Unpinned.",
        PickAction::Hide => "Hidden: it never shows in this set.",
        PickAction::Unhide => "Shown again when the rule takes it.",
        PickAction::Approve => "Approved: it shows.",
        PickAction::Unapprove => "Approval taken back.",
    };
    post.action
        .then(&back, done, move |ctx, who| {
            showcases::act(ctx, who, &wid, &id, &f.pick, action)
        })
        .await
}

/// An entry as the set page lists it, with what may be done to it.
struct Row {
    pick: String,
    author: String,
    rating: String,
    date: String,
    text: String,
    source: &'static str,
    pinned: bool,
    hidden: bool,
    approved: bool,
}

fn row(set: &Showcase, e: &Entry) -> Row {
    Row {
        pick: e.pick.to_string(),
        author: e.author.clone(),
        rating: match (e.stars, e.recommends) {
            (Some(s), _) => format!(
                "{}{}",
                "★".repeat(usize::from(s)),
                "☆".repeat(usize::from(5 - s))
            ),
            (None, Some(true)) => "Recommends".into(),
            (None, Some(false)) => "Does not recommend".into(),
            (None, None) => String::new(),
        },
        date: e.at.date().to_string(),
        text: e.text.clone(),
        source: e.source.label(),
        pinned: e.pinned,
        hidden: set.hidden.contains(&e.pick),
        approved: set.approved.contains(&e.pick),
    }
}

#[derive(Template)]
#[template(path = "pages/showcase.html")]
struct SetPage {
    layout: Layout,
    ws: WsNav,
    set: Showcase,
    locations: Vec<Location>,
    sources: Vec<(ShowSource, bool)>,
    languages: Vec<(&'static str, &'static str)>,
    approve_first: bool,
    origins: String,
    shown: Vec<Row>,
    waiting: Vec<Row>,
    more: Vec<Row>,
    hidden: Vec<Row>,
    wall_url: String,
    frame_url: String,
    /// The frame on this very server (the public URL may not be reachable from here).
    preview_url: String,
    json_url: String,
    script_url: String,
}

impl SetPage {
    fn takes_location(&self, l: &Location) -> bool {
        self.set.rule.locations.contains(&l.id)
    }
}

pub(super) async fn detail(
    Visit { req, state, user }: Visit,
    path: WsChildPath<Showcase>,
) -> Answer {
    let nav = enter(&state, &user, &path.0, Access::Read, "showcase").await?;
    let (wid, id) = path.into_inner();
    let principal = user.principal.clone();
    let (set, preview, locations, base) = show(&state, &user.layout, move |ctx| {
        let (set, preview) = showcases::preview(ctx, &principal, &wid, &id)?;
        let locations = ctx.store.locations().all(&wid)?;
        let base = ctx.link(&format!(
            "/s/{}",
            crate::services::showcase_public::key(&set)
        ));
        Ok((set, preview, locations, base))
    })
    .await?;
    let Preview {
        shown,
        waiting,
        more,
        hidden,
    } = preview;
    let sources = ShowSource::ALL
        .into_iter()
        .map(|s| (s, set.rule.sources.contains(&s)))
        .collect();
    let page = SetPage {
        layout: user.layout.clone(),
        ws: nav,
        locations: locations.into_iter().filter(|l| !l.archived).collect(),
        sources,
        languages: crate::domain::language::LANGUAGES.to_vec(),
        approve_first: set.approval == Approval::ApproveFirst,
        origins: set.allowed_origins.join("\n"),
        shown: shown.iter().map(|e| row(&set, e)).collect(),
        waiting: waiting.iter().map(|e| row(&set, e)).collect(),
        more: more.iter().map(|e| row(&set, e)).collect(),
        hidden: hidden.iter().map(|e| row(&set, e)).collect(),
        wall_url: base.clone(),
        frame_url: format!("{base}/frame"),
        preview_url: format!("/s/{}/frame", crate::services::showcase_public::key(&set)),
        json_url: format!("{base}.json"),
        script_url: format!("{base}.js"),
        set,
    };
    html(&req, &page, &user.layout)
}
