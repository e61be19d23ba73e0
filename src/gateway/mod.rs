//! Provider access for every part that talks to Google or Facebook: the clients, the call
//! budget, connections' sealed tokens (the keyring), and connecting, revoking and listing a
//! connection's remote locations. The poller, the reply sender and the HTTP layer share one.

pub(crate) mod call;
mod connect;
pub(crate) mod keyring;

use crate::services::Ctx;
use crate::sources::Clients;
use crate::sources::token_seal::Sealer;
use crate::store::Store;
pub use call::Budget;
use std::sync::Arc;

pub struct Gateway {
    pub ctx: Ctx,
    pub clients: Clients,
    pub sealer: Sealer,
    pub(crate) budget: Budget,
}

impl Gateway {
    pub fn new(ctx: Ctx) -> anyhow::Result<Arc<Self>> {
        let secret = ctx.store.meta().instance_secret()?;
        Ok(Arc::new(Self {
            clients: Clients::new(&ctx.config),
            sealer: Sealer::new(&secret),
            budget: Budget::new(&ctx.config.poller),
            ctx,
        }))
    }

    /// Runs a store call off the async threads.
    pub(crate) async fn store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        self.ctx.blocking(f).await
    }
}
