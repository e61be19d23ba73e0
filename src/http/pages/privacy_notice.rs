//! `/privacy`: the privacy notice, drawn from the running configuration (operator, retention
//! periods, the providers and relay actually in use, the cookies actually set), so it cannot
//! drift from what the instance does.

use super::{Answer, MaybeUser, html};
use crate::http::{AppState, Layout};
use actix_web::{HttpRequest, web};
use askama::Template;

#[derive(Template)]
#[template(path = "pages/privacy_notice.html")]
struct Notice {
    layout: Layout,
    operator: String,
    contact: Option<String>,
    contact_is_email: bool,
    shared_with: Vec<String>,
    kept: Vec<(&'static str, String)>,
    cookies: Vec<(String, &'static str)>,
}

fn days(n: u64) -> String {
    match n {
        0 => "until deleted".into(),
        n if n % 365 == 0 => format!("{} years", n / 365),
        n => format!("{n} days"),
    }
}

pub(super) async fn page(req: HttpRequest, state: web::Data<AppState>, who: MaybeUser) -> Answer {
    let c = &state.ctx.config;
    let mut shared_with = Vec::new();
    if c.providers.google.client_id.is_some() {
        shared_with
            .push("Google (Business Profile reviews and replies, sign-in with Google)".into());
    }
    if c.providers.facebook.client_id.is_some() {
        shared_with
            .push("Facebook (Page ratings, comments and replies, sign-in with Facebook)".into());
    }
    match &c.smtp.host {
        Some(h) => shared_with.push(format!(
            "the email relay {h} (every email this service sends)"
        )),
        None => {
            shared_with.push("no one for email: this instance keeps its emails as files".into())
        }
    }
    if let Some(url) = c.ai.base_url.as_ref().filter(|_| c.ai.enabled) {
        shared_with.push(format!(
            "the model server at {} (the text, rating and first name of a review, only when a \
             person asks for a reply draft in a workspace that turned drafts on)",
            url.host_str().unwrap_or("its configured address")
        ));
    }
    let r = &c.retention;
    let kept = vec![
        (
            "Request logs (address, page, browser)",
            days(c.logs.retention_days),
        ),
        ("Audit log (who changed what)", days(r.audit_days)),
        ("Feedback answers", days(r.feedback_days)),
        (
            "Customers never asked for feedback",
            days(r.unasked_contacts_days),
        ),
        (
            "Sent emails (bodies are dropped once sent)",
            days(r.outbox_days),
        ),
        (
            "A deleted workspace, for the operator to bring back",
            days(r.deleted_workspaces_days),
        ),
        (
            "Reviews removed at Google or Facebook",
            days(r.removed_items_days),
        ),
        (
            "Reviews copied from Google and Facebook",
            "while the location stays connected, or until erased".into(),
        ),
        (
            "Addresses that unsubscribed or were erased",
            "as a keyed hash only, so they are never mailed again".into(),
        ),
    ];
    let cookies = vec![
        (
            state.cookie.name.to_string(),
            "keeps you signed in (strictly necessary; ends when you sign out)",
        ),
        (
            super::FLASH.into(),
            "shows a one-line message after a form (strictly necessary; 60 seconds)",
        ),
        (
            super::oauth::FLOW_COOKIE.into(),
            "completes signing in with Google or Facebook (strictly necessary; minutes)",
        ),
        (
            super::connect_flow::FLOW_COOKIE.into(),
            "completes connecting a Google or Facebook account (strictly necessary; 30 minutes)",
        ),
        (
            super::link_feedback::ANSWER_COOKIE.into(),
            "lets you change the feedback you gave through a shop's link or QR code instead of \
             sending it twice (strictly necessary; one day)",
        ),
    ];
    let contact = c.privacy.operator_contact.clone();
    let page = Notice {
        layout: who.1.clone(),
        operator: c
            .privacy
            .operator_name
            .clone()
            .unwrap_or_else(|| "the operator of this Plaudit instance".into()),
        contact_is_email: contact
            .as_deref()
            .is_some_and(|c| c.contains('@') && !c.contains('/')),
        contact,
        shared_with,
        kept,
        cookies,
    };
    html(&req, &page, &who.1)
}
