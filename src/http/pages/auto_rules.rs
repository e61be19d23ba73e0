//! Auto-response rules by form: the rules and the replies they queued (each cancellable), a
//! rule made, changed, switched off or deleted; and the inbox's "Cancel the automatic reply".

use super::form_post::{self, FormPost};
use super::inbox_forms::back_at;
use super::workspaces::{WsNav, enter};
use super::{Answer, Visit, html, redirect, show};
use crate::domain::{AutoRule, Id, Item, Location, ReplyTemplate};
use crate::http::Layout;
use crate::http::paths::{WsChildPath, WsPath};
use crate::services::auto_replies::{self, Pending, RuleInput};
use crate::services::{annotations, locations};
use crate::store::PageRequest;
use actix_web::web;
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/auto_rules.html")]
struct RulesPage {
    layout: Layout,
    ws: WsNav,
    rules: Vec<AutoRule>,
    queue: Vec<Pending>,
    templates: Vec<ReplyTemplate>,
    locations: Vec<Location>,
}

impl RulesPage {
    fn template_name(&self, r: &AutoRule) -> String {
        self.templates
            .iter()
            .find(|t| t.id == r.template)
            .map_or_else(|| "(deleted template)".into(), |t| t.name.clone())
    }

    fn places(&self, r: &AutoRule) -> String {
        if r.locations.is_empty() {
            return "every location".into();
        }
        let names: Vec<String> = self
            .locations
            .iter()
            .filter(|l| r.locations.contains(&l.id))
            .map(|l| l.name.clone())
            .collect();
        names.join(", ")
    }

    fn stars(&self, r: &AutoRule) -> String {
        let s: Vec<String> = r.stars.iter().map(|n| format!("{n}★")).collect();
        s.join(", ")
    }

    fn when(&self, t: &time::OffsetDateTime) -> String {
        super::connections::when(&Some(*t))
    }
}

pub(super) async fn page(Visit { req, state, user }: Visit, ws: WsPath) -> Answer {
    let nav = enter(&state, &user, &ws, crate::domain::Access::Read, "inbox").await?;
    let (principal, wid) = (user.principal.clone(), nav.id);
    let (rules, queue, templates, locs) = show(&state, &user.layout, move |ctx| {
        Ok((
            auto_replies::rules(ctx, &principal, &wid)?,
            auto_replies::queue(ctx, &principal, &wid)?,
            annotations::templates(ctx, &principal, &wid)?,
            locations::list(ctx, &principal, &wid, &PageRequest::first(500))?.items,
        ))
    })
    .await?;
    html(
        &req,
        &RulesPage {
            layout: user.layout.clone(),
            ws: nav,
            rules,
            queue,
            templates,
            locations: locs,
        },
        &user.layout,
    )
}

/// The rule form's fields (repeated `stars` and `location`); what does not parse is refused
/// with the field's name.
fn rule_input(pairs: &[(String, String)]) -> Result<RuleInput, String> {
    let all = |k: &str| -> Vec<&String> {
        pairs
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v)
            .collect()
    };
    let one = |k: &str| form_post::field(pairs, k);
    let stars = all("stars")
        .into_iter()
        .map(|s| {
            s.parse::<u8>()
                .map_err(|_| format!("stars: `{s}` is not 1 to 5"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let locations = all("location")
        .into_iter()
        .filter(|v| !v.is_empty())
        .map(|l| {
            l.parse::<Id<Location>>()
                .map_err(|_| format!("location: `{l}` is not a location id"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let template = one("template");
    let delay = one("delay_minutes");
    Ok(RuleInput {
        name: one("name"),
        stars,
        template: template
            .parse()
            .map_err(|_| "template: choose a reply template".to_string())?,
        delay_minutes: delay
            .trim()
            .parse()
            .map_err(|_| format!("delay_minutes: `{delay}` is not a number of minutes"))?,
        locations,
        enabled: one("enabled") == "on",
    })
}

/// Creates a rule (no `id` field) or replaces one.
pub(super) async fn save(
    Visit { req, state, user }: Visit,
    ws: WsPath,
    body: web::Bytes,
) -> Answer {
    let pairs = form_post::form_pairs(&body);
    let field = |k: &str| form_post::field(&pairs, k);
    let visit = Visit::checked(req, state, user, &field("csrf"))?;
    let wid = ws.into_inner();
    let back = format!("/w/{wid}/auto-replies");
    let id = match field("id") {
        s if s.is_empty() => None,
        s => match s.parse::<Id<AutoRule>>() {
            Ok(id) => Some(id),
            Err(_) => return Ok(redirect(&back, Err("id: not a rule id"))),
        },
    };
    let input = match rule_input(&pairs) {
        Ok(i) => i,
        Err(m) => return Ok(redirect(&back, Err(&m))),
    };
    visit
        .then(&back, "Rule saved.", move |ctx, who| {
            auto_replies::save_rule(ctx, who, &wid, id.as_ref(), &input)
        })
        .await
}

#[derive(Deserialize)]
pub(super) struct CancelForm {
    csrf: String,
    /// `inbox` (with `back`, the inbox as it was filtered) or the rules page.
    #[serde(default)]
    from: String,
    #[serde(default)]
    back: String,
}
form_post::proof!(CancelForm);

/// Cancels the automatic reply queued for one item.
pub(super) async fn cancel(path: WsChildPath<Item>, post: FormPost<CancelForm>) -> Answer {
    let FormPost { action, form: f } = post;
    let (wid, item) = path.into_inner();
    let back = if f.from == "inbox" {
        back_at(&wid.to_string(), &f.back, &item)
    } else {
        format!("/w/{wid}/auto-replies")
    };
    action
        .then(
            &back,
            "Automatic reply cancelled; it will not be sent.",
            move |ctx, who| auto_replies::cancel(ctx, who, &wid, &item),
        )
        .await
}
