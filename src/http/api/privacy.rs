//! /workspaces/{ws}/privacy/{export,erase,restrict}: data-subject requests (owners).

use super::{Body, Registrar, id, write};
use crate::http::session::Caller;
use crate::http::{ApiError, AppState};
use crate::services::privacy::{self, Counts};
use actix_web::http::Method;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

pub fn routes(r: &mut Registrar) {
    r.add(Method::POST, "/workspaces/{ws}/privacy/export", export)
        .doc(
            "privacy",
            "Every record the workspace holds about an email address, with where it came from, why it is held, how long and who it is shared with (owner)",
        )
        .body::<EmailBody>();
    r.add(Method::POST, "/workspaces/{ws}/privacy/erase", erase)
        .doc(
            "privacy",
            "Erase everything about an email address in the workspace; only a keyed hash stays on the suppression list so it is never mailed again (owner)",
        )
        .body::<EmailBody>()
        .returns::<Counts>();
    r.add(Method::POST, "/workspaces/{ws}/privacy/restrict", restrict)
        .doc(
            "privacy",
            "Keep the records about an email address but stop processing them: no mail, no alerts (owner)",
        )
        .body::<EmailBody>()
        .returns::<Counts>();
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct EmailBody {
    #[schemars(length(min = 3, max = 254))]
    email: String,
}

async fn export(
    state: web::Data<AppState>,
    caller: Caller,
    ws: web::Path<String>,
    body: Body<EmailBody>,
) -> Result<HttpResponse, ApiError> {
    let ws = id(&ws)?;
    let email = body.into_inner().email;
    let ip = caller.ip();
    let v = write(&state, move |ctx| {
        privacy::export(ctx, &caller.principal, &ip, &ws, &email)
    })
    .await?;
    Ok(HttpResponse::Ok().json(v))
}

async fn erase(
    state: web::Data<AppState>,
    caller: Caller,
    ws: web::Path<String>,
    body: Body<EmailBody>,
) -> Result<HttpResponse, ApiError> {
    let ws = id(&ws)?;
    let email = body.into_inner().email;
    let ip = caller.ip();
    let c = write(&state, move |ctx| {
        privacy::erase(ctx, &caller.principal, &ip, &ws, &email)
    })
    .await?;
    Ok(HttpResponse::Ok().json(c))
}

async fn restrict(
    state: web::Data<AppState>,
    caller: Caller,
    ws: web::Path<String>,
    body: Body<EmailBody>,
) -> Result<HttpResponse, ApiError> {
    let ws = id(&ws)?;
    let email = body.into_inner().email;
    let ip = caller.ip();
    let c = write(&state, move |ctx| {
        privacy::restrict(ctx, &caller.principal, &ip, &ws, &email)
    })
    .await?;
    Ok(HttpResponse::Ok().json(c))
}
