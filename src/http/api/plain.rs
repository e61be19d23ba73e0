//! Handlers that are nothing but one service read and a view, made from the two, so a route
//! whose whole job is "read this, show it so" is declared as data in its route table.

use super::{Api, PageQuery, Query, WsChildPath, WsPath, list};
use crate::domain::{Id, Workspace};
use crate::http::ApiError;
use crate::services::auth::Principal;
use crate::services::{self, Ctx};
use crate::store::{Page, PageRequest};
use actix_web::HttpResponse;
use futures_util::future::LocalBoxFuture;
use serde::Serialize;

/// What a handler made here answers.
pub type Handled = LocalBoxFuture<'static, Result<HttpResponse, ApiError>>;

/// A service that reads one page of a workspace's things.
pub type PageOf<T> =
    fn(&Ctx, &Principal, &Id<Workspace>, &PageRequest) -> services::Result<Page<T>>;
/// A service that reads one thing of a workspace by its id.
pub type OneOf<C, T> = fn(&Ctx, &Principal, &Id<Workspace>, &Id<C>) -> services::Result<T>;
/// A service that reads what a workspace holds once (its settings, the caller's preferences).
pub type WholeOf<T> = fn(&Ctx, &Principal, &Id<Workspace>) -> services::Result<T>;

/// `GET …/{ws}/things?limit=&cursor=`: `{items, next_cursor}`.
pub fn paged<T, V>(
    read: PageOf<T>,
    view: fn(T) -> V,
) -> impl Fn(Api, WsPath, Query<PageQuery>) -> Handled + Clone + 'static
where
    T: Send + 'static,
    V: Serialize + 'static,
{
    move |api, ws, q| {
        Box::pin(async move {
            let (ws, req) = (ws.into_inner(), q.request()?);
            let page = api.read(move |ctx, who| read(ctx, who, &ws, &req)).await?;
            Ok(list(page, view))
        })
    }
}

/// `GET …/{ws}/things/{id}`: the thing's view.
pub fn one<C, T, V>(
    read: OneOf<C, T>,
    view: fn(T) -> V,
) -> impl Fn(Api, WsChildPath<C>) -> Handled + Clone + 'static
where
    C: 'static,
    T: Send + 'static,
    V: Serialize + 'static,
{
    move |api, path| {
        Box::pin(async move {
            let (ws, id) = path.into_inner();
            let found = api.read(move |ctx, who| read(ctx, who, &ws, &id)).await?;
            Ok(HttpResponse::Ok().json(view(found)))
        })
    }
}

/// `GET …/{ws}/thing`: what the workspace holds once, as its view.
pub fn whole<T, V>(
    read: WholeOf<T>,
    view: fn(T) -> V,
) -> impl Fn(Api, WsPath) -> Handled + Clone + 'static
where
    T: Send + 'static,
    V: Serialize + 'static,
{
    move |api, ws| {
        Box::pin(async move {
            let ws = ws.into_inner();
            let found = api.read(move |ctx, who| read(ctx, who, &ws)).await?;
            Ok(HttpResponse::Ok().json(view(found)))
        })
    }
}

/// `DELETE …/{ws}/things/{id}`: 204 once the removal is durable.
pub fn removal<C: 'static>(
    remove: services::RemoveOf<C>,
) -> impl Fn(Api, WsChildPath<C>) -> Handled + Clone + 'static {
    move |api, path| {
        Box::pin(async move {
            let (ws, id) = path.into_inner();
            api.write(move |ctx, who| remove(ctx, who, &ws, &id))
                .await?;
            Ok(HttpResponse::NoContent().finish())
        })
    }
}
