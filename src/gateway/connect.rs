//! The provider side of connecting: exchanging the code for tokens (sealed at once), listing
//! what the account manages, and revoking on disconnect.

use super::Gateway;
use super::keyring::{Keyring, facebook, google};
use crate::domain::{Connection, Id, Workspace};
use crate::services::{self, connections};
use crate::sources::token_seal::Secrets;
use crate::sources::{Provider, ProviderError, RemoteLocation};

impl Gateway {
    /// Exchanges the code, reads the account's label (and Facebook page tokens), seals
    /// the tokens and activates the connection.
    pub async fn finish_connect(
        &self,
        p: Provider,
        ws: Id<Workspace>,
        id: Id<Connection>,
        code: &str,
        verifier: &str,
    ) -> Result<Connection, ProviderError> {
        let now = self.ctx.clock.now();
        let redirect = connections::redirect_uri(&self.ctx, p);
        let mut secrets = Secrets::default();
        let account = match p {
            Provider::Google => {
                let g = self.clients.google()?;
                let api = g.api();
                let grant = api.exchange(code, verifier, &redirect, now).await?;
                if grant.refresh_token.is_none() {
                    return Err(ProviderError::Refused(
                        "Google gave no refresh token (offline access was not granted); remove Plaudit from your Google account's third-party access and connect again".into(),
                    ));
                }
                let label = api.account_label(&grant.access_token).await.ok().flatten();
                secrets.access_token = Some(grant.access_token);
                secrets.access_expires_at = grant.expires_at;
                secrets.refresh_token = grant.refresh_token;
                label
            }
            Provider::Facebook => {
                let f = self.clients.facebook()?;
                let api = f.api();
                let grant = api.exchange(code, verifier, &redirect, now).await?;
                let label = api.account_label(&grant.access_token).await.ok().flatten();
                for (page, token) in api.pages(&grant.access_token).await? {
                    if let Some(t) = token {
                        secrets.page_tokens.insert(page.external_id, t);
                    }
                }
                secrets.access_token = Some(grant.access_token);
                secrets.access_expires_at = grant.expires_at;
                label
            }
        };
        let sealed = self
            .sealer
            .seal(&ws, p.as_str(), &id, &secrets)
            .map_err(|e| ProviderError::Refused(e.to_string()))?;
        let ctx = self.ctx.clone();
        let conn = self
            .store(move |_| {
                connections::complete(&ctx, &ws, &id, sealed, account).map_err(|e| match e {
                    services::Error::Internal(e) => e,
                    other => anyhow::anyhow!("{other}"),
                })
            })
            .await
            .map_err(|e| ProviderError::Refused(format!("{e:#}")))?;
        self.ctx
            .store
            .flush()
            .await
            .map_err(|e| ProviderError::Refused(format!("{e:#}")))?;
        Ok(conn)
    }

    /// What the connected account manages: Google locations, or Facebook pages (whose tokens
    /// are refreshed in the sealed blob on the way).
    pub async fn remote_locations(
        &self,
        conn: Connection,
    ) -> Result<Vec<RemoteLocation>, ProviderError> {
        let mut keys = Keyring::open(self, conn)?;
        match keys.conn.provider {
            Provider::Google => {
                let g = self.clients.google()?;
                let api = g.api();
                google!(keys, t => api.locations(&t).await)
            }
            Provider::Facebook => {
                let f = self.clients.facebook()?;
                let api = f.api();
                let pages = facebook!(keys, None, t => api.pages(&t).await)?;
                let mut out = Vec::new();
                for (page, token) in pages {
                    if let Some(t) = token {
                        keys.secrets.page_tokens.insert(page.external_id.clone(), t);
                    }
                    out.push(page);
                }
                keys.save().await?;
                Ok(out)
            }
        }
    }

    /// Revokes at the provider (best effort: a token already dead is fine).
    pub async fn revoke(&self, conn: Connection) -> Result<(), ProviderError> {
        if conn.sealed.is_none() {
            return Ok(());
        }
        let keys = Keyring::open(self, conn)?;
        match keys.conn.provider {
            Provider::Google => {
                let g = self.clients.google()?;
                let token = keys
                    .secrets
                    .refresh_token
                    .clone()
                    .or(keys.secrets.access_token.clone())
                    .unwrap_or_default();
                g.api().revoke(&token).await
            }
            Provider::Facebook => {
                let f = self.clients.facebook()?;
                let token = keys.facebook_token(None)?;
                f.api().revoke(&token).await
            }
        }
    }
}
