//! Workspace pages: the switcher with a create form, a workspace's overview, settings, audit log.

use super::form_post::{self, FormPost};
use super::words;
use super::{Answer, PageUser, Visit, html, redirect, run, show};
use crate::domain::{Access, AuditEntry, Id, Role, Workspace};
use crate::http::paths::WsPath;
use crate::http::{AppState, Layout, PageError};
use crate::services::overview::{self, Overview};
use crate::services::workspaces;
use actix_web::web;
use askama::Template;
use serde::Deserialize;

/// The workspace header and tabs every workspace page shows.
pub struct WsNav {
    pub id: Id<Workspace>,
    pub name: String,
    pub plan: String,
    pub role: Role,
    pub tab: &'static str,
}

impl WsNav {
    /// The current tab's name, for the phone's section menu.
    pub fn tab_title(&self) -> &'static str {
        match self.tab {
            "overview" => "Overview",
            "inbox" => "Inbox",
            "dashboard" => "Dashboard",
            "campaigns" => "Campaigns",
            "contacts" => "Contacts",
            "feedback" => "Feedback",
            "showcase" => "Showcase",
            "locations" => "Locations",
            "connections" => "Connections",
            "alerts" => "Alerts",
            "members" => "Members",
            "api-keys" => "API keys",
            "privacy" => "Privacy",
            "audit" => "Audit log",
            "settings" => "Settings",
            "templates" => "Reply templates",
            "import" => "Import",
            "report" => "Report",
            "reports" => "Client reports",
            _ => "Sections",
        }
    }

    pub fn is_owner(&self) -> bool {
        self.role == Role::Owner
    }
    pub fn can_write(&self) -> bool {
        self.role >= Role::Manager
    }
}

/// Authorizes `access` on the workspace in the path and returns its header.
pub async fn enter(
    state: &AppState,
    user: &PageUser,
    ws: &Id<Workspace>,
    access: Access,
    tab: &'static str,
) -> Result<WsNav, PageError> {
    let ws = *ws;
    let principal = user.principal.clone();
    let (workspace, role) = show(state, &user.layout, move |ctx| {
        workspaces::get(ctx, &principal, &ws, access)
    })
    .await?;
    Ok(WsNav {
        id: ws,
        name: workspace.name,
        plan: workspace.plan,
        role,
        tab,
    })
}

#[derive(Template)]
#[template(path = "pages/workspaces.html")]
struct ListPage {
    layout: Layout,
    items: Vec<(Workspace, Role)>,
    /// The cursor of the next page, when there is one.
    next: Option<String>,
}

pub(super) async fn list(
    Visit { req, state, user }: Visit,
    q: web::Query<super::PageCursor>,
) -> Answer {
    let (principal, req_page) = (user.principal.clone(), q.request());
    let page = show(&state, &user.layout, move |ctx| {
        workspaces::list(ctx, &principal, &req_page)
    })
    .await?;
    let mut items = page.items;
    // By name within the page; pages follow creation order, so none is skipped.
    items.sort_by_key(|(ws, _)| ws.name.to_lowercase());
    html(
        &req,
        &ListPage {
            layout: user.layout.clone(),
            items,
            next: page.next,
        },
        &user.layout,
    )
}

#[derive(Deserialize)]
pub(super) struct NameForm {
    csrf: String,
    name: String,
}

pub(super) async fn create(post: FormPost<NameForm>) -> Answer {
    let FormPost {
        action: Visit { state, user, .. },
        form,
    } = post;
    let (principal, name) = (user.principal.clone(), form.name);
    Ok(
        match run(&state, &user.layout, move |ctx| {
            workspaces::create(ctx, &principal, &name)
        })
        .await?
        {
            Ok(ws) => redirect(
                &format!("/w/{}", ws.id),
                Ok("Workspace created. Add its first location."),
            ),
            Err(m) => redirect("/w", Err(&m)),
        },
    )
}

#[derive(Template)]
#[template(path = "pages/workspace.html")]
struct OverviewPage {
    layout: Layout,
    ws: WsNav,
    o: Overview,
    now: time::OffsetDateTime,
}

impl OverviewPage {
    fn count(&self, n: impl words::Number, one: &str, many: &str) -> String {
        words::count(n.value(), one, many)
    }

    fn average(&self) -> String {
        self.o
            .average
            .map_or_else(String::new, |a| format!("{a:.1}"))
    }

