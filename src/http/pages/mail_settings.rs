//! The instance's mail settings for instance admins, with "Send test email": a message straight
//! through the relay, stage by stage, and the likely fix of the stage that failed.

use super::form_post::{self, FormPost};
use super::relay_banner::{RelayBanner, banner};
use super::words;
use super::{Answer, PageUser, Visit, html};
use crate::config::SmtpSecurity;
use crate::http::{AppState, Layout, PageError};
use crate::mail::probe::Report;
use crate::services::mail_state::{self, OutboxSummary};
use crate::services::{mailing, traffic::require_admin};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/mail_settings.html")]
struct MailPage {
    layout: Layout,
    relay: Option<RelayBanner>,
    outbox: OutboxSummary,
    rows: Vec<(&'static str, String)>,
    to: String,
    report: Option<Report>,
    error: Option<String>,
}

fn rows(state: &AppState) -> Vec<(&'static str, String)> {
    let c = &state.ctx.config.smtp;
    let or = |v: &Option<String>, d: &str| v.clone().unwrap_or_else(|| d.to_string());
    vec![
        (
            "Relay",
            or(&c.host, "none: mail is written to files in the data folder"),
        ),
        ("Port", c.effective_port().to_string()),
        (
            "Security",
            match c.security {
                SmtpSecurity::Starttls => "STARTTLS".into(),
                SmtpSecurity::Tls => "TLS from the first byte".into(),
                SmtpSecurity::None => "none".into(),
            },
        ),
        ("Sign-in", or(&c.username, "none")),
        ("Sender", c.from.clone()),
        (
            "DKIM",
            match (&c.dkim_domain, &c.dkim_selector) {
                (Some(d), Some(s)) => format!("signed as d={d}, s={s}"),
                _ => "off".into(),
            },
        ),
        ("Connections", c.pool_size.to_string()),
        (
            "Rate",
            match c.rate_per_sec {
                0 => "as fast as the relay takes".into(),
                n => format!("{n} a second at most"),
            },
        ),
    ]
}

/// The relay banner and the outbox at a glance.
async fn outbox_of(
    state: &AppState,
    layout: &Layout,
) -> Result<(Option<RelayBanner>, OutboxSummary), PageError> {
    let ((health, pending), outbox) = super::show(state, layout, |ctx| {
        Ok((mail_state::relay(ctx)?, mail_state::outbox_summary(ctx)?))
    })
    .await?;
    Ok((banner(health, pending, layout), outbox))
}

impl MailPage {
    fn oldest(&self) -> String {
        self.outbox
            .oldest_waiting
            .map_or_else(|| "none".into(), words::time)
    }
    fn errors(&self) -> Vec<(String, &str)> {
        self.outbox
            .last_errors
            .iter()
            .map(|(at, e)| (words::time(*at), e.as_str()))
            .collect()
    }
}

pub(super) async fn page(req: HttpRequest, state: web::Data<AppState>, user: PageUser) -> Answer {
    require_admin(&user.principal)
        .map_err(|e| PageError::new(&user.layout, StatusCode::FORBIDDEN, e.to_string()))?;
    let (relay, outbox) = outbox_of(&state, &user.layout).await?;
    let page = MailPage {
        layout: user.layout.clone(),
        relay,
        outbox,
        rows: rows(&state),
        to: user.user.email.to_string(),
        report: None,
        error: None,
    };
    html(&req, &page, &user.layout)
}

#[derive(Deserialize)]
pub(super) struct TestForm {
    csrf: String,
    to: String,
}

pub(super) async fn test(post: FormPost<TestForm>) -> Answer {
    let FormPost {
        action: Visit { req, state, user },
        form: f,
    } = post;
    require_admin(&user.principal)
        .map_err(|e| PageError::new(&user.layout, StatusCode::FORBIDDEN, e.to_string()))?;
    let outcome = mailing::test_relay(
        &state.ctx.config.smtp,
        &state.ctx.instance_url,
        &f.to,
        &format!("{} from the mail settings page", user.user.email),
        state.ctx.clock.now(),
    )
    .await;
    let (report, error) = match outcome {
        Ok(r) => (Some(r), None),
        Err(e) => (None, Some(e)),
    };
    let (relay, outbox) = outbox_of(&state, &user.layout).await?;
    let page = MailPage {
        layout: user.layout.clone(),
        relay,
        outbox,
        rows: rows(&state),
        to: f.to,
        report,
        error,
    };
    html(&req, &page, &user.layout)
}

form_post::proof!(TestForm);
