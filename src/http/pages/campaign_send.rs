//! Sending a campaign deliberately: a confirmation that names how many contacts it will mail
//! (asked again if that number changed), a test to oneself, and deleting a draft.

use super::form_post::{self, FormPost};
use super::workspaces::{WsNav, enter};
use super::{Answer, CsrfForm, html, redirect, run};
use crate::domain::{Access, Campaign};
use crate::http::Layout;
use crate::http::paths::WsChildPath;
use crate::services::campaign_check::{self, AudienceCount, Blocker};
use crate::services::campaigns::{self, Action};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/campaign_confirm.html")]
struct ConfirmPage {
    layout: Layout,
    ws: WsNav,
    c: Campaign,
    audience: AudienceCount,
    blockers: Vec<Blocker>,
    /// The number changed since the page the sender saw.
    changed: bool,
}

impl ConfirmPage {
    fn contacts(&self) -> String {
        super::words::count(self.audience.will_mail, "contact", "contacts")
    }
    fn blocked(&self) -> bool {
        self.blockers.iter().any(|b| !b.may_override)
    }
    fn warns(&self) -> bool {
        self.blockers.iter().any(|b| b.may_override)
    }
}

#[derive(Deserialize)]
pub(super) struct SendForm {
    csrf: String,
    /// The number the sender confirmed; absent on the first step.
    #[serde(default)]
    expected: Option<String>,
    #[serde(default)]
    without_review_link: Option<String>,
}

/// First step (no `expected`): the confirmation page. Second: sends if the number is still the
/// one confirmed, else asks again with the new one.
pub(super) async fn send(path: WsChildPath<Campaign>, post: FormPost<SendForm>) -> Answer {
    let FormPost { action, form } = post;
    let (wid, cid) = path.into_inner();
    let nav = enter(
        &action.state,
        &action.user,
        &wid,
        Access::Write,
        "campaigns",
    )
    .await?;
    let principal = action.user.principal.clone();
    let (c, check) = super::show(&action.state, &action.user.layout, move |ctx| {
        let check = campaign_check::check(ctx, &principal, &wid, &cid)?;
        let (c, _) = campaigns::get(ctx, &principal, &wid, &cid)?;
        Ok((c, check))
    })
    .await?;
    let expected = form.expected.as_deref().and_then(|n| n.parse::<u64>().ok());
    let waived = form.without_review_link.is_some();
    let blocked = check.blockers.iter().any(|b| !b.may_override || !waived);
    if expected != Some(check.audience.will_mail) || blocked {
        let page = ConfirmPage {
            layout: action.user.layout.clone(),
            ws: nav,
            c,
            changed: expected.is_some_and(|n| n != check.audience.will_mail),
            audience: check.audience,
            blockers: check.blockers,
        };
        return html(&action.req, &page, &action.user.layout);
    }
    let back = format!("/w/{wid}/campaigns/{cid}");
    let done = format!(
        "Sending to {} has started.",
        super::words::count(check.audience.will_mail, "contact", "contacts")
    );
    action
        .then(&back, &done, move |ctx, who| {
            campaigns::act(
                ctx,
                who,
                &wid,
                &cid,
                Action::Send {
                    without_review_link: waived,
                },
            )
        })
        .await
}

/// "Send a test to me": the email as its first contact would read it, to the signed-in person.
pub(super) async fn test(path: WsChildPath<Campaign>, post: FormPost<CsrfForm>) -> Answer {
    let FormPost { action, .. } = post;
    let (wid, cid) = path.into_inner();
    let to = action.user.user.email.clone();
    let back = format!("/w/{wid}/campaigns/{cid}");
    let done = format!("A test email is on its way to {to}.");
    let actor = action.actor();
    let sent = run(&action.state, &action.user.layout, move |ctx| {
        campaign_check::send_test(ctx, &actor, &wid, &cid, &to)
    })
    .await?;
    if sent.is_ok() {
        action
            .state
            .ctx
            .store
            .flush()
            .await
            .map_err(|e| crate::http::PageError::internal(&action.user.layout, e))?;
    }
    Ok(match sent {
        Ok(()) => redirect(&back, Ok(&done)),
        Err(m) => redirect(&back, Err(&m)),
    })
}

pub(super) async fn delete(path: WsChildPath<Campaign>, post: FormPost<CsrfForm>) -> Answer {
    let FormPost { action, .. } = post;
    let (wid, cid) = path.into_inner();
    let actor = action.actor();
    let removed = run(&action.state, &action.user.layout, move |ctx| {
        campaigns::remove(ctx, &actor, &wid, &cid)
    })
    .await?;
    Ok(match removed {
        Ok(()) => redirect(&format!("/w/{wid}/campaigns"), Ok("The draft was deleted.")),
        Err(m) => redirect(&format!("/w/{wid}/campaigns/{cid}"), Err(&m)),
    })
}

form_post::proof!(SendForm);
