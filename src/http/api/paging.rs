//! Lists: `?limit=&cursor=` read the same way everywhere, and the `{items, next_cursor}` answer.

use super::views;
use crate::http::ApiError;
use crate::store::{Page, PageRequest};
use actix_web::http::StatusCode;
use serde::Deserialize;

/// `?limit=&cursor=` of every list.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct PageQuery {
    /// How many items (default 50). Taken as text so that a bad value gets a clear message.
    #[schemars(with = "Option<u8>", range(min = 1, max = 200))]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page; absent or empty for the first page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn limit(&self) -> Result<usize, ApiError> {
        match self.limit.as_deref() {
            None => Ok(50),
            Some(n) => match n.parse::<usize>() {
                Ok(n) if (1..=200).contains(&n) => Ok(n),
                _ => Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_limit",
                    "limit must be a whole number between 1 and 200",
                )),
            },
        }
    }

    /// The page the store should read.
    pub fn request(&self) -> Result<PageRequest, ApiError> {
        Ok(PageRequest {
            cursor: self.cursor.clone().filter(|c| !c.is_empty()),
            limit: self.limit()?,
        })
    }
}

/// `{"items": [...], "next_cursor": ...}`.
pub fn list<T, V: serde::Serialize>(
    page: Page<T>,
    view: impl FnMut(T) -> V,
) -> actix_web::HttpResponse {
    let page = page.map(view);
    actix_web::HttpResponse::Ok().json(views::List {
        items: page.items,
        next_cursor: page.next,
    })
}
