//! Every route of the API in one table, in three parts: method, path, handler, and what the
//! OpenAPI document says of it. The handlers live in the modules named for their resource.

mod accounts;
mod auto_replies;
mod client_reports;
mod customers;
mod reviews;

use super::{Registrar, openapi};
use actix_web::http::Method;

pub fn define(r: &mut Registrar) {
    r.add(Method::GET, "/openapi.json", openapi::serve)
        .doc("meta", "This document")
        .public();
    accounts::routes(r);
    reviews::routes(r);
    customers::routes(r);
    client_reports::routes(r);
    auto_replies::routes(r);
}
