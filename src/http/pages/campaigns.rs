//! Campaign pages: the list with a form for a new one, and one campaign with its funnel and
//! the buttons that send, pause and resume it.

use super::form_post::{self, FormPost};
use super::traffic::Bar;
use super::workspaces::{WsNav, enter};
use super::{Answer, CsrfForm, PageCursor, Visit, html, id, run, show};
use crate::domain::{Access, Campaign, CampaignStatus, Funnel, Location};
use crate::http::paths::{WsChildPath, WsPath};
use crate::http::{Layout, PageError};
use crate::services::campaigns::{self, Action, CampaignInput};
use actix_web::web;
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/campaigns.html")]
struct ListPage {
    layout: Layout,
    ws: WsNav,
    campaigns: Vec<Campaign>,
    next: Option<String>,
    locations: Vec<Location>,
    subject: String,
    body_text: String,
}

pub(super) async fn list(
    Visit { req, state, user }: Visit,
    ws: WsPath,
    q: web::Query<PageCursor>,
) -> Answer {
    let nav = enter(&state, &user, &ws, Access::Read, "campaigns").await?;
    let (principal, wid, cursor) = (user.principal.clone(), nav.id, q.into_inner());
    let (page, locations, settings) = show(&state, &user.layout, move |ctx| {
        let page = campaigns::list(ctx, &principal, &wid, &cursor.request())?;
        let settings = campaigns::settings(ctx, &principal, &wid)?;
        Ok((page, ctx.store.locations().all(&wid)?, settings))
    })
    .await?;
    html(
        &req,
        &ListPage {
            layout: user.layout.clone(),
            ws: nav,
            campaigns: page.items,
            next: page.next,
            locations,
            subject: settings.subject,
            body_text: settings.body_text,
        },
        &user.layout,
    )
}

#[derive(Deserialize)]
pub(super) struct CampaignForm {
    csrf: String,
    name: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body_text: String,
    #[serde(default)]
    body_html: String,
    #[serde(default)]
    not_asked_days: String,
    #[serde(default)]
    reminder_days: String,
    #[serde(default)]
    daily_cap: String,
    #[serde(default)]
    send_at: String,
}

/// A number field: empty is none; anything else must be a whole number.
fn number(name: &str, raw: &str) -> Result<Option<u32>, String> {
    match raw.trim() {
        "" => Ok(None),
        n => n
            .parse()
            .map(Some)
            .map_err(|_| format!("{name}: a whole number")),
    }
}

/// `<input type="datetime-local">` sends `2026-12-01T09:30`: taken as UTC.
fn send_at(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    Some(if raw.len() == 16 {
        format!("{raw}:00Z")
    } else {
        raw.to_string()
    })
}

fn input(f: &CampaignForm) -> Result<CampaignInput, String> {
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.to_string());
    Ok(CampaignInput {
        name: f.name.clone(),
        location: opt(&f.location),
        subject: opt(&f.subject),
        body_text: opt(&f.body_text),
        body_html: opt(&f.body_html),
        added_since: None,
        not_asked_days: number("Skip contacts asked within (days)", &f.not_asked_days)?,
        reminder_days: number("Reminder after (days)", &f.reminder_days)?,
        daily_cap: number("Daily cap", &f.daily_cap)?,
        send_at: send_at(&f.send_at),
    })
}

pub(super) async fn create(ws: WsPath, post: FormPost<CampaignForm>) -> Answer {
    let FormPost {
        action: Visit { req, state, user },
        form: f,
    } = post;
    let wid = ws.into_inner();
    let back = format!("/w/{wid}/campaigns");
    let input = match input(&f) {
        Ok(i) => i,
        Err(m) => return Ok(super::redirect(&back, Err(&m))),
    };
    let actor = user.actor(&req);
    Ok(
        match run(&state, &user.layout, move |ctx| {
            campaigns::create(ctx, &actor, &wid, &input)
        })
        .await?
        {
            Ok(c) => super::redirect(
                &format!("/w/{wid}/campaigns/{}", c.id),
                Ok("Campaign saved as a draft. Check it, then send it."),
            ),
            Err(m) => super::redirect(&back, Err(&m)),
        },
    )
}

#[derive(Template)]
#[template(path = "pages/campaign.html")]
struct DetailPage {
    layout: Layout,
    ws: WsNav,
    c: Campaign,
    location: String,
    funnel: Vec<Bar>,
    opens: bool,
}

fn funnel_bars(f: &Funnel, opens: bool) -> Vec<Bar> {
    let mut rows = vec![
        ("queued", f.queued),
        ("delivered (accepted by the relay)", f.delivered),
        ("bounced", f.bounced),
        ("not sent (unsubscribed or restricted meanwhile)", f.skipped),
        ("reminded", f.reminded),
        ("clicked", f.clicked),
        ("rated", f.rated),
        ("unsubscribed", f.unsubscribed),
    ];
    if opens {
        rows.insert(4, ("opened", f.opened));
    }
    let top = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    rows.into_iter()
        .map(|(label, count)| Bar {
            label: label.to_string(),
            count,
            width: count * 100 / top,
        })
        .collect()
}

pub(super) async fn detail(
    Visit { req, state, user }: Visit,
    path: WsChildPath<Campaign>,
) -> Answer {
    let nav = enter(&state, &user, &path.0, Access::Read, "campaigns").await?;
    let cid = path.1;
    let (principal, wid) = (user.principal.clone(), nav.id);
    let (c, funnel, locations, settings) = show(&state, &user.layout, move |ctx| {
        let (c, f) = campaigns::get(ctx, &principal, &wid, &cid)?;
        let settings = campaigns::settings(ctx, &principal, &wid)?;
        Ok((c, f, ctx.store.locations().all(&wid)?, settings))
    })
    .await?;
    let location = c
        .location
        .and_then(|l| locations.iter().find(|x| x.id == l))
        .map_or_else(|| "every location".to_string(), |l| l.name.clone());
    html(
        &req,
        &DetailPage {
            layout: user.layout.clone(),
            ws: nav,
            funnel: funnel_bars(&funnel, settings.track_opens),
            opens: settings.track_opens,
            location,
            c,
        },
        &user.layout,
    )
}

pub(super) async fn act_on(
    path: web::Path<(String, String, String)>,
    post: FormPost<CsrfForm>,
) -> Answer {
    let FormPost { action, .. } = post;
    let (wid, cid) = (
        id(&action.user.layout, &path.0)?,
        id(&action.user.layout, &path.1)?,
    );
    let (what, done) = match path.2.as_str() {
        "send" => (Action::Send, "Sending has started."),
        "pause" => (
            Action::Pause,
            "Paused. Nothing more is sent until you resume.",
        ),
        "resume" => (Action::Resume, "Resumed."),
        _ => {
            return Err(PageError::new(
                &action.user.layout,
                actix_web::http::StatusCode::NOT_FOUND,
                "There is nothing at this address.",
            ));
        }
    };
    let back = format!("/w/{wid}/campaigns/{cid}");
    action
        .then(&back, done, move |ctx, who| {
            campaigns::act(ctx, who, &wid, &cid, what)
        })
        .await
}

impl DetailPage {
    fn can_send(&self) -> bool {
        matches!(self.c.status, CampaignStatus::Draft)
    }
    fn can_pause(&self) -> bool {
        matches!(
            self.c.status,
            CampaignStatus::Scheduled | CampaignStatus::Sending | CampaignStatus::WaitingReminder
        )
    }
    fn can_resume(&self) -> bool {
        self.c.status == CampaignStatus::Paused
    }
}

form_post::proof!(CampaignForm);
