//! The inbox page: every item of the workspace, newest first, with filters, each with its
//! reply state and a reply form. (The full inbox — counts, shortcuts, notes — builds on this.)

use super::workspaces::{WsNav, enter};
use super::{PageUser, act, html, id, show};
use crate::domain::{Access, Item, Kind, Location, Origin, ReplyState};
use crate::http::{AppState, Layout, PageError};
use crate::services::{items, locations};
use crate::store::{ItemFilter, PageRequest};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/w/{ws}/inbox", web::get().to(list))
        .route("/w/{ws}/items/{item}/reply", web::post().to(reply));
}

#[derive(Deserialize, Default)]
struct Filters {
    #[serde(default)]
    location: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    replied: String,
    #[serde(default)]
    q: String,
    cursor: Option<String>,
}

impl Filters {
    fn filter(&self) -> ItemFilter {
        ItemFilter {
            location: self.location.parse().ok(),
            origin: Origin::parse(&self.source),
            kind: Kind::parse(&self.kind),
            stars: self.rating.parse().ok().filter(|n| (1..=5).contains(n)),
            replied: match self.replied.as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            },
            words: self
                .q
                .to_lowercase()
                .split_whitespace()
                .take(10)
                .map(str::to_string)
                .collect(),
            ..ItemFilter::default()
        }
    }

    /// The query string of these filters, for the next-page link.
    fn query(&self) -> String {
        let mut u = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("location", &self.location),
            ("source", &self.source),
            ("kind", &self.kind),
            ("rating", &self.rating),
            ("replied", &self.replied),
            ("q", &self.q),
        ] {
            if !v.is_empty() {
                u.append_pair(k, v);
            }
        }
        u.finish()
    }
}

#[derive(Template)]
#[template(path = "pages/inbox.html")]
struct InboxPage {
    layout: Layout,
    ws: WsNav,
    items: Vec<Item>,
    locations: Vec<Location>,
    f: Filters,
    next: Option<String>,
}

impl InboxPage {
    fn location_name(&self, item: &Item) -> String {
        self.locations
            .iter()
            .find(|l| l.id == item.location)
            .map_or_else(String::new, |l| l.name.clone())
    }

    fn stars(&self, item: &Item) -> String {
        match item.rating {
            Some(crate::domain::Rating::Recommends(true)) => "recommends".into(),
            Some(crate::domain::Rating::Recommends(false)) => "does not recommend".into(),
            Some(r) => format!(
                "{}{} ({} of 5)",
                "★".repeat(usize::from(r.stars())),
                "☆".repeat(5 - usize::from(r.stars())),
                r.stars()
            ),
            None => String::new(),
        }
    }

    fn reply_state(&self, item: &Item) -> String {
        match item.reply.as_ref().map(|r| &r.state) {
            Some(ReplyState::Sending) => "sending…".into(),
            Some(ReplyState::Published) => "published".into(),
            Some(ReplyState::Failed { reason }) => format!("failed: {reason}"),
            None => String::new(),
        }
    }

    fn can_reply(&self, item: &Item) -> bool {
        self.ws.can_write()
            && item.origin != Origin::Import
            && item.status != crate::domain::ItemStatus::Removed
            && !item
                .reply
                .as_ref()
                .is_some_and(|r| r.state == ReplyState::Sending)
    }

    fn when(&self, t: &time::OffsetDateTime) -> String {
        super::connections::when(&Some(*t))
    }

    fn is(&self, a: &str, b: &str) -> bool {
        a == b
    }
}

async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    ws: web::Path<String>,
    q: web::Query<Filters>,
) -> Result<HttpResponse, PageError> {
    let nav = enter(&state, &user, &ws, Access::Read, "inbox").await?;
    let f = q.into_inner();
    let (principal, wid, filter) = (user.principal.clone(), nav.id, f.filter());
    let page_req = PageRequest {
        cursor: f.cursor.clone().filter(|c| !c.is_empty()),
        limit: 50,
    };
    let (page, locs) = show(&state, &user.layout, move |ctx| {
        let p = items::list(ctx, &principal, &wid, &filter, &page_req)?;
        let l = locations::list(ctx, &principal, &wid, &PageRequest::first(200))?;
        Ok((p, l.items))
    })
    .await?;
    html(
        &req,
        &InboxPage {
            layout: user.layout.clone(),
            ws: nav,
            items: page.items,
            locations: locs,
            next: page.next,
            f,
        },
        &user.layout,
    )
}

#[derive(Deserialize)]
struct ReplyForm {
    csrf: String,
    text: String,
}

async fn reply(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<(String, String)>,
    form: web::Form<ReplyForm>,
) -> Result<HttpResponse, PageError> {
    let (wid, item) = (id(&user.layout, &path.0)?, id(&user.layout, &path.1)?);
    let f = form.into_inner();
    let back = format!("/w/{wid}/inbox");
    act(
        &req,
        &state,
        &user,
        &f.csrf,
        &back,
        "Reply saved; it is on its way to the provider.",
        move |ctx, who, ip| items::reply(ctx, who, ip, &wid, &item, &f.text),
    )
    .await
}
