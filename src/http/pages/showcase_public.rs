//! A showcase in public: `/s/KEY` the wall of love, `/s/KEY/frame` the iframe embed (no
//! JavaScript), `/s/KEY.json` (CORS open, read-only) and `/s/KEY.js`, the script embed that
//! draws the JSON in a shadow root. No cookies, no request to another host, cacheable by ETag.

use super::Answer;
use super::showcase_json::{json_body, json_ld};
use crate::domain::{Layout as SetLayout, Showcase, Theme};
use crate::http::{AppState, PageError};
use crate::services::showcase_entries::Entry;
use crate::services::showcase_public::{self, Public};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// How long browsers and caches may keep an embed before asking again (an erased review is
/// gone from the server at once, from a visitor's cache within this).
const MAX_AGE: &str = "public, max-age=60";

/// One entry as the wall and the frame draw it.
pub struct Shown {
    pub author: String,
    pub glyphs: String,
    /// What a screen reader says for the rating.
    pub rating_label: String,
    pub date: String,
    pub text: String,
    pub source: &'static str,
    pub link: Option<String>,
}

fn shown(e: &Entry) -> Shown {
    let (glyphs, rating_label) = match (e.stars, e.recommends) {
        (Some(s), _) => (
            format!(
                "{}{}",
                "★".repeat(usize::from(s)),
                "☆".repeat(usize::from(5 - s))
            ),
            format!("{s} of 5 stars"),
        ),
        (None, Some(true)) => ("Recommends".into(), "Recommends".into()),
        (None, Some(false)) => ("Does not recommend".into(), "Does not recommend".into()),
        (None, None) => (String::new(), "No rating".into()),
    };
    Shown {
        author: e.author.clone(),
        glyphs,
        rating_label,
        date: e.at.date().to_string(),
        text: e.text.clone(),
        source: e.source.label(),
        link: e.link.clone(),
    }
}

/// The figures and words every form of the set shares.
pub struct View {
    pub title: String,
    pub business: String,
    pub colour: String,
    pub logo_url: Option<String>,
    pub layout: &'static str,
    pub theme: &'static str,
    pub average: Option<String>,
    pub count: u64,
    pub entries: Vec<Shown>,
    /// schema.org JSON-LD, ready for a `<script type="application/ld+json">` (first-party
    /// answers only), when the set asks for it.
    pub json_ld: Option<String>,
    pub powered_by: bool,
}

#[derive(Deserialize, Default)]
pub(super) struct EmbedQuery {
    layout: Option<String>,
    theme: Option<String>,
}

fn view(p: &Public, q: &EmbedQuery) -> View {
    let layout = q
        .layout
        .as_deref()
        .and_then(SetLayout::parse)
        .unwrap_or(p.set.layout);
    let theme = q
        .theme
        .as_deref()
        .and_then(Theme::parse)
        .unwrap_or(p.set.theme);
    View {
        title: p.set.name.clone(),
        business: p.brand.sender_name.clone(),
        colour: p.set.colour.clone(),
        logo_url: p.brand.logo_url.clone(),
        layout: layout.as_str(),
        theme: theme.as_str(),
        average: p.average.map(|a| format!("{a:.1}")),
        count: p.count,
        entries: p.entries.iter().map(shown).collect(),
        json_ld: p.set.json_ld.then(|| json_ld(p)).flatten(),
        powered_by: p.powered_by,
    }
}

#[derive(Template)]
#[template(path = "showcase/wall.html")]
struct Wall<'a> {
    v: &'a View,
    css_url: String,
}

#[derive(Template)]
#[template(path = "showcase/frame.html")]
struct Frame<'a> {
    v: &'a View,
    css_url: String,
}

fn etag_of(body: &[u8]) -> String {
    format!("\"{}\"", hex::encode(&Sha256::digest(body)[..12]))
}

/// 200 with the body, or 304 when the client already holds it.
fn cacheable(req: &HttpRequest, content_type: &str, body: Vec<u8>) -> HttpResponse {
    let etag = etag_of(&body);
    let mut resp = crate::http::assets::conditional(req, etag, MAX_AGE, content_type, body);
    // Other sites' pages load these: their browsers may embed them (CORP), whatever COEP says.
    resp.headers_mut().insert(
        header::HeaderName::from_static("cross-origin-resource-policy"),
        header::HeaderValue::from_static("cross-origin"),
    );
    resp
}

