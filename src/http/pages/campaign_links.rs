//! The public pages behind campaign emails: `/f/TOKEN` feedback, `/u/TOKEN` unsubscribe (RFC
//! 8058 one-click on POST), `/o/TOKEN` open pixel. No sign-in, no cookies; every bad token gets
//! the same 404 page whatever was wrong with it.

use super::auth::refuse_cross_site;
use super::{Answer, html, run};
use crate::domain::{FeedbackSettings, ScoreScale};
use crate::http::{AppState, Layout, PageError};
use crate::services::feedback::{self, FeedbackView};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

pub struct Brand {
    pub name: String,
    pub color: String,
    pub logo_url: Option<String>,
    pub address: String,
    /// "Powered by Plaudit" in the footer (the workspace's branding can switch it off).
    pub powered_by: bool,
}

impl Brand {
    pub(super) fn of(s: &FeedbackSettings, powered_by: bool) -> Self {
        Self {
            powered_by,
            name: s.sender_name.clone(),
            color: s.brand_color.clone(),
            logo_url: s.logo_url.clone(),
            address: s.postal_address.clone(),
        }
    }

    fn neutral() -> Self {
        Self {
            name: "Feedback".into(),
            color: "#7b8794".into(),
            logo_url: None,
            address: String::new(),
            powered_by: false,
        }
    }
}

#[derive(Template)]
#[template(path = "pages/link_invalid.html")]
struct Invalid {
    layout: Layout,
    brand: Brand,
}

/// The one answer for every bad token.
pub(super) fn invalid(state: &AppState) -> Answer {
    let page = Invalid {
        layout: state.layout.clone(),
        brand: Brand::neutral(),
    };
    let body = page
        .render()
        .map_err(|e| PageError::internal(&state.layout, anyhow::anyhow!("rendering: {e}")))?;
    Ok(HttpResponse::NotFound()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

#[derive(Template)]
#[template(path = "pages/feedback_public.html")]
struct FeedbackPage {
    layout: Layout,
    brand: Brand,
    token: String,
    first_name: String,
    location: String,
    nps: bool,
    scores: Vec<u8>,
    score: Option<u8>,
    comment: String,
    review_links: Vec<(&'static str, String)>,
    thanks: bool,
    error: Option<String>,
    /// The consent to publish, worded with the business's name, and whether it is ticked.
    consent_wording: String,
    consent: bool,
}

fn feedback_view(
    state: &AppState,
    token: String,
    v: FeedbackView,
    thanks: bool,
    error: Option<String>,
) -> FeedbackPage {
    FeedbackPage {
        layout: state.layout.clone(),
        brand: Brand::of(&v.settings, v.powered_by),
        first_name: v.contact_first_name.clone(),
        location: v
            .location
            .as_ref()
            .map(|l| l.name.clone())
            .unwrap_or_default(),
        nps: v.settings.scale == ScoreScale::Nps,
        scores: v.settings.scale.range().collect(),
        score: v.score,
        comment: v.comment.clone(),
        review_links: v.review_links(),
        thanks,
        error,
        token,
        consent_wording: crate::domain::publish_consent_wording(&v.settings.sender_name),
        consent: v.publish_consent,
    }
}

pub(super) async fn feedback_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Answer {
    let token = token.into_inner();
    let t = token.clone();
    let found = run(&state, &state.layout, move |ctx| feedback::open(ctx, &t)).await?;
    match found {
        Ok(Some(v)) => {
            let thanks = v.score.is_some();
            html(
                &req,
                &feedback_view(&state, token, v, thanks, None),
                &state.layout,
            )
        }
        _ => invalid(&state),
    }
}

#[derive(Deserialize)]
pub(super) struct AnswerForm {
    #[serde(default)]
    score: String,
    #[serde(default)]
    comment: String,
    /// The publish-consent box: present only when ticked.
    #[serde(default)]
    publish: Option<String>,
}

pub(super) async fn feedback_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    form: web::Form<AnswerForm>,
) -> Answer {
    refuse_cross_site(&req, &state, &state.layout)?;
    let token = token.into_inner();
    let form = form.into_inner();
    let t = token.clone();
    let done = run(&state, &state.layout, move |ctx| {
        feedback::submit(ctx, &t, &form.score, &form.comment, form.publish.is_some())
    })
    .await?;
    match done {
        Ok(Some(Ok(v))) => html(
            &req,
            &feedback_view(&state, token, v, true, None),
            &state.layout,
        ),
        Ok(Some(Err(message))) => {
            let t = token.clone();
            let again = run(&state, &state.layout, move |ctx| feedback::open(ctx, &t)).await?;
            match again {
                Ok(Some(v)) => {
                    let page = feedback_view(&state, token, v, false, Some(message));
                    let mut resp = html(&req, &page, &state.layout)?;
                    *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
                    Ok(resp)
                }
                _ => invalid(&state),
            }
        }
        _ => invalid(&state),
    }
}

#[derive(Template)]
#[template(path = "pages/unsubscribe.html")]
struct UnsubscribePage {
    layout: Layout,
    brand: Brand,
    token: String,
    done: bool,
    /// The address was unsubscribed before this visit.
    already: bool,
}

pub(super) async fn unsubscribe_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Answer {
    // A GET changes nothing: mail scanners open every link.
    unsubscribe_answer(req, state, token.into_inner(), false).await
}

/// RFC 8058: the mailbox provider POSTs `List-Unsubscribe=One-Click`; so may the page's button.
/// No CSRF token, no cookie, no redirect: 200 once the suppression is durable.
pub(super) async fn unsubscribe(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Answer {
    unsubscribe_answer(req, state, token.into_inner(), true).await
}

async fn unsubscribe_answer(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: String,
    act: bool,
) -> Answer {
    let t = token.clone();
    // `run` flushes before answering: an unsubscribe is on disk before the 200 leaves.
    let found = run(&state, &state.layout, move |ctx| {
        if act {
            feedback::unsubscribe(ctx, &t)
        } else {
            feedback::unsubscribe_target(ctx, &t)
        }
    })
    .await?;
    match found {
        Ok(Some((settings, already))) => {
            let page = UnsubscribePage {
                layout: state.layout.clone(),
                brand: Brand::of(&settings, false),
                token,
                done: act || already,
                already,
            };
            html(&req, &page, &state.layout)
        }
        _ => invalid(&state),
    }
}

/// A transparent 1×1 GIF.
const PIXEL: &[u8] = &[
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
];

pub(super) async fn open_pixel(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> HttpResponse {
    let token = token.into_inner();
    let _ = run(&state, &state.layout, move |ctx| {
        feedback::opened(ctx, &token)
    })
    .await;
    HttpResponse::Ok()
        .content_type("image/gif")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(PIXEL)
}
