//! What every service call needs: the store, the config, the clock, and how to address mail.

use crate::clock::SharedClock;
use crate::config::Config;
use crate::store::Store;
use lettre::message::Mailbox;
use std::sync::{Arc, OnceLock};

#[derive(Clone)]
pub struct Ctx {
    pub store: Store,
    pub config: Arc<Config>,
    pub clock: SharedClock,
    pub mail_from: Mailbox,
    /// Base of every link we hand out: `server.public_url`, else the listen address.
    pub instance_url: String,
    /// This process among several sharing a database server; `None` on sled (one process).
    pub cluster: Option<Arc<crate::cluster::Cluster>>,
    /// An argon2id hash to verify against when the email is unknown, so both answers take
    /// the same time. Made on first use (hashing is slow on purpose).
    dummy_hash: Arc<OnceLock<String>>,
}

impl Ctx {
    pub fn new(
        store: Store,
        config: Arc<Config>,
        clock: SharedClock,
        mail_from: Mailbox,
        instance_url: String,
    ) -> Self {
        Self {
            store,
            config,
            clock,
            mail_from,
            instance_url: instance_url.trim_end_matches('/').to_string(),
            cluster: None,
            dummy_hash: Arc::new(OnceLock::new()),
        }
    }

    /// As one of several instances sharing a database.
    pub fn with_cluster(mut self, cluster: Option<Arc<crate::cluster::Cluster>>) -> Self {
        self.cluster = cluster;
        self
    }

    /// Runs a store call off the async threads (for jobs and gateways; handlers use theirs).
    pub async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&crate::store::Store) -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(&store)).await?
    }

    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.instance_url)
    }

    pub fn dummy_hash(&self) -> &str {
        self.dummy_hash.get_or_init(|| {
            let pw = crate::domain::Password::parse("a placeholder nobody uses".into())
                .unwrap_or_else(|_| unreachable!("the placeholder is a valid password"));
            super::passwords::hash_password(&pw).unwrap_or_default()
        })
    }
}
