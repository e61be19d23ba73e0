//! The workspace's feedback: what customers answered, and the feedback-request template,
//! branding and score scale every campaign uses.

use super::form_post::{self, FormPost};
use super::workspaces::{WsNav, enter};
use super::{PageCursor, Visit, html, show};
use crate::domain::{Access, FeedbackSettings, ScoreScale};
use crate::http::Layout;
use crate::http::paths::WsPath;
use crate::services::campaigns::{self, SettingsInput};
use actix_web::web;
use askama::Template;
use serde::Deserialize;

pub struct Answer {
    pub id: String,
    pub at: String,
    /// Through the location's public link or QR code, not an email.
    pub via_link: bool,
    pub who: String,
    pub location: String,
    pub score: String,
    pub low: bool,
    pub comment: String,
    /// The customer agreed to its publication.
    pub publishable: bool,
}

#[derive(Template)]
#[template(path = "pages/feedback.html")]
struct FeedbackPage {
    layout: Layout,
    ws: WsNav,
    answers: Vec<Answer>,
    next: Option<String>,
    s: FeedbackSettings,
    /// Why the settings form was refused; it shows what was typed.
    problem: Option<String>,
}

pub(super) async fn page(
    Visit { req, state, user }: Visit,
    ws: WsPath,
    q: web::Query<PageCursor>,
) -> super::Answer {
    let nav = enter(&state, &user, &ws, Access::Read, "feedback").await?;
    render(&req, &state, &user, nav, q.into_inner(), None).await
}

/// The page; after a refused save, with the typed values and the reason.
async fn render(
    req: &actix_web::HttpRequest,
    state: &crate::http::AppState,
    user: &super::PageUser,
    nav: WsNav,
    cursor: PageCursor,
    refused: Option<(SettingsForm, String)>,
) -> super::Answer {
    let (principal, wid) = (user.principal.clone(), nav.id);
    let (answers, next, s) = show(state, &user.layout, move |ctx| {
        let page = campaigns::feedback(ctx, &principal, &wid, &cursor.request())?;
        let locations = ctx.store.locations().all(&wid)?;
        let mut answers = Vec::with_capacity(page.items.len());
        for f in page.items {
            let contact = match &f.contact {
                Some(c) => ctx.store.contacts().get(&wid, c)?,
                None => None,
            };
            let via_link = f.via == crate::domain::FeedbackVia::Link;
            answers.push(Answer {
                id: f.id.to_string(),
                at: f.at.date().to_string(),
                via_link,
                who: contact.map_or_else(
                    || match (via_link, f.name.is_empty()) {
                        (true, true) => "(no name given)".into(),
                        (true, false) => f.name.clone(),
                        (false, _) => "(deleted contact)".into(),
                    },
                    |c| {
                        if c.name.is_empty() {
                            c.email.to_string()
                        } else {
                            format!("{} <{}>", c.name, c.email)
                        }
                    },
                ),
                location: f
                    .location
                    .and_then(|l| locations.iter().find(|x| x.id == l))
                    .map(|l| l.name.clone())
                    .unwrap_or_default(),
                score: match f.scale {
                    ScoreScale::Stars => format!("{} ★", f.score),
                    ScoreScale::Nps => format!("{}/10", f.score),
                },
                low: f.scale.is_low(f.score),
                publishable: f.publish_consent.is_some(),
                comment: f.comment,
            });
        }
        Ok((
            answers,
            page.next,
            campaigns::settings(ctx, &principal, &wid)?,
        ))
    })
    .await?;
    let (s, problem) = match refused {
        Some((f, why)) => (typed(s, &f), Some(why)),
        None => (s, None),
    };
    let page = FeedbackPage {
        layout: user.layout.clone(),
        ws: nav,
        answers,
        next,
        s,
        problem,
    };
    if page.problem.is_some() {
        super::refused(req, &page, &user.layout)
    } else {
        html(req, &page, &user.layout)
    }
}

/// The settings as the form typed them, over the stored ones (a number that is not one
/// keeps the stored value: the field shows it again with the reason).
fn typed(mut s: FeedbackSettings, f: &SettingsForm) -> FeedbackSettings {
    let opt = |v: &str| (!v.trim().is_empty()).then(|| v.to_string());
    s.sender_name = f.sender_name.clone();
    s.subject = f.subject.clone();
    s.body_text = f.body_text.clone();
    s.body_html = opt(&f.body_html);
    s.logo_url = opt(&f.logo_url);
    s.brand_color = f.brand_color.clone();
    s.postal_address = f.postal_address.clone();
    s.scale = ScoreScale::parse(&f.scale).unwrap_or(s.scale);
    s.track_opens = f.track_opens.is_some();
    s.alert_on_low_score = f.alert_on_low_score.is_some();
    if let Ok(n) = f.ask_cap_days.trim().parse() {
        s.ask_cap_days = n;
    }
    s
}

#[derive(Deserialize, Clone)]
pub(super) struct SettingsForm {
    csrf: String,
    sender_name: String,
    subject: String,
    body_text: String,
    #[serde(default)]
    body_html: String,
    #[serde(default)]
    logo_url: String,
    brand_color: String,
    #[serde(default)]
    postal_address: String,
    scale: String,
    #[serde(default)]
    track_opens: Option<String>,
    #[serde(default)]
    alert_on_low_score: Option<String>,
    #[serde(default)]
    ask_cap_days: String,
}

pub(super) async fn save(ws: WsPath, post: FormPost<SettingsForm>) -> super::Answer {
    let FormPost {
        action: Visit { req, state, user },
        form: f,
    } = post;
    let wid = ws.into_inner();
    let back = format!("/w/{wid}/feedback");
    let kept = f.clone();
    let scale = ScoreScale::parse(&f.scale).unwrap_or_default();
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.to_string());
    let input = SettingsInput {
        sender_name: f.sender_name,
        subject: f.subject,
        body_text: f.body_text,
        body_html: opt(&f.body_html),
        logo_url: opt(&f.logo_url),
        brand_color: f.brand_color,
        postal_address: f.postal_address,
        scale,
        track_opens: f.track_opens.is_some(),
        alert_on_low_score: f.alert_on_low_score.is_some(),
        // Empty keeps the default; anything not a number is refused by the service's range.
        ask_cap_days: match f.ask_cap_days.trim() {
            "" => crate::domain::DEFAULT_ASK_CAP_DAYS,
            n => n.parse().unwrap_or(0),
        },
    };
    let actor = user.actor(&req);
    match super::run(&state, &user.layout, move |ctx| {
        campaigns::save_settings(ctx, &actor, &wid, &input)
    })
    .await?
    {
        Ok(_) => Ok(super::redirect(&back, Ok("Feedback settings saved."))),
        // Shown again as typed, with the reason: a long template is not lost to one bad field.
        Err(why) => {
            let nav = enter(&state, &user, &wid, Access::Read, "feedback").await?;
            let cursor = PageCursor::default();
            render(&req, &state, &user, nav, cursor, Some((kept, why))).await
        }
    }
}

form_post::proof!(SettingsForm);
