//! The unsubscribe link of a client report (`/u/r/{token}`): a GET shows a button (mail
//! scanners open every link), a POST — the button or the mailbox provider's RFC 8058 one-click
//! — takes the recipient off that report, durably before the answer.

use super::campaign_links::{Brand, invalid};
use super::{Answer, html, run};
use crate::http::{AppState, Layout};
use crate::services::report_delivery;
use actix_web::{HttpRequest, web};
use askama::Template;

#[derive(Template)]
#[template(path = "pages/report_unsubscribe.html")]
struct Page {
    layout: Layout,
    brand: Brand,
    token: String,
    workspace: String,
    plan: String,
    done: bool,
    already: bool,
}

pub(super) async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Answer {
    answer(req, state, token.into_inner(), false).await
}

pub(super) async fn unsubscribe(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Answer {
    answer(req, state, token.into_inner(), true).await
}

async fn answer(req: HttpRequest, state: web::Data<AppState>, token: String, act: bool) -> Answer {
    let t = token.clone();
    // `run` flushes before answering.
    let found = run(&state, &state.layout, move |ctx| {
        if act {
            report_delivery::unsubscribe(ctx, &t)
        } else {
            report_delivery::unsubscribe_target(ctx, &t)
        }
    })
    .await?;
    match found {
        Ok(Some(u)) => {
            let page = Page {
                layout: state.layout.clone(),
                brand: Brand {
                    name: u.brand.agency_name.clone(),
                    color: u.brand.primary.clone(),
                    logo_url: None,
                    address: String::new(),
                    powered_by: u.brand.powered_by,
                },
                token,
                workspace: u.workspace,
                plan: u.plan,
                done: act || u.already,
                already: u.already,
            };
            html(&req, &page, &state.layout)
        }
        _ => invalid(&state),
    }
}
