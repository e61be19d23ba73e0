//! The workspace's privacy requests page (owners): export, erase or restrict everything about
//! an email address, as `plaudit privacy` and the API do.

use super::workspaces::{WsNav, enter};
use super::{PageUser, html, run};
use crate::domain::Access;
use crate::http::{AppState, Layout, PageError};
use crate::services::privacy::{self, Counts};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/w/{ws}/privacy", web::get().to(page))
        .route("/w/{ws}/privacy", web::post().to(act));
}

#[derive(Template)]
#[template(path = "pages/privacy.html")]
struct PrivacyPage {
    layout: Layout,
    ws: WsNav,
    done: Option<(String, String, Counts)>,
    error: Option<String>,
}

async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    ws: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let nav = enter(&state, &user, &ws, Access::Admin, "privacy").await?;
    let page = PrivacyPage {
        layout: user.layout.clone(),
        ws: nav,
        done: None,
        error: None,
    };
    html(&req, &page, &user.layout)
}

#[derive(Deserialize)]
struct RequestForm {
    csrf: String,
    email: String,
    action: String,
    #[serde(default)]
    confirm: Option<String>,
}

async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    ws: web::Path<String>,
    form: web::Form<RequestForm>,
) -> Result<HttpResponse, PageError> {
    user.check_form(&req, &state, &form.csrf)?;
    let nav = enter(&state, &user, &ws, Access::Admin, "privacy").await?;
    let f = form.into_inner();
    let (principal, ip, wid) = (user.principal.clone(), user.ip(&req), nav.id);
    let email = f.email.clone();
    let outcome = match f.action.as_str() {
        "export" => {
            let got = run(&state, &user.layout, move |ctx| {
                privacy::export(ctx, &principal, &ip, &wid, &email)
            })
            .await?;
            match got {
                Ok(v) => {
                    // A download: the person's records as one JSON file.
                    let body = serde_json::to_vec_pretty(&v).unwrap_or_default();
                    return Ok(HttpResponse::Ok()
                        .content_type("application/json")
                        .insert_header((header::CACHE_CONTROL, "no-store"))
                        .insert_header((
                            header::CONTENT_DISPOSITION,
                            "attachment; filename=\"privacy-export.json\"",
                        ))
                        .body(body));
                }
                Err(e) => Err(e),
            }
        }
        "erase" if f.confirm.is_none() => {
            Err("Tick the box to confirm: an erasure cannot be undone.".to_string())
        }
        "erase" => run(&state, &user.layout, move |ctx| {
            privacy::erase(ctx, &principal, &ip, &wid, &email)
        })
        .await?
        .map(|c| ("erased".to_string(), c)),
        "restrict" => run(&state, &user.layout, move |ctx| {
            privacy::restrict(ctx, &principal, &ip, &wid, &email)
        })
        .await?
        .map(|c| ("restricted".to_string(), c)),
        _ => {
            return Err(PageError::new(
                &user.layout,
                StatusCode::BAD_REQUEST,
                "Choose export, erase or restrict.",
            ));
        }
    };
    let (done, error) = match outcome {
        Ok((what, counts)) => (Some((what, f.email, counts)), None),
        Err(e) => (None, Some(e)),
    };
    let page = PrivacyPage {
        layout: user.layout.clone(),
        ws: nav,
        done,
        error,
    };
    html(&req, &page, &user.layout)
}
