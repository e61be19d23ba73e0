//! A location's feedback link: the public page behind it (`/r/TOKEN`, no sign-in, no contact)
//! and, for members, its QR code as SVG and PNG and a printable card (A6 or A5).

use super::auth::refuse_cross_site;
use super::campaign_links::Brand;
use super::{Answer, Visit, html, run, show};
use crate::domain::{Location, ScoreScale};
use crate::http::paths::WsChildPath;
use crate::http::session::client_ip;
use crate::http::{AppState, Layout, PageError};
use crate::services::link_feedback::{self, LinkAnswer, LinkPage, SAME_BROWSER};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

/// The cookie naming this browser's answer at a location for a day (path-scoped to the link).
pub(super) const ANSWER_COOKIE: &str = "plaudit_answer";

#[derive(Template)]
#[template(path = "pages/link_feedback.html")]
struct PublicPage {
    layout: Layout,
    brand: Brand,
    token: String,
    location: String,
    nps: bool,
    scores: Vec<u8>,
    score: Option<u8>,
    comment: String,
    name: String,
    review_links: Vec<(&'static str, String)>,
    thanks: bool,
    error: Option<String>,
    consent_wording: String,
    consent: bool,
}

fn page_of(state: &AppState, token: String, p: &LinkPage, thanks: bool) -> PublicPage {
    let prev = p.previous.as_ref();
    PublicPage {
        layout: state.layout.clone(),
        brand: Brand::of(&p.settings, p.powered_by),
        token,
        location: p.location.name.clone(),
        nps: p.settings.scale == ScoreScale::Nps,
        scores: p.settings.scale.range().collect(),
        score: prev.map(|f| f.score),
        comment: prev.map(|f| f.comment.clone()).unwrap_or_default(),
        name: prev.map(|f| f.name.clone()).unwrap_or_default(),
        review_links: p.review_links(),
        thanks,
        error: None,
        consent_wording: crate::domain::publish_consent_wording(&p.settings.sender_name),
        consent: prev.is_some_and(|f| f.publish_consent.is_some()),
    }
}

fn cookie_path(token: &str) -> String {
    format!("/r/{token}")
}

fn answer_cookie(state: &AppState, token: &str, value: String) -> Cookie<'static> {
    Cookie::build(ANSWER_COOKIE, value)
        .path(cookie_path(token))
        .http_only(true)
        .secure(state.cookie.secure)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::seconds(SAME_BROWSER.whole_seconds()))
        .finish()
}

pub(super) async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Answer {
    let token = token.into_inner();
    let cookie = req.cookie(ANSWER_COOKIE).map(|c| c.value().to_string());
    let t = token.clone();
    let found = run(&state, &state.layout, move |ctx| {
        link_feedback::open(ctx, &t, cookie.as_deref())
    })
    .await?;
    match found {
        Ok(Some(p)) => {
            let thanks = p.previous.is_some();
            html(&req, &page_of(&state, token, &p, thanks), &state.layout)
        }
        _ => super::campaign_links::invalid(&state),
    }
}

#[derive(Deserialize)]
pub(super) struct LinkForm {
    #[serde(default)]
    score: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    publish: Option<String>,
    /// Hidden from people (off-screen, no tab stop, named to tempt form-filling robots): a
    /// value here means a robot; it is thanked and nothing is stored.
    #[serde(default)]
    website: String,
}

