//! The Campaigns page: every campaign with where its mail stands, and the form for a new one
//! (shown again as typed when it is refused).

use super::campaign_form::{CampaignForm, input};
use super::form_post::FormPost;
use super::relay_banner::{RelayBanner, banner};
use super::workspaces::{WsNav, enter};
use super::{Answer, PageCursor, PageUser, Visit, html, run, show};
use crate::domain::{Access, Campaign, CampaignStatus, Location};
use crate::http::paths::WsPath;
use crate::http::{AppState, Layout};
use crate::services::campaigns;
use crate::services::mail_state::{self, CampaignMail};
use actix_web::{HttpRequest, web};
use askama::Template;

#[derive(Template)]
#[template(path = "pages/campaigns.html")]
struct ListPage {
    layout: Layout,
    ws: WsNav,
    relay: Option<RelayBanner>,
    campaigns: Vec<(Campaign, CampaignMail)>,
    next: Option<String>,
    locations: Vec<Location>,
    /// The new-campaign form's fields: the workspace's template, or what was typed.
    d: CampaignForm,
    problem: Option<String>,
}

impl ListPage {
    fn is(&self, a: &str, b: &str) -> bool {
        a == b
    }
}

pub(super) async fn list(
    Visit { req, state, user }: Visit,
    ws: WsPath,
    q: web::Query<PageCursor>,
) -> Answer {
    let nav = enter(&state, &user, &ws, Access::Read, "campaigns").await?;
    render(&req, &state, &user, nav, q.into_inner(), None).await
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    user: &PageUser,
    nav: WsNav,
    cursor: PageCursor,
    refused: Option<(CampaignForm, String)>,
) -> Answer {
    let (principal, wid) = (user.principal.clone(), nav.id);
    let (page, locations, settings, (health, pending)) = show(state, &user.layout, move |ctx| {
        let mut page = campaigns::list(ctx, &principal, &wid, &cursor.request())?;
        let settings = campaigns::settings(ctx, &principal, &wid)?;
        let relay = mail_state::relay(ctx)?;
        // Counted while mail waits in the outbox (any campaign may have some there), and for
        // finished ones (delivered, failed or nobody to mail): one recipients scan each.
        let mut rows = Vec::with_capacity(page.items.len());
        for c in page.items.drain(..) {
            let funnel = match c.status {
                CampaignStatus::Draft | CampaignStatus::Scheduled => None,
                _ if relay.1 || c.status == CampaignStatus::Done => {
                    Some(ctx.store.campaigns().funnel(&c.id)?)
                }
                _ => None,
            };
            let mail = mail_state::of(&c, funnel.as_ref(), &relay.0);
            rows.push((c, mail));
        }
        Ok((
            (rows, page.next),
            ctx.store.locations().all(&wid)?,
            settings,
            relay,
        ))
    })
    .await?;
    let (d, problem) = match refused {
        Some((d, why)) => (d, Some(why)),
        None => (
            CampaignForm {
                subject: settings.subject,
                body_text: settings.body_text,
                ..CampaignForm::default()
            },
            None,
        ),
    };
    let page = ListPage {
        layout: user.layout.clone(),
        ws: nav,
        relay: banner(health, pending, &user.layout),
        campaigns: page.0,
        next: page.1,
        locations,
        d,
        problem,
    };
    if page.problem.is_some() {
        super::refused(req, &page, &user.layout)
    } else {
        html(req, &page, &user.layout)
    }
}

pub(super) async fn create(ws: WsPath, post: FormPost<CampaignForm>) -> Answer {
    let FormPost {
        action: Visit { req, state, user },
        form: f,
    } = post;
    let wid = ws.into_inner();
    let typed = f.clone();
    let outcome = match input(&f) {
        Ok(input) => {
            let actor = user.actor(&req);
            run(&state, &user.layout, move |ctx| {
                campaigns::create(ctx, &actor, &wid, &input)
            })
            .await?
        }
        Err(m) => Err(m),
    };
    match outcome {
        Ok(c) => Ok(super::redirect(
            &format!("/w/{wid}/campaigns/{}", c.id),
            Ok("Campaign saved as a draft. Check it, then send it."),
        )),
        // The form again as typed, with the reason: a written message is never lost.
        Err(why) => {
            let nav = enter(&state, &user, &wid, Access::Read, "campaigns").await?;
            render(
                &req,
                &state,
                &user,
                nav,
                PageCursor::default(),
                Some((typed, why)),
            )
            .await
        }
    }
}