/// Which sites may frame the set: the ones listed, else any.
fn frame_policy(set: &Showcase) -> String {
    // 'self' too: the set's own page previews it.
    let ancestors = if set.allowed_origins.is_empty() {
        "*".to_string()
    } else {
        format!("'self' {}", set.allowed_origins.join(" "))
    };
    format!(
        "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
         frame-ancestors {ancestors}; base-uri 'none'; form-action 'none'"
    )
}

const WALL_POLICY: &str = "default-src 'none'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data: https:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

fn not_found(json: bool) -> HttpResponse {
    let mut resp = HttpResponse::NotFound();
    resp.insert_header((header::CACHE_CONTROL, "no-store"));
    if json {
        resp.insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
            .json(
                serde_json::json!({"error": {"code": "not_found", "message": "no such showcase"}}),
            )
    } else {
        resp.content_type("text/html; charset=utf-8").body(
            "<!doctype html><title>Not found</title><p>This showcase does not exist (any more).</p>",
        )
    }
}

fn internal(state: &AppState, e: impl Into<anyhow::Error>) -> PageError {
    PageError::internal(&state.layout, e.into())
}

async fn load(state: &AppState, key: String) -> Result<Option<Public>, PageError> {
    let ctx = state.ctx.clone();
    web::block(move || showcase_public::view(&ctx, &key))
        .await
        .map_err(|e| internal(state, e))?
        .map_err(|e| PageError::from_service(&state.layout, e))
}

/// `/s/KEY`, `/s/KEY.json` and `/s/KEY.js`.
pub(super) async fn file(
    req: HttpRequest,
    state: web::Data<AppState>,
    file: web::Path<String>,
    q: web::Query<EmbedQuery>,
) -> Answer {
    let file = file.into_inner();
    if let Some(key) = file.strip_suffix(".js") {
        // The script is the same for every set; it finds its set's JSON from its own address.
        let (ctx, k) = (state.ctx.clone(), key.to_string());
        let found = web::block(move || showcase_public::by_key(&ctx, &k))
            .await
            .map_err(|e| internal(&state, e))?
            .map_err(|e| PageError::from_service(&state.layout, e))?;
        if found.is_none() {
            return Ok(not_found(false));
        }
        return Ok(cacheable(
            &req,
            "text/javascript; charset=utf-8",
            crate::http::assets::file("js/showcase.js").unwrap_or_default(),
        ));
    }
    let (key, json) = match file.strip_suffix(".json") {
        Some(k) => (k.to_string(), true),
        None => (file.clone(), false),
    };
    let Some(p) = load(&state, key.clone()).await? else {
        return Ok(not_found(json));
    };
    let v = view(&p, &q);
    if json {
        let body = serde_json::to_vec(&json_body(&p, &v)).map_err(|e| internal(&state, e))?;
        let mut resp = cacheable(&req, "application/json", body);
        resp.headers_mut().insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            header::HeaderValue::from_static("*"),
        );
        return Ok(resp);
    }
    let page = Wall {
        v: &v,
        css_url: state.layout.showcase_css_url.clone(),
    };
    let body = page.render().map_err(|e| internal(&state, e))?;
    let mut resp = cacheable(&req, "text/html; charset=utf-8", body.into_bytes());
    resp.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(WALL_POLICY),
    );
    Ok(resp)
}

/// `/s/KEY/frame`: the iframe embed, framed only by the set's sites when it lists them.
pub(super) async fn frame(
    req: HttpRequest,
    state: web::Data<AppState>,
    key: web::Path<String>,
    q: web::Query<EmbedQuery>,
) -> Answer {
    let key = key.into_inner();
    let Some(p) = load(&state, key.clone()).await? else {
        return Ok(not_found(false));
    };
    let v = view(&p, &q);
    let page = Frame {
        v: &v,
        css_url: state.layout.showcase_css_url.clone(),
    };
    let body = page.render().map_err(|e| internal(&state, e))?;
    let mut resp = cacheable(&req, "text/html; charset=utf-8", body.into_bytes());
    if resp.status() == StatusCode::OK || resp.status() == StatusCode::NOT_MODIFIED {
        let policy = frame_policy(&p.set);
        if let Ok(v) = header::HeaderValue::from_str(&policy) {
            resp.headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    Ok(resp)
}
