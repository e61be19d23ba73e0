//! Typed path ids for handlers: a segment that is not an id never reaches one — the path
//! extractor answers the JSON 404 under `/api` and the page 404 elsewhere (`errors::path_error`).

use crate::domain::{Id, Workspace};
use actix_web::web;

/// `/…/{ws}/…`: the workspace's id.
pub type WsPath = web::Path<Id<Workspace>>;
/// `/…/{ws}/…/{id}`: the workspace's id and the id of something in it.
pub type WsChildPath<T> = web::Path<(Id<Workspace>, Id<T>)>;
