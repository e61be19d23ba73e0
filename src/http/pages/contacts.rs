//! The workspace's contacts: list, add one, import a CSV file, delete, stop mailing.

use super::form_post::{self, FormPost};
use super::import::read_upload;
use super::upload_stash::{Held, ValidForm, check_and_hold, import_held};
use super::workspaces::{WsNav, enter};
use super::{Answer, PageCursor, PageUser, Visit, html, show};
use crate::domain::Contact;
use crate::domain::{Access, Id, Location, Workspace};
use crate::http::paths::{WsChildPath, WsPath};
use crate::http::{AppState, Layout};
use crate::services::contacts::{self, ContactInput, Listed, consent_label};
use crate::services::contacts_csv::{self, CsvReport};
use actix_multipart::Multipart;
use actix_web::{HttpRequest, web};
use askama::Template;
use serde::Deserialize;
use std::time::Instant;

pub struct Row {
    pub id: String,
    pub email: String,
    pub name: String,
    pub location: String,
    pub consent: &'static str,
    pub source: String,
    pub last_asked: String,
    /// Why mail is not sent, if it is not.
    pub state: String,
    pub manual: bool,
}

#[derive(Template)]
#[template(path = "pages/contacts.html")]
struct ContactsPage {
    layout: Layout,
    ws: WsNav,
    rows: Vec<Row>,
    next: Option<String>,
    locations: Vec<Location>,
    /// The upload shown, with its token (for "import the valid rows").
    upload: Option<(String, Held<CsvReport>)>,
    upload_limit: String,
}

impl ContactsPage {
    fn count(&self, n: impl super::words::Number, one: &str, many: &str) -> String {
        super::words::count(n.value(), one, many)
    }
}

fn day(t: Option<time::OffsetDateTime>) -> String {
    t.map(|t| t.date().to_string())
        .unwrap_or_else(|| "never".into())
}

fn row(l: Listed, locations: &[Location]) -> Row {
    let c = l.contact;
    let state = match (&l.suppressed, c.restricted) {
        (Some(s), _) => s.reason.name().to_string(),
        (None, true) => "restricted".into(),
        (None, false) => "mailable".into(),
    };
    Row {
        id: c.id.to_string(),
        email: c.email.to_string(),
        location: c
            .location
            .and_then(|id| locations.iter().find(|l| l.id == id))
            .map(|l| l.name.clone())
            .unwrap_or_default(),
        consent: consent_label(c.consent),
        source: c.source,
        last_asked: day(c.last_asked_at),
        manual: l
            .suppressed
            .is_some_and(|s| s.reason == crate::domain::SuppressionReason::Manual),
        state,
        name: c.name,
    }
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    user: &PageUser,
    ws: &Id<Workspace>,
    cursor: PageCursor,
    upload: Option<(String, Held<CsvReport>)>,
) -> Answer {
    let nav = enter(state, user, ws, Access::Read, "contacts").await?;
    let (principal, wid) = (user.principal.clone(), nav.id);
    let (page, locations) = show(state, &user.layout, move |ctx| {
        let page = contacts::list(ctx, &principal, &wid, &cursor.request())?;
        Ok((page, ctx.store.locations().all(&wid)?))
    })
    .await?;
    let rows = page.items.into_iter().map(|l| row(l, &locations)).collect();
    html(
        req,
        &ContactsPage {
            layout: user.layout.clone(),
            ws: nav,
            rows,
            next: page.next,
            locations,
            upload,
            upload_limit: super::import::upload_limit(state),
        },
        &user.layout,
    )
}

/// The list's cursor, and the upload whose report to show.
#[derive(Deserialize)]
pub(super) struct ContactsQuery {
    cursor: Option<String>,
    #[serde(default)]
    upload: String,
}

pub(super) async fn page(
    Visit { req, state, user }: Visit,
    ws: WsPath,
    q: web::Query<ContactsQuery>,
) -> Answer {
    let q = q.into_inner();
    let upload = state
        .contact_uploads
        .get(&q.upload, &user.user.id, &ws, Instant::now())
        .map(|h| (q.upload.clone(), h));
    let cursor = PageCursor { cursor: q.cursor };
    render(&req, &state, &user, &ws, cursor, upload).await
}

#[derive(Deserialize)]
pub(super) struct AddForm {
    csrf: String,
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    consent: String,
}

pub(super) async fn add(ws: WsPath, post: FormPost<AddForm>) -> Answer {
    let FormPost { action, form: f } = post;
    let wid = ws.into_inner();
    let back = format!("/w/{wid}/contacts");
    let input = ContactInput {
        email: f.email,
        name: Some(f.name),
        location: Some(f.location),
        consent: Some(f.consent),
        source: Some("form".into()),
    };
    action
        .then(&back, "Contact saved.", move |ctx, who| {
            let r = contacts::add(ctx, who, &wid, &[input])?;
            match r.rejected.first() {
                Some(rej) => Err(crate::services::Error::Invalid(rej.reason.clone())),
                None => Ok(()),
            }
        })
        .await
}

pub(super) async fn import(
    Visit { req, state, user }: Visit,
    ws: WsPath,
    mut form: Multipart,
) -> Answer {
    let up = read_upload(&mut form, &state, &user.layout, "contacts").await?;
    user.check_form(&req, &state, &up.csrf)?;
    let (wid, actor) = (ws.into_inner(), user.actor(&req));
    let page = format!("/w/{wid}/contacts");
    check_and_hold(
        &state.contact_uploads,
        &state,
        &user,
        wid,
        up.file,
        up.dry_run,
        &page,
        move |ctx, file, dry_run| {
            let (report, valid) =
                contacts_csv::import_csv_counted(ctx, &actor, &wid, file, dry_run)?;
            let errors = report.errors.len();
            Ok((report, errors, valid))
        },
    )
    .await
}

/// Imports the rows of a held upload that passed the checks, skipping the bad ones.
pub(super) async fn import_valid(ws: WsPath, post: FormPost<ValidForm>) -> Answer {
    let FormPost {
        action: Visit { req, state, user },
        form: f,
    } = post;
    let wid = ws.into_inner();
    let actor = user.actor(&req);
    let stash = &state.contact_uploads;
    let page = format!("/w/{wid}/contacts");
    import_held(
        stash,
        &state,
        &user,
        wid,
        &f.upload,
        &page,
        move |ctx, file| {
            let report = contacts_csv::import_valid(ctx, &actor, &wid, file)?;
            let valid = report.rows;
            Ok((report, valid))
        },
    )
    .await
}

#[derive(Deserialize)]
pub(super) struct SuppressForm {
    csrf: String,
    on: String,
}

pub(super) async fn suppress(path: WsChildPath<Contact>, post: FormPost<SuppressForm>) -> Answer {
    let FormPost { action, form: f } = post;
    let (wid, cid) = path.into_inner();
    let back = format!("/w/{wid}/contacts");
    let on = f.on == "1";
    let done = if on {
        "No more mail to this contact."
    } else {
        "Mail to this contact resumes."
    };
    action
        .then(&back, done, move |ctx, who| {
            contacts::set_suppressed(ctx, who, &wid, &cid, on)
        })
        .await
}

form_post::proof!(AddForm, SuppressForm);
