//! The start page: setup instructions on a fresh instance, else a way in.

use super::{Answer, MaybeUser, html};
use crate::http::{AppState, Layout, PageError};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

#[derive(Template)]
#[template(path = "pages/home.html")]
struct HomePage {
    layout: Layout,
    needs_setup: bool,
}

pub(super) async fn home(req: HttpRequest, state: web::Data<AppState>, who: MaybeUser) -> Answer {
    if who.0.is_some() {
        return Ok(HttpResponse::SeeOther()
            .insert_header(("Location", "/w"))
            .finish());
    }
    let store = state.ctx.store.clone();
    let admin_exists = web::block(move || store.users().admin_exists())
        .await
        .map_err(|e| PageError::internal(&who.1, e.into()))?
        .map_err(|e| PageError::internal(&who.1, e))?;
    html(
        &req,
        &HomePage {
            layout: who.1.clone(),
            needs_setup: !admin_exists,
        },
        &who.1,
    )
}
