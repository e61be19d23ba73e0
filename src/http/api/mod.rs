//! The JSON API under /api/v1: one route table that both registers handlers and documents them.

mod accounts;
mod admin;
mod alerts;
mod annotations;
mod auto_replies;
mod body;
mod call;
mod campaigns;
mod client_reports;
mod conform;
mod connections;
mod contacts;
mod download;
mod drafts;
mod imports;
mod item_views;
pub mod items;
mod keys;
mod locations;
mod me;
mod members;
mod openapi;
mod paging;
mod plain;
mod privacy;
mod query;
mod registrar;
pub mod reports;
mod run;
mod schema;
mod showcases;
mod table;
mod templates;
mod views;
mod workspaces;

pub use body::{Body, ListBody};
pub use call::{Answer, Api};
pub use conform::Contracts;
pub use openapi::document;
pub use query::Query;

pub use crate::http::paths::{WsChildPath, WsPath};
pub use paging::{PageQuery, list};
pub use registrar::{Registrar, Route, SchemaOf, configure, routes, schema_of};
pub use run::{hashing, read, write};
use table::define;
