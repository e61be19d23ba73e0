//! Campaign pages: the list with a form for a new one, and one campaign with where its mail
//! stands, its funnel, and (a draft) who it will mail and how they will read it.

use super::campaign_form::{CampaignForm, input};
use super::form_post::FormPost;
use super::relay_banner::{RelayBanner, banner};
use super::traffic::Bar;
use super::workspaces::{WsNav, enter};
use super::{Answer, CsrfForm, Visit, html, id, show};
use crate::domain::{Access, Campaign, CampaignStatus, Funnel, Location};
use crate::http::paths::WsChildPath;
use crate::http::{Layout, PageError};
use crate::services::campaign_check::{self, AudienceCount, Blocker};
use crate::services::campaigns::{self, Action};
use crate::services::mail_state::{self, CampaignMail};
use actix_web::web;
use askama::Template;

#[derive(Template)]
#[template(path = "pages/campaign.html")]
struct DetailPage {
    layout: Layout,
    ws: WsNav,
    c: Campaign,
    location: String,
    locations: Vec<Location>,
    funnel: Vec<Bar>,
    mail: CampaignMail,
    relay: Option<RelayBanner>,
    opens: bool,
    /// The workspace's frequency cap, in days.
    ws_cap: u32,
    /// Before sending: whom it would mail, what stops it, its email for the first of them.
    audience: Option<AudienceCount>,
    blockers: Vec<Blocker>,
    preview: Option<Preview>,
}

struct Preview {
    to: String,
    subject: String,
    text: String,
    html: String,
}

fn funnel_bars(f: &Funnel, opens: bool) -> Vec<Bar> {
    let mut rows = vec![
        ("queued", f.queued),
        ("delivered (accepted by the relay)", f.delivered),
        ("bounced", f.bounced),
        ("failed (the relay never took them)", f.failed),
        ("waiting in the outbox", f.waiting),
        (
            "not sent (asked lately, unsubscribed or restricted)",
            f.skipped,
        ),
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
    let (c, funnel, locations, settings, relay, check) = show(&state, &user.layout, move |ctx| {
        let (c, f) = campaigns::get(ctx, &principal, &wid, &cid)?;
        let settings = campaigns::settings(ctx, &principal, &wid)?;
        let check = match c.status {
            CampaignStatus::Draft | CampaignStatus::Scheduled => {
                Some(campaign_check::check(ctx, &principal, &wid, &cid)?)
            }
            _ => None,
        };
        let relay = mail_state::relay(ctx)?;
        Ok((
            c,
            f,
            ctx.store.locations().all(&wid)?,
            settings,
            relay,
            check,
        ))
    })
    .await?;
    let location = c
        .location
        .and_then(|l| locations.iter().find(|x| x.id == l))
        .map_or_else(|| "every location".to_string(), |l| l.name.clone());
    let (audience, blockers, preview) = match check {
        Some(k) => (
            Some(k.audience),
            k.blockers,
            k.preview.map(|(contact, r)| Preview {
                to: contact.email.to_string(),
                subject: r.subject,
                text: r.text,
                html: r.html.unwrap_or_default(),
            }),
        ),
        None => (None, Vec::new(), None),
    };
    html(
        &req,
        &DetailPage {
            layout: user.layout.clone(),
            ws: nav,
            funnel: funnel_bars(&funnel, settings.track_opens),
            mail: mail_state::of(&c, Some(&funnel), &relay.0),
            relay: banner(relay.0, relay.1, &user.layout),
            opens: settings.track_opens,
            ws_cap: settings.ask_cap_days,
            location,
            locations,
            audience,
            blockers,
            preview,
            c,
        },
        &user.layout,
    )
}

/// Saves a changed draft (or scheduled campaign) and shows it again.
pub(super) async fn edit(path: WsChildPath<Campaign>, post: FormPost<CampaignForm>) -> Answer {
    let FormPost { action, form } = post;
    let (wid, cid) = path.into_inner();
    let back = format!("/w/{wid}/campaigns/{cid}");
    let input = match input(&form) {
        Ok(i) => i,
        Err(m) => return Ok(super::redirect(&back, Err(&m))),
    };
    action
        .then(&back, "Campaign saved.", move |ctx, who| {
            campaigns::update(ctx, who, &wid, &cid, &input)
        })
        .await
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
        "cancel" => (
            Action::Cancel,
            "The schedule is cancelled: the campaign is a draft again.",
        ),
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
    fn is_draft(&self) -> bool {
        self.c.status == CampaignStatus::Draft
    }
    fn can_cancel(&self) -> bool {
        self.c.status == CampaignStatus::Scheduled
    }
    fn will_mail(&self) -> String {
        let n = self.audience.as_ref().map_or(0, |a| a.will_mail);
        super::words::count(n, "contact", "contacts")
    }
    fn cap_days(&self) -> u32 {
        self.c.audience.not_asked_days.unwrap_or(self.ws_cap)
    }
    /// `send_at` as a `datetime-local` value (UTC).
    fn send_at_value(&self) -> String {
        self.c.send_at.map_or_else(String::new, |t| {
            format!("{}T{:02}:{:02}", t.date(), t.hour(), t.minute())
        })
    }
    fn not_asked_value(&self) -> String {
        self.c
            .audience
            .not_asked_days
            .map_or_else(String::new, |d| d.to_string())
    }
    fn reminder_value(&self) -> String {
        self.c
            .reminder_days
            .map_or_else(String::new, |d| d.to_string())
    }
    fn cap_value(&self) -> String {
        self.c.daily_cap.map_or_else(String::new, |d| d.to_string())
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
