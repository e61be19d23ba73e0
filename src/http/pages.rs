//! The browser pages that exist before sign-in: home (with its empty states) and sign-in.

use super::{AppState, Layout, PageError};
use actix_web::{Responder, web};
use askama::Template;
use askama_web::WebTemplate;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/login", web::get().to(login));
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/home.html")]
struct HomePage {
    layout: Layout,
    needs_setup: bool,
}

async fn home(state: web::Data<AppState>) -> Result<impl Responder, PageError> {
    let store = state.ctx.store.clone();
    let admin_exists = web::block(move || store.users().admin_exists())
        .await
        .map_err(|e| PageError::internal(&state.layout, e.into()))?
        .map_err(|e| PageError::internal(&state.layout, e))?;
    Ok(HomePage {
        layout: state.layout.clone(),
        needs_setup: !admin_exists,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/login.html")]
struct LoginPage {
    layout: Layout,
}

async fn login(state: web::Data<AppState>) -> impl Responder {
    LoginPage {
        layout: state.layout.clone(),
    }
}
