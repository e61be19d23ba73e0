//! A connection's tokens during one sync or reply: opened from the sealed blob, refreshed
//! when Google says the access token expired, sealed again right after a refresh.

use super::Gateway;
use crate::domain::Connection;
use crate::sources::token_seal::Secrets;
use crate::sources::{Provider, ProviderError};
use time::Duration;

pub struct Keyring<'a> {
    pub gateway: &'a Gateway,
    pub conn: Connection,
    pub secrets: Secrets,
}

impl<'a> Keyring<'a> {
    pub fn open(gateway: &'a Gateway, conn: Connection) -> Result<Self, ProviderError> {
        let sealed = conn
            .sealed
            .as_deref()
            .ok_or_else(|| ProviderError::Revoked("no tokens are stored".into()))?;
        let secrets = gateway
            .sealer
            .open(&conn.workspace, conn.provider.as_str(), &conn.id, sealed)
            .map_err(|e| ProviderError::Revoked(e.to_string()))?;
        Ok(Self {
            gateway,
            conn,
            secrets,
        })
    }

    pub async fn save(&self) -> Result<(), ProviderError> {
        let sealed = self
            .gateway
            .sealer
            .seal(
                &self.conn.workspace,
                self.conn.provider.as_str(),
                &self.conn.id,
                &self.secrets,
            )
            .map_err(|e| ProviderError::Refused(e.to_string()))?;
        let (ws, id) = (self.conn.workspace, self.conn.id);
        self.gateway
            .store(move |s| {
                s.connections()
                    .update(&ws, &id, |c| c.sealed = Some(sealed.clone()))
            })
            .await
            .map_err(|e| ProviderError::Refused(format!("{e:#}")))?;
        Ok(())
    }

    /// A Google access token valid for at least another minute.
    pub async fn google_access(&mut self, force: bool) -> Result<String, ProviderError> {
        let now = self.gateway.ctx.clock.now();
        if !force
            && let (Some(t), Some(exp)) =
                (&self.secrets.access_token, self.secrets.access_expires_at)
            && exp > now + Duration::minutes(1)
        {
            return Ok(t.clone());
        }
        let refresh = self
            .secrets
            .refresh_token
            .clone()
            .ok_or_else(|| ProviderError::Revoked("Google gave no refresh token".into()))?;
        let g = self.gateway.clients.google()?;
        let api = g.api();
        let grant = super::call::retrying!(
            self.gateway.budget,
            Provider::Google,
            api.refresh(&refresh, now).await
        )?;
        self.secrets.access_token = Some(grant.access_token.clone());
        self.secrets.access_expires_at = grant.expires_at.or(Some(now + Duration::minutes(50)));
        if let Some(r) = grant.refresh_token {
            self.secrets.refresh_token = Some(r);
        }
        self.save().await?;
        Ok(grant.access_token)
    }

    /// The token of a Facebook page (or the user's when `page` is None).
    pub fn facebook_token(&self, page: Option<&str>) -> Result<String, ProviderError> {
        match page {
            Some(p) => self.secrets.page_tokens.get(p).cloned().ok_or_else(|| {
                ProviderError::Forbidden(
                    "Facebook did not grant access to this page; connect again and tick it".into(),
                )
            }),
            None => self
                .secrets
                .access_token
                .clone()
                .ok_or_else(|| ProviderError::Revoked("no Facebook token is stored".into())),
        }
    }
}

/// A Google call with a fresh token, refreshed once when refused: `google!(keys, t => call)`.
macro_rules! google {
    ($keys:expr, $t:ident => $call:expr) => {{
        let mut forced = false;
        loop {
            let $t = match $keys.google_access(forced).await {
                Ok(t) => t,
                Err(e) => break Err(e),
            };
            let result = $crate::gateway::call::retrying!(
                $keys.gateway.budget,
                $crate::sources::Provider::Google,
                $call
            );
            match result {
                Err($crate::sources::ProviderError::Unauthorized(_)) if !forced => forced = true,
                Err($crate::sources::ProviderError::Unauthorized(m)) => {
                    break Err($crate::sources::ProviderError::Revoked(m));
                }
                other => break other,
            }
        }
    }};
}
pub(crate) use google;

/// A Facebook call with a page's token: `facebook!(keys, Some(page), t => call)`. A refused
/// token means the user must connect again (Facebook tokens are not refreshed).
macro_rules! facebook {
    ($keys:expr, $page:expr, $t:ident => $call:expr) => {{
        match $keys.facebook_token($page) {
            Err(e) => Err(e),
            Ok($t) => {
                let result = $crate::gateway::call::retrying!(
                    $keys.gateway.budget,
                    $crate::sources::Provider::Facebook,
                    $call
                );
                match result {
                    Err($crate::sources::ProviderError::Unauthorized(m)) => {
                        Err($crate::sources::ProviderError::Revoked(m))
                    }
                    other => other,
                }
            }
        }
    }};
}
pub(crate) use facebook;
