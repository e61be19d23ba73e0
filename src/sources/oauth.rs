//! OAuth 2.0 authorization-code flow with PKCE against Google and Facebook (endpoints from
//! config, wire formats per shared/design/PROVIDERS.md).

use crate::config::ProvidersConfig;
use base64::Engine;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::time::Duration;

pub use crate::domain::Provider;

/// What sign-in keeps of a provider profile: nothing more.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    pub picture_url: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("{0} sign-in is not configured on this instance")]
    NotConfigured(&'static str),
    /// The provider refused the exchange (bad code, PKCE mismatch, revoked consent).
    #[error("{provider} refused the sign-in: {detail}")]
    Refused {
        provider: &'static str,
        detail: String,
    },
    /// The provider could not be reached or answered something unusable.
    #[error("{provider} did not answer properly ({detail}); try again in a moment")]
    Unavailable {
        provider: &'static str,
        detail: String,
    },
}

pub fn pkce_challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

pub(crate) fn credentials(
    config: &ProvidersConfig,
    p: Provider,
) -> Result<(String, String), OAuthError> {
    let (id, secret) = match p {
        Provider::Google => (&config.google.client_id, &config.google.client_secret),
        Provider::Facebook => (&config.facebook.client_id, &config.facebook.client_secret),
    };
    match (id, secret) {
        (Some(id), Some(secret)) => Ok((id.clone(), secret.expose().to_string())),
        _ => Err(OAuthError::NotConfigured(p.label())),
    }
}

/// Why the browser goes to the provider: to sign someone in, or to connect an account whose
/// reviews and pages Plaudit will read and answer (offline access, business scopes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    SignIn,
    Connect,
}

/// The URL to send the browser to for signing in.
pub fn authorize_url(
    config: &ProvidersConfig,
    p: Provider,
    redirect_uri: &str,
    state: &str,
    verifier: &str,
) -> Result<String, OAuthError> {
    purpose_url(config, p, Purpose::SignIn, redirect_uri, state, verifier)
}

/// The URL to send the browser to, for either purpose (scopes per PROVIDERS.md).
pub fn purpose_url(
    config: &ProvidersConfig,
    p: Provider,
    purpose: Purpose,
    redirect_uri: &str,
    state: &str,
    verifier: &str,
) -> Result<String, OAuthError> {
    let (client_id, _) = credentials(config, p)?;
    let challenge = pkce_challenge(verifier);
    let mut url = match p {
        Provider::Google => config.google.auth_url.clone(),
        Provider::Facebook => {
            let fb = &config.facebook;
            let mut u = fb.dialog_url.clone();
            u.set_path(&format!("/{}/dialog/oauth", fb.graph_version));
            u
        }
    };
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("client_id", &client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("response_type", "code")
            .append_pair("state", state)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        match (p, purpose) {
            (Provider::Google, Purpose::SignIn) => {
                q.append_pair("scope", "openid email profile");
            }
            (Provider::Facebook, Purpose::SignIn) => {
                q.append_pair("scope", "email,public_profile");
            }
            (Provider::Google, Purpose::Connect) => {
                q.append_pair(
                    "scope",
                    "openid email profile https://www.googleapis.com/auth/business.manage",
                )
                .append_pair("access_type", "offline")
                .append_pair("prompt", "consent");
            }
            (Provider::Facebook, Purpose::Connect) => {
                q.append_pair(
                    "scope",
                    "pages_show_list,pages_read_engagement,pages_read_user_content,pages_manage_engagement",
                );
            }
        }
    }
    Ok(url.to_string())
}

pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Plaudit/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
}

#[derive(Deserialize)]
struct GoogleUser {
    sub: String,
    email: Option<String>,
    #[serde(default)]
    email_verified: bool,
    name: Option<String>,
    picture: Option<String>,
}

#[derive(Deserialize)]
struct FacebookUser {
    id: String,
    email: Option<String>,
    name: Option<String>,
    picture: Option<FacebookPicture>,
}

#[derive(Deserialize)]
struct FacebookPicture {
    data: FacebookPictureData,
}

#[derive(Deserialize)]
struct FacebookPictureData {
    url: Option<String>,
}

async fn json<T: serde::de::DeserializeOwned>(
    p: Provider,
    resp: reqwest::Result<reqwest::Response>,
) -> Result<T, OAuthError> {
    let unavailable = |detail: String| OAuthError::Unavailable {
        provider: p.label(),
        detail,
    };
    let resp = resp.map_err(|e| unavailable(e.to_string()))?;
    let status = resp.status();
    let body = resp.text().await.map_err(|e| unavailable(e.to_string()))?;
    if status.is_server_error() {
        return Err(unavailable(format!("HTTP {status}")));
    }
    if !status.is_success() {
        // Google: {"error","error_description"}; Facebook: {"error":{"message",...}}.
        let detail = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| {
                v["error_description"]
                    .as_str()
                    .map(str::to_string)
                    .or_else(|| v["error"]["message"].as_str().map(str::to_string))
                    .or_else(|| v["error"].as_str().map(str::to_string))
            })
            .unwrap_or_else(|| format!("HTTP {status}"));
        return Err(OAuthError::Refused {
            provider: p.label(),
            detail,
        });
    }
    serde_json::from_str(&body).map_err(|e| unavailable(format!("unreadable answer: {e}")))
}

/// Exchanges the code (with the PKCE verifier) and reads the profile.
pub async fn finish(
    client: &reqwest::Client,
    config: &ProvidersConfig,
    p: Provider,
    redirect_uri: &str,
    code: &str,
    verifier: &str,
) -> Result<Profile, OAuthError> {
    let (client_id, client_secret) = credentials(config, p)?;
    match p {
        Provider::Google => {
            let g = &config.google;
            let form = [
                ("grant_type", "authorization_code"),
                ("code", code),
                ("client_id", &client_id),
                ("client_secret", &client_secret),
                ("redirect_uri", redirect_uri),
                ("code_verifier", verifier),
            ];
            let token: TokenAnswer =
                json(p, client.post(g.token_url.clone()).form(&form).send().await).await?;
            let user: GoogleUser = json(
                p,
                client
                    .get(g.userinfo_url.clone())
                    .bearer_auth(&token.access_token)
                    .send()
                    .await,
            )
            .await?;
            Ok(Profile {
                subject: user.sub,
                email: user.email,
                email_verified: user.email_verified,
                name: user.name,
                picture_url: user.picture,
            })
        }
        Provider::Facebook => {
            let fb = &config.facebook;
            let mut url = fb.graph_url.clone();
            url.set_path(&format!("/{}/oauth/access_token", fb.graph_version));
            let query = [
                ("client_id", client_id.as_str()),
                ("redirect_uri", redirect_uri),
                ("client_secret", client_secret.as_str()),
                ("code", code),
                ("code_verifier", verifier),
            ];
            let token: TokenAnswer = json(p, client.get(url).query(&query).send().await).await?;
            let mut me = fb.graph_url.clone();
            me.set_path(&format!("/{}/me", fb.graph_version));
            let user: FacebookUser = json(
                p,
                client
                    .get(me)
                    .query(&[
                        ("fields", "id,name,email,picture"),
                        ("access_token", token.access_token.as_str()),
                    ])
                    .send()
                    .await,
            )
            .await?;
            Ok(Profile {
                subject: user.id,
                // Facebook only returns confirmed addresses.
                // Facebook does not say whether it checked the address: never take it as
                // proof (with open registration it could pre-claim an invitee's address).
                email_verified: false,
                email: user.email,
                name: user.name,
                picture_url: user.picture.and_then(|p| p.data.url),
            })
        }
    }
}
