//! The JSON API under /api/v1: one route table that both registers handlers and documents them.

mod accounts;
mod admin;
mod alerts;
mod annotations;
mod body;
mod call;
mod campaigns;
mod conform;
mod connections;
mod contacts;
mod download;
mod imports;
mod item_views;
pub mod items;
mod keys;
mod locations;
mod me;
mod members;
mod openapi;
mod paging;
mod privacy;
mod query;
mod registrar;
pub mod reports;
mod run;
mod schema;
mod templates;
mod views;
mod workspaces;

pub use body::{Body, ListBody};
pub use call::Api;
pub use conform::Contracts;
pub use openapi::document;
pub use query::Query;

pub use crate::http::paths::{WsChildPath, WsPath};
pub use paging::{PageQuery, list};
pub use registrar::{Registrar, Route, SchemaOf, configure, routes, schema_of};
pub use run::{hashing, read, write};

use actix_web::http::Method;

fn define(r: &mut Registrar) {
    r.add(Method::GET, "/openapi.json", openapi::serve)
        .doc("meta", "This document")
        .public();
    accounts::routes(r);
    me::routes(r);
    workspaces::routes(r);
    members::routes(r);
    keys::routes(r);
    locations::routes(r);
    connections::routes(r);
    items::routes(r);
    annotations::routes(r);
    templates::routes(r);
    reports::routes(r);
    alerts::routes(r);
    imports::routes(r);
    contacts::routes(r);
    campaigns::routes(r);
    privacy::routes(r);
    admin::routes(r);
}
