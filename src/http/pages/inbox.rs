//! The inbox page: every item of the workspace, newest first, with filters that combine,
//! counts beside them, and on each item its reply state, composer, tags, assignee and notes.
//! Forms post to `inbox_forms`; the page works without JavaScript, which only adds shortcuts,
//! template filling and the live length count.

pub use super::inbox_filters::Filters;
use super::workspaces::{WsNav, enter};
use super::{Answer, Visit, html, show};
use crate::domain::{
    Access, Id, Item, ItemNotes, Location, Origin, Rating, ReplyState, ReplyTemplate, User,
    date_day,
};
use crate::http::Layout;
use crate::http::paths::WsPath;
use crate::services::facets::{self, Facets, Matching};
use crate::services::{annotations, items, locations, workspaces};
use crate::store::PageRequest;
use actix_web::web;
use askama::Template;

#[derive(Template)]
#[template(path = "pages/inbox.html")]
struct InboxPage {
    layout: Layout,
    ws: WsNav,
    items: Vec<(Item, ItemNotes)>,
    locations: Vec<Location>,
    members: Vec<(Id<User>, String)>,
    templates: Vec<ReplyTemplate>,
    facets: Facets,
    matching: Matching,
    f: Filters,
    next: Option<String>,
    problem: Option<String>,
    /// The workspace turned reply drafts on and the instance has a model.
    drafts_on: bool,
    /// Replies auto-response rules queued in this workspace.
    auto: Vec<crate::services::auto_replies::Pending>,
}

impl InboxPage {
    fn auto_for(&self, item: &Item) -> Option<&crate::services::auto_replies::Pending> {
        self.auto.iter().find(|p| p.queued.item == item.id)
    }

    fn location_name(&self, item: &Item) -> String {
        self.locations
            .iter()
            .find(|l| l.id == item.location)
            .map_or_else(String::new, |l| l.name.clone())
    }

    /// The link to the original, only if it is a web address (never `javascript:` and the like).
    fn link(&self, item: &Item) -> Option<String> {
        item.link
            .as_deref()
            .and_then(|l| url::Url::parse(l).ok())
            .filter(|u| matches!(u.scheme(), "https" | "http"))
            .map(String::from)
    }

    fn location_count(&self, l: &Location) -> u64 {
        self.facets
            .by_location
            .iter()
            .find(|(id, _)| *id == l.id)
            .map_or(0, |(_, n)| *n)
    }

    fn stars(&self, item: &Item) -> String {
        match item.rating {
            Some(Rating::Recommends(true)) => "recommends".into(),
            Some(Rating::Recommends(false)) => "does not recommend".into(),
            Some(r) => format!(
                "{}{}",
                "★".repeat(usize::from(r.stars())),
                "☆".repeat(5 - usize::from(r.stars())),
            ),
            None => String::new(),
        }
    }

    fn stars_label(&self, item: &Item) -> String {
        match item.rating {
            Some(Rating::Recommends(_)) => self.stars(item),
            Some(r) => format!("{} of 5 stars", r.stars()),
            None => String::new(),
        }
    }

    /// The heading's count: "23 of 546", or "546 items" unfiltered.
    fn heading_count(&self) -> String {
        let all = super::words::thousands(self.facets.total);
        if self.f.link().is_empty() {
            return super::words::count(self.facets.total, "item", "items");
        }
        let n = super::words::thousands(self.matching.n);
        if self.matching.exact {
            format!("{n} of {all}")
        } else {
            format!("more than {n} of {all}")
        }
    }

    /// Whether the filters differ from "everything": the folded filters say how many.
    fn active_filters(&self) -> usize {
        self.f.set().len()
    }

    /// The item's state in a word, for the compact list.
    fn state(&self, item: &Item) -> (&'static str, &'static str) {
        match item.reply.as_ref().map(|r| &r.state) {
            Some(ReplyState::Failed { .. } | ReplyState::DeleteFailed { .. }) => {
                ("reply failed", "warn")
            }
            Some(s) if s.in_flight() => ("reply on its way", ""),
            _ if item.needs_attention() => ("needs attention", "warn"),
            _ if item.replied() => ("replied", "ok"),
            _ if item.status == crate::domain::ItemStatus::Removed => ("", ""),
            _ => ("not replied", ""),
        }
    }

    fn failed(&self, item: &Item) -> Option<String> {
        match item.reply.as_ref().map(|r| &r.state) {
            Some(ReplyState::Failed { reason }) => Some(reason.clone()),
            _ => None,
        }
    }

