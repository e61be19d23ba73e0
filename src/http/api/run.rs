//! Running service work off the async workers: reads as they are, writes flushed before the
//! answer, password hashing in the client's turn.

use crate::http::{ApiError, AppState};
use crate::services::{self, Ctx};
use actix_web::web;

/// Runs service work off the async executor, then flushes so the answer is durable.
pub async fn write<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&Ctx) -> services::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    let ctx = state.ctx.clone();
    let out = web::block(move || work(&ctx)).await??;
    state.ctx.store.flush().await.map_err(ApiError::internal)?;
    Ok(out)
}

/// Like `write`, for work that hashes a password: in `client`'s turn (see `HashQueue`).
pub async fn hashing<T: Send + 'static>(
    state: &AppState,
    client: std::net::IpAddr,
    work: impl FnOnce(&Ctx) -> services::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    let _permit = state
        .hashing
        .enter(client)
        .await
        .map_err(|e| ApiError::internal(anyhow::anyhow!("hashing pool closed: {e}")))?;
    write(state, work).await
}

/// Service work that only reads.
pub async fn read<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&Ctx) -> services::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    let ctx = state.ctx.clone();
    Ok(web::block(move || work(&ctx)).await??)
}