pub(super) async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    form: web::Form<LinkForm>,
) -> Answer {
    refuse_cross_site(&req, &state, &state.layout)?;
    let token = token.into_inner();
    let form = form.into_inner();
    let cookie = req.cookie(ANSWER_COOKIE).map(|c| c.value().to_string());
    if !form.website.trim().is_empty() {
        let t = token.clone();
        let found = run(&state, &state.layout, move |ctx| {
            link_feedback::open(ctx, &t, None)
        })
        .await?;
        return match found {
            Ok(Some(p)) => html(&req, &page_of(&state, token, &p, true), &state.layout),
            _ => super::campaign_links::invalid(&state),
        };
    }
    if let Err(e) = state
        .limits
        .link_answer(client_ip(&req), std::time::Instant::now())
    {
        return Err(PageError::from_service(&state.layout, e));
    }
    let t = token.clone();
    let done = run(&state, &state.layout, move |ctx| {
        let answer = LinkAnswer {
            score: &form.score,
            comment: &form.comment,
            name: &form.name,
            consent: form.publish.is_some(),
        };
        link_feedback::submit(ctx, &t, cookie.as_deref(), &answer)
    })
    .await?;
    match done {
        Ok(Some(Ok((p, value)))) => {
            let mut resp = html(
                &req,
                &page_of(&state, token.clone(), &p, true),
                &state.layout,
            )?;
            resp.add_cookie(&answer_cookie(&state, &token, value))
                .map_err(|e| PageError::internal(&state.layout, e.into()))?;
            Ok(resp)
        }
        Ok(Some(Err((p, message)))) => {
            let mut page = page_of(&state, token, &p, false);
            page.error = Some(message);
            let mut resp = html(&req, &page, &state.layout)?;
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        _ => super::campaign_links::invalid(&state),
    }
}

async fn link_of(
    state: &AppState,
    user: &super::PageUser,
    path: WsChildPath<Location>,
) -> Result<(Location, String), PageError> {
    let (wid, lid) = path.into_inner();
    let principal = user.principal.clone();
    show(state, &user.layout, move |ctx| {
        link_feedback::url(ctx, &principal, &wid, &lid)
    })
    .await
}

fn download(content_type: &str, name: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{name}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
        .body(body)
}

/// A file name from a location's name: letters, digits and dashes.
fn file_stem(l: &Location) -> String {
    let s: String = l
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if s.is_empty() { "location".into() } else { s }
}

pub(super) async fn qr_svg(
    Visit { state, user, .. }: Visit,
    path: WsChildPath<Location>,
) -> Answer {
    let (loc, url) = link_of(&state, &user, path).await?;
    let svg = crate::http::qr::svg(&url).map_err(|e| PageError::internal(&user.layout, e))?;
    Ok(download(
        "image/svg+xml",
        &format!("feedback-{}.svg", file_stem(&loc)),
        svg.into_bytes(),
    ))
}

pub(super) async fn qr_png(
    Visit { state, user, .. }: Visit,
    path: WsChildPath<Location>,
) -> Answer {
    let (loc, url) = link_of(&state, &user, path).await?;
    // 16 px a module: about 600 px wide, sharp at 5 cm and 300 dpi.
    let png = crate::http::qr::png(&url, 16).map_err(|e| PageError::internal(&user.layout, e))?;
    Ok(download(
        "image/png",
        &format!("feedback-{}.png", file_stem(&loc)),
        png,
    ))
}

#[derive(Template)]
#[template(path = "pages/feedback_card.html")]
struct Card {
    css_url: String,
    business: String,
    colour: String,
    location: String,
    url: String,
    qr_svg: String,
    /// `a6` or `a5`.
    size: &'static str,
}

#[derive(Deserialize)]
pub(super) struct CardQuery {
    size: Option<String>,
}

pub(super) async fn card(
    Visit { req, state, user }: Visit,
    path: WsChildPath<Location>,
    q: web::Query<CardQuery>,
) -> Answer {
    let ws = path.0;
    let (loc, url) = link_of(&state, &user, path).await?;
    let settings = show(&state, &user.layout, move |ctx| {
        crate::services::feedback_settings::settings_of(ctx, &ws)
    })
    .await?;
    let qr_svg = crate::http::qr::svg(&url).map_err(|e| PageError::internal(&user.layout, e))?;
    let page = Card {
        css_url: state.layout.showcase_css_url.clone(),
        business: settings.sender_name,
        colour: settings.brand_color,
        location: loc.name,
        url,
        qr_svg,
        size: if q.size.as_deref() == Some("a5") {
            "a5"
        } else {
            "a6"
        },
    };
    html(&req, &page, &user.layout)
}