    fn reply_state(&self, item: &Item) -> &'static str {
        item.reply.as_ref().map_or("", |r| r.state.name())
    }

    /// The reply's state in words, with the provider's reason when it refused.
    fn reply_label(&self, item: &Item) -> String {
        let Some(r) = item.reply.as_ref() else {
            return String::new();
        };
        let label = match r.state {
            ReplyState::Deleting => "being deleted",
            ReplyState::DeleteFailed { .. } => "could not be deleted",
            ref other => other.name(),
        };
        match r.state.error() {
            Some(why) => format!("{label}: {why}"),
            None => label.to_string(),
        }
    }

    fn can_reply(&self, item: &Item) -> bool {
        self.ws.can_write()
            && item.origin != Origin::Import
            && item.status != crate::domain::ItemStatus::Removed
            && !item.reply.as_ref().is_some_and(|r| r.state.in_flight())
    }

    fn can_delete_reply(&self, item: &Item) -> bool {
        self.ws.can_write() && item.reply.as_ref().is_some_and(|r| !r.state.in_flight())
    }

    fn limit(&self, item: &Item) -> usize {
        items::reply_limit(item.origin).0
    }

    fn limit_unit(&self, item: &Item) -> &'static str {
        items::reply_limit(item.origin).1
    }

    /// The provider's limit in characters, as a person counts them.
    fn limit_words(&self, item: &Item) -> String {
        let (n, unit) = items::reply_limit(item.origin);
        let provider = match item.origin {
            Origin::Google => "Google",
            Origin::Facebook => "Facebook",
            Origin::Import => "The provider",
        };
        let n = super::words::thousands(n as u64);
        if unit == "bytes" {
            // Google counts bytes: an accented letter takes two, an emoji four.
            format!(
                "{provider} takes up to {n} characters (an accented letter counts as 2, an emoji as 4)."
            )
        } else {
            format!("{provider} takes up to {n} characters.")
        }
    }

    fn member_name(&self, id: &Option<Id<User>>) -> String {
        id.and_then(|id| self.members.iter().find(|(m, _)| *m == id))
            .map_or_else(String::new, |(_, n)| n.clone())
    }

    fn assigned(&self, n: &ItemNotes, m: &Id<User>) -> bool {
        n.assignee == Some(*m)
    }

    fn first_name(&self, item: &Item) -> String {
        if item.author.anonymous {
            return "there".into();
        }
        item.author
            .name
            .split_whitespace()
            .next()
            .unwrap_or("there")
            .to_string()
    }

    fn when(&self, t: &time::OffsetDateTime) -> String {
        super::connections::when(&Some(*t))
    }

    fn languages(&self) -> Vec<(&'static str, &'static str)> {
        crate::domain::language::LANGUAGES.to_vec()
    }

    fn is(&self, a: &str, b: &str) -> bool {
        a == b
    }

    /// The filters other than the search words, carried by the search form.
    fn hidden_filters(&self) -> Vec<(&'static str, &str)> {
        self.f
            .set()
            .into_iter()
            .filter(|(k, _)| *k != "q")
            .collect()
    }

    fn back(&self) -> String {
        format!("/w/{}/inbox?{}", self.ws.id, self.f.link())
    }
}

pub(super) async fn list(
    Visit { req, state, user }: Visit,
    ws: WsPath,
    f: web::Query<Filters>,
) -> Answer {
    let nav = enter(&state, &user, &ws, Access::Read, "inbox").await?;
    let f = f.into_inner();
    let (parsed, problem) = match f.query().filter() {
        Ok(p) => (p, None),
        Err(e) => (
            (crate::store::ItemFilter::default(), PageRequest::first(25)),
            Some(e.message),
        ),
    };
    let (filter, page_req) = parsed;
    let (principal, wid) = (user.principal.clone(), nav.id);
    let data = show(&state, &user.layout, move |ctx| {
        let now = ctx.clock.now();
        let from = filter.since.map_or(0, |t| date_day(t.date()));
        let to = filter
            .until
            .map_or(date_day(now.date()) + 2, |t| date_day(t.date()) + 1);
        let locs = locations::list(ctx, &principal, &wid, &PageRequest::first(500))?;
        let facets = facets::facets(
            ctx,
            &principal,
            &wid,
            &locs.items,
            filter.location.as_ref(),
            from,
            to,
        )?;
        let page = items::list(ctx, &principal, &wid, &filter, &page_req)?;
        let first = page_req
            .cursor
            .is_none()
            .then(|| (page.items.len(), page.next.clone()));
        let matching = facets::matching(ctx, &principal, &wid, &filter, &facets, first)?;
        let ids: Vec<_> = page.items.iter().map(|i| i.id).collect();
        let notes = ctx.store.items().notes_many(&wid, &ids)?;
        let with_notes: Vec<(Item, ItemNotes)> = page.items.into_iter().zip(notes).collect();
        let members = workspaces::members(ctx, &principal, &wid, &PageRequest::first(200))?
            .items
            .into_iter()
            .map(|m| {
                let name = if m.user.name.trim().is_empty() {
                    m.user.email.to_string()
                } else {
                    m.user.name.clone()
                };
                (m.user.id, name)
            })
            .collect();
        let templates = annotations::templates(ctx, &principal, &wid)?;
        let drafts_on = ctx.config.ai.enabled && ctx.store.drafts().settings(&wid)?.enabled;
        let shown: Vec<&Item> = with_notes.iter().map(|(i, _)| i).collect();
        let auto = crate::services::auto_replies::pending_among(ctx, &principal, &wid, &shown)?;
        Ok((
            with_notes,
            page.next,
            locs.items,
            members,
            (templates, drafts_on, auto),
            (facets, matching),
        ))
    })
    .await?;
    let (items, next, locations, members, (templates, drafts_on, auto), (facets, matching)) = data;
    html(
        &req,
        &InboxPage {
            layout: user.layout.clone(),
            ws: nav,
            items,
            locations,
            members,
            templates,
            facets,
            matching,
            f,
            next,
            problem,
            drafts_on,
            auto,
        },
        &user.layout,
    )
}
