//! Talking to review providers: OAuth sign-in, and the Google and Facebook connectors the
//! poller and the reply worker use.

pub mod facebook;
pub mod google;
pub mod oauth;
pub mod token_seal;
pub mod wire;

use crate::config::ProvidersConfig;
pub use oauth::Provider;
pub use wire::{ProviderError, Wire};

/// A Google location or Facebook page the connected account manages.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RemoteLocation {
    pub external_id: String,
    pub name: String,
    /// Where the public can read it.
    pub link: Option<String>,
    /// Where the public can write a review (Google `newReviewUri`).
    pub review_url: Option<String>,
}

/// What a token endpoint granted.
pub struct TokenGrant {
    pub access_token: String,
    pub expires_at: Option<time::OffsetDateTime>,
    pub refresh_token: Option<String>,
}

/// The provider clients, built from config, sharing one HTTP client.
#[derive(Clone)]
pub struct Clients {
    pub wire: Wire,
    pub config: std::sync::Arc<ProvidersConfig>,
}

impl Clients {
    pub fn new(config: &crate::config::Config) -> Self {
        let p = &config.poller;
        Self {
            wire: Wire::new(
                std::time::Duration::from_secs(p.timeout_secs),
                p.max_answer_kb.saturating_mul(1024),
            ),
            config: std::sync::Arc::new(config.providers.clone()),
        }
    }

    fn credentials(&self, p: Provider) -> Result<(String, String), ProviderError> {
        oauth::credentials(&self.config, p).map_err(|e| ProviderError::Refused(e.to_string()))
    }

    /// Runs `f` with the Google client (credentials from config).
    pub fn google(&self) -> Result<OwnedGoogle, ProviderError> {
        let (id, secret) = self.credentials(Provider::Google)?;
        Ok(OwnedGoogle {
            clients: self.clone(),
            id,
            secret,
        })
    }

    pub fn facebook(&self) -> Result<OwnedFacebook, ProviderError> {
        let (id, secret) = self.credentials(Provider::Facebook)?;
        Ok(OwnedFacebook {
            clients: self.clone(),
            id,
            secret,
        })
    }
}

/// Credentials held so a `google::Google` can borrow them.
pub struct OwnedGoogle {
    clients: Clients,
    id: String,
    secret: String,
}

impl OwnedGoogle {
    pub fn api(&self) -> google::Google<'_> {
        google::Google {
            wire: &self.clients.wire,
            config: &self.clients.config.google,
            client_id: &self.id,
            client_secret: &self.secret,
        }
    }
}

pub struct OwnedFacebook {
    clients: Clients,
    id: String,
    secret: String,
}

impl OwnedFacebook {
    pub fn api(&self) -> facebook::Facebook<'_> {
        facebook::Facebook {
            wire: &self.clients.wire,
            config: &self.clients.config.facebook,
            client_id: &self.id,
            client_secret: &self.secret,
        }
    }
}
