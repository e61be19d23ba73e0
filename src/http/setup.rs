//! The one-time setup link: a form that creates the first instance admin.

use super::{AppState, Layout, PageError, csrf};
use crate::services::Error;
use crate::services::setup::{self, SetupError};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, Responder, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/setup/{token}", web::get().to(show))
        .route("/setup/{token}", web::post().to(submit));
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/setup.html")]
struct SetupPage {
    layout: Layout,
    token: String,
    email: String,
    name: String,
    error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/setup_done.html")]
struct SetupDone {
    layout: Layout,
    email: String,
}

fn link_invalid(layout: &Layout) -> PageError {
    PageError::new(
        layout,
        StatusCode::NOT_FOUND,
        "This setup link is not valid: it was used already, it expired, or a newer one was printed. \
         Restart Plaudit for a new link, or run `plaudit admin create`.",
    )
}

async fn show(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<impl Responder, PageError> {
    let (store, now, t) = (
        state.ctx.store.clone(),
        state.ctx.clock.now(),
        token.clone(),
    );
    let valid = web::block(move || setup::is_valid(&store, &t, now))
        .await
        .map_err(|e| PageError::internal(&state.layout, e.into()))?
        .map_err(|e| PageError::internal(&state.layout, e))?;
    if !valid {
        return Err(link_invalid(&state.layout));
    }
    Ok(SetupPage {
        layout: state.layout.clone(),
        token: token.into_inner(),
        email: String::new(),
        name: String::new(),
        error: None,
    })
}

#[derive(Deserialize)]
struct SetupForm {
    email: String,
    #[serde(default)]
    name: String,
    password: String,
    password_confirm: String,
}

async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    form: web::Form<SetupForm>,
) -> Result<HttpResponse, PageError> {
    let layout = &state.layout;
    if !csrf::same_origin(&req, &state.ctx.instance_url) {
        return Err(PageError::new(
            layout,
            StatusCode::FORBIDDEN,
            "This form was sent from another site and has been refused.",
        ));
    }
    let form = form.into_inner();
    let again = |error: String| SetupPage {
        layout: layout.clone(),
        token: token.to_string(),
        email: form.email.clone(),
        name: form.name.clone(),
        error: Some(error),
    };
    if form.password != form.password_confirm {
        return Ok(again("The two passwords differ.".into())
            .customize()
            .with_status(StatusCode::UNPROCESSABLE_ENTITY)
            .respond_to(&req)
            .map_into_boxed_body());
    }
    let (store, now) = (state.ctx.store.clone(), state.ctx.clock.now());
    let (t, email, name, password) = (
        token.to_string(),
        form.email.clone(),
        form.name.clone(),
        form.password.clone(),
    );
    let (sessions, ip) = (
        state.sessions.clone(),
        super::session::client_ip(&req).to_string(),
    );
    // The new administrator is signed in at once: the setup link proved who they are.
    let result = web::block(move || {
        let user = setup::complete(&store, &t, &email, &name, password, now)?;
        let session = sessions
            .issue(&store, &user.id, &ip, now)
            .map(|(token, _)| token)
            .map_err(|e| SetupError::Account(Error::Internal(e.into())))?;
        Ok::<_, SetupError>((user, session))
    })
    .await
    .map_err(|e| PageError::internal(layout, e.into()))?;
    match result {
        Ok((user, session)) => {
            state
                .ctx
                .store
                .flush()
                .await
                .map_err(|e| PageError::internal(layout, e))?;
            tracing::info!(user = %user.id, "instance admin created from the setup link");
            let mut resp = SetupDone {
                layout: layout.clone(),
                email: user.email.to_string(),
            }
            .respond_to(&req)
            .map_into_boxed_body();
            resp.add_cookie(&state.cookie.set(&session))
                .map_err(|e| PageError::internal(layout, e.into()))?;
            Ok(resp)
        }
        Err(SetupError::LinkInvalid) => Err(link_invalid(layout)),
        Err(SetupError::Account(Error::Internal(e))) => Err(PageError::internal(layout, e)),
        Err(SetupError::Account(e)) => Ok(again(e.to_string())
            .customize()
            .with_status(StatusCode::UNPROCESSABLE_ENTITY)
            .respond_to(&req)
            .map_into_boxed_body()),
    }
}
