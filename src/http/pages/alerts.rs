//! The alerts page: your own email alerts for the workspace, and its webhooks (managers).

use super::form_post::{self, FormPost};
use super::workspaces::{WsNav, enter};
use super::{Answer, PageUser, Visit, html, redirect, run, show};
use crate::domain::{
    Access, AlertMode, AlertPrefs, Id, Location, Origin, Webhook, WebhookFormat, Workspace,
};
use crate::http::paths::WsPath;
use crate::http::{AppState, Layout};
use crate::services::alerts::{self, PrefsInput};
use crate::services::locations;
use crate::store::PageRequest;
use actix_web::{HttpRequest, web};
use askama::Template;

#[derive(Template)]
#[template(path = "pages/alerts.html")]
struct AlertsPage {
    layout: Layout,
    ws: WsNav,
    prefs: AlertPrefs,
    locations: Vec<Location>,
    hooks: Vec<Webhook>,
    /// A webhook's secret, right after it was made (shown this once).
    new_secret: Option<String>,
}

impl AlertsPage {
    fn mode_is(&self, m: &str) -> bool {
        matches!(
            (self.prefs.mode, m),
            (AlertMode::Off, "off") | (AlertMode::Instant, "instant") | (AlertMode::Daily, "daily")
        )
    }
    fn max_is(&self, v: &str) -> bool {
        self.prefs
            .max_rating
            .map(|r| r.to_string())
            .unwrap_or_default()
            == v
    }
    fn source_on(&self, s: &str) -> bool {
        Origin::parse(s).is_some_and(|o| self.prefs.sources.contains(&o))
    }
    fn location_on(&self, l: &Location) -> bool {
        self.prefs.locations.contains(&l.id)
    }
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    user: &PageUser,
    raw_ws: &Id<Workspace>,
    new_secret: Option<String>,
) -> Answer {
    let nav = enter(state, user, raw_ws, Access::Read, "alerts").await?;
    let (principal, wid) = (user.principal.clone(), nav.id);
    let (prefs, locs, hooks) = show(state, &user.layout, move |ctx| {
        let p = alerts::my_prefs(ctx, &principal, &wid)?;
        let l = locations::list(ctx, &principal, &wid, &PageRequest::first(200))?;
        let h = alerts::webhooks(ctx, &principal, &wid)?;
        Ok((p, l.items, h))
    })
    .await?;
    html(
        req,
        &AlertsPage {
            layout: user.layout.clone(),
            ws: nav,
            prefs,
            locations: locs,
            hooks,
            new_secret,
        },
        &user.layout,
    )
}

pub(super) async fn page(Visit { req, state, user }: Visit, ws: WsPath) -> Answer {
    render(&req, &state, &user, &ws, None).await
}

/// The form posts repeated `source` and `location` fields.
pub(super) async fn save(
    Visit { req, state, user }: Visit,
    ws: WsPath,
    body: web::Bytes,
) -> Answer {
    let pairs = super::form_post::form_pairs(&body);
    let get = |k: &str| super::form_post::field(&pairs, k);
    let wid = ws.into_inner();
    let back = format!("/w/{wid}/alerts");
    let mode = match get("mode").as_str() {
        "instant" => AlertMode::Instant,
        "daily" => AlertMode::Daily,
        _ => AlertMode::Off,
    };
    let input = PrefsInput {
        mode,
        max_rating: get("max_rating").parse().ok(),
        sources: pairs
            .iter()
            .filter(|(k, _)| k == "source")
            .filter_map(|(_, v)| Origin::parse(v))
            .collect(),
        locations: pairs
            .iter()
            .filter(|(k, _)| k == "location")
            .filter_map(|(_, v)| v.parse().ok())
            .collect(),
    };
    Visit::checked(req, state, user, &get("csrf"))?
        .then(&back, "Alert settings saved.", move |ctx, who| {
            alerts::set_my_prefs(ctx, who, &wid, input)
        })
        .await
}

#[derive(serde::Deserialize)]
pub(super) struct HookForm {
    csrf: String,
    url: String,
    #[serde(default)]
    format: String,
}

pub(super) async fn add_hook(ws: WsPath, post: FormPost<HookForm>) -> Answer {
    let FormPost {
        action: Visit { req, state, user },
        form: f,
    } = post;
    let wid = ws.into_inner();
    let format = if f.format == "slack" {
        WebhookFormat::Slack
    } else {
        WebhookFormat::Json
    };
    let actor = user.actor(&req);
    match run(&state, &user.layout, move |ctx| {
        alerts::create_webhook(ctx, &actor, &wid, &f.url, format)
    })
    .await?
    {
        // Shown on this answer only: never in a redirect, a cookie or a log.
        Ok(h) => render(&req, &state, &user, &wid, Some(h.secret)).await,
        Err(m) => Ok(redirect(&format!("/w/{wid}/alerts"), Err(&m))),
    }
}

form_post::proof!(HookForm);
