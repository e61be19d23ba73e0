//! Locations pages: list with an add form, and one location's edit form with archive/restore.

use super::form_post::{self, FormPost};
use super::workspaces::{WsNav, enter};
use super::{Answer, PageCursor, Visit, html, redirect, run, show};
use crate::domain::{Access, Location};
use crate::http::paths::{WsChildPath, WsPath};
use crate::http::{Layout, PageError};
use crate::services::locations::{self, Input};
use actix_web::web;
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/locations.html")]
struct ListPage {
    layout: Layout,
    ws: WsNav,
    items: Vec<Location>,
    /// The cursor of the next page, when there is one.
    next: Option<String>,
    /// The add form's fields: empty, or what was typed when it was refused.
    draft: Draft,
    problem: Option<String>,
}

/// A location form's fields as typed.
#[derive(Default)]
struct Draft {
    name: String,
    address: String,
    timezone: String,
    google: String,
    facebook: String,
}

impl Draft {
    fn of(f: &LocationForm) -> Self {
        Self {
            name: f.name.clone(),
            address: f.address.clone(),
            timezone: f.timezone.clone(),
            google: f.google_review_url.clone(),
            facebook: f.facebook_page_url.clone(),
        }
    }

    fn from_location(l: &Location) -> Self {
        Self {
            name: l.name.clone(),
            address: l.address.clone(),
            timezone: l.timezone.clone(),
            google: l.google_review_url.clone().unwrap_or_default(),
            facebook: l.facebook_page_url.clone().unwrap_or_default(),
        }
    }
}

pub(super) async fn list(
    Visit { req, state, user }: Visit,
    ws: WsPath,
    q: web::Query<PageCursor>,
) -> Answer {
    let nav = enter(&state, &user, &ws, Access::Read, "locations").await?;
    list_page(
        &req,
        &state,
        &user,
        nav,
        q.request(),
        Draft::default(),
        None,
    )
    .await
}

async fn list_page(
    req: &actix_web::HttpRequest,
    state: &crate::http::AppState,
    user: &super::PageUser,
    nav: WsNav,
    req_page: crate::store::PageRequest,
    draft: Draft,
    problem: Option<String>,
) -> Answer {
    let (principal, wid) = (user.principal.clone(), nav.id);
    let page = show(state, &user.layout, move |ctx| {
        locations::list(ctx, &principal, &wid, &req_page)
    })
    .await?;
    let refused = problem.is_some();
    let page = ListPage {
        layout: user.layout.clone(),
        ws: nav,
        items: page.items,
        next: page.next,
        draft,
        problem,
    };
    if refused {
        super::refused(req, &page, &user.layout)
    } else {
        html(req, &page, &user.layout)
    }
}

#[derive(Deserialize)]
pub(super) struct LocationForm {
    csrf: String,
    name: String,
    #[serde(default)]
    address: String,
    timezone: String,
    #[serde(default)]
    google_review_url: String,
    #[serde(default)]
    facebook_page_url: String,
    /// "archive", "restore" or absent (plain save).
    action: Option<String>,
}

impl LocationForm {
    fn input(&self) -> Input<'_> {
        Input {
            name: &self.name,
            address: &self.address,
            timezone: &self.timezone,
            google_review_url: Some(self.google_review_url.as_str()),
            facebook_page_url: Some(self.facebook_page_url.as_str()),
        }
    }
}

pub(super) async fn create(ws: WsPath, post: FormPost<LocationForm>) -> Answer {
    let FormPost {
        action: Visit { req, state, user },
        form: f,
    } = post;
    let wid = ws.into_inner();
    let actor = user.actor(&req);
    let back = format!("/w/{wid}/locations");
    let draft = Draft::of(&f);
    match run(&state, &user.layout, move |ctx| {
        locations::create(ctx, &actor, &wid, &f.input())
    })
    .await?
    {
        Ok(loc) => Ok(redirect(&back, Ok(&format!("{} added.", loc.name)))),
        // Shown again with what was typed: a bad time zone does not clear the name.
        Err(m) => {
            let nav = enter(&state, &user, &wid, Access::Read, "locations").await?;
            let first = crate::store::PageRequest::first(super::PAGE_ROWS);
            list_page(&req, &state, &user, nav, first, draft, Some(m)).await
        }
    }
}

#[derive(Template)]
#[template(path = "pages/location.html")]
struct EditPage {
    layout: Layout,
    ws: WsNav,
    loc: Location,
    draft: Draft,
    problem: Option<String>,
    /// The location's public feedback link (what its QR code holds).
    feedback_link: String,
    /// `server.public_url` is not set: the link names the listen address, which customers'
    /// phones may not reach.
    no_public_url: bool,
}

pub(super) async fn edit(Visit { req, state, user }: Visit, path: WsChildPath<Location>) -> Answer {
    let nav = enter(&state, &user, &path.0, Access::Read, "locations").await?;
    let loc_id = path.1;
    let (principal, wid) = (user.principal.clone(), nav.id);
    let (loc, feedback_link) = run(&state, &user.layout, move |ctx| {
        crate::services::link_feedback::url(ctx, &principal, &wid, &loc_id)
    })
    .await?
    .map_err(|m| PageError::new(&user.layout, actix_web::http::StatusCode::FORBIDDEN, m))?;
    html(
        &req,
        &EditPage {
            layout: user.layout.clone(),
            ws: nav,
            draft: Draft::from_location(&loc),
            loc,
            problem: None,
            no_public_url: state.ctx.config.server.public_url.is_none(),
            feedback_link,
        },
        &user.layout,
    )
}

pub(super) async fn update(path: WsChildPath<Location>, post: FormPost<LocationForm>) -> Answer {
    let FormPost {
        action: Visit { req, state, user },
        form: f,
    } = post;
    let (wid, loc_id) = path.into_inner();
    let archived = match f.action.as_deref() {
        Some("archive") => Some(true),
        Some("restore") => Some(false),
        _ => None,
    };
    let back = format!("/w/{wid}/locations/{loc_id}");
    let actor = user.actor(&req);
    let draft = Draft::of(&f);
    match run(&state, &user.layout, move |ctx| {
        locations::update(ctx, &actor, &wid, &loc_id, &f.input(), archived)
    })
    .await?
    {
        Ok(_) => Ok(redirect(&back, Ok("Saved."))),
        Err(m) => {
            let nav = enter(&state, &user, &wid, Access::Read, "locations").await?;
            let principal = user.principal.clone();
            let (loc, feedback_link) = show(&state, &user.layout, move |ctx| {
                crate::services::link_feedback::url(ctx, &principal, &wid, &loc_id)
            })
            .await?;
            super::refused(
                &req,
                &EditPage {
                    layout: user.layout.clone(),
                    ws: nav,
                    loc,
                    draft,
                    problem: Some(m),
                    no_public_url: state.ctx.config.server.public_url.is_none(),
                    feedback_link,
                },
                &user.layout,
            )
        }
    }
}

form_post::proof!(LocationForm);