    fn last_sync(&self) -> String {
        self.o
            .last_sync
            .map_or_else(|| "never".into(), |t| words::ago(self.now, t))
    }
}

pub(super) async fn overview(Visit { req, state, user }: Visit, ws: WsPath) -> Answer {
    let nav = enter(&state, &user, &ws, Access::Read, "overview").await?;
    let (principal, wid) = (user.principal.clone(), nav.id);
    let o = show(&state, &user.layout, move |ctx| {
        overview::overview(ctx, &principal, &wid)
    })
    .await?;
    html(
        &req,
        &OverviewPage {
            layout: user.layout.clone(),
            ws: nav,
            o,
            now: state.ctx.clock.now(),
        },
        &user.layout,
    )
}

#[derive(Template)]
#[template(path = "pages/workspace_settings.html")]
struct SettingsPage {
    layout: Layout,
    ws: WsNav,
    plans: Vec<String>,
}

pub(super) async fn settings(Visit { req, state, user }: Visit, ws: WsPath) -> Answer {
    let nav = enter(&state, &user, &ws, Access::Admin, "settings").await?;
    let plans = state.ctx.config.plans.keys().cloned().collect();
    html(
        &req,
        &SettingsPage {
            layout: user.layout.clone(),
            ws: nav,
            plans,
        },
        &user.layout,
    )
}

#[derive(Deserialize)]
pub(super) struct SettingsForm {
    csrf: String,
    name: String,
    plan: String,
}

pub(super) async fn update(ws: WsPath, post: FormPost<SettingsForm>) -> Answer {
    let FormPost { action, form: f } = post;
    let ws = ws.into_inner();
    let back = format!("/w/{ws}/settings");
    action
        .then(&back, "Settings saved.", move |ctx, who| {
            workspaces::update(ctx, who, &ws, Some(&f.name), Some(&f.plan))
        })
        .await
}

#[derive(Deserialize)]
pub(super) struct ConfirmForm {
    csrf: String,
    confirm: String,
}

pub(super) async fn delete(ws: WsPath, post: FormPost<ConfirmForm>) -> Answer {
    let FormPost {
        action: Visit { state, user, .. },
        form,
    } = post;
    let nav = enter(&state, &user, &ws, Access::Admin, "settings").await?;
    if form.confirm.trim() != nav.name {
        return Ok(redirect(
            &format!("/w/{}/settings", nav.id),
            Err("Type the workspace's exact name to delete it."),
        ));
    }
    let (principal, wid) = (user.principal.clone(), nav.id);
    Ok(
        match run(&state, &user.layout, move |ctx| {
            workspaces::delete(ctx, &principal, &wid)
        })
        .await?
        {
            Ok(()) => redirect("/w", Ok("Workspace deleted.")),
            Err(m) => redirect(&format!("/w/{wid}/settings"), Err(&m)),
        },
    )
}

#[derive(Template)]
#[template(path = "pages/audit.html")]
struct AuditPage {
    layout: Layout,
    ws: WsNav,
    entries: Vec<AuditEntry>,
    next: Option<String>,
}

impl AuditPage {
    fn sentence(&self, e: &AuditEntry) -> String {
        super::audit_words::sentence(&e.action)
    }

    fn when(&self, e: &AuditEntry) -> String {
        words::time(e.at)
    }

    /// Who did it: the label kept when it was written, or "Plaudit" for its own work.
    fn who(&self, e: &AuditEntry) -> String {
        if e.actor == "system" || e.actor_label.is_empty() {
            "Plaudit".into()
        } else {
            e.actor_label.clone()
        }
    }
}

#[derive(Deserialize)]
pub(super) struct CursorQuery {
    before: Option<String>,
}

pub(super) async fn audit(
    Visit { req, state, user }: Visit,
    ws: WsPath,
    q: web::Query<CursorQuery>,
) -> Answer {
    let nav = enter(&state, &user, &ws, Access::Admin, "audit").await?;
    let wid = nav.id;
    let before = q.into_inner().before.and_then(|b| hex::decode(b).ok());
    let principal = user.principal.clone();
    let (entries, next) = show(&state, &user.layout, move |ctx| {
        workspaces::audit_page(ctx, &principal, &wid, before.as_deref(), 100)
    })
    .await?;
    let page = AuditPage {
        layout: user.layout.clone(),
        ws: nav,
        entries,
        next: next.map(hex::encode),
    };
    html(&req, &page, &user.layout)
}

form_post::proof!(SettingsForm);

form_post::proof!(ConfirmForm, NameForm);
