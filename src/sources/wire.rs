//! Calling a provider: timeouts, a size cap on every answer, and one classification of what
//! went wrong (Google's and Facebook's error shapes per PROVIDERS.md) that the poller and the
//! reply worker act on. Errors never carry a URL: Facebook URLs hold access tokens.

use serde::de::DeserializeOwned;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// 401: the access token expired; refresh it once and retry.
    #[error("the access token was refused ({0})")]
    Unauthorized(String),
    /// `invalid_grant`, Facebook 190: the user must connect again.
    #[error("the provider no longer accepts this connection ({0}); connect it again")]
    Revoked(String),
    /// 429, 5xx, network trouble, Facebook 1/2/4/17/32/613: back off and retry.
    #[error("{detail}")]
    Transient {
        detail: String,
        retry_after: Option<Duration>,
        rate_limited: bool,
    },
    /// 403, Facebook 10 and 200–299: a permission is missing.
    #[error("permission denied: {0}")]
    Forbidden(String),
    /// 404: this location or page is gone or not managed by the account any more.
    #[error("not found at the provider: {0}")]
    NotFound(String),
    /// Facebook 12: the endpoint is deprecated for this Graph version.
    #[error("deprecated by the provider: {0}")]
    Deprecated(String),
    /// Truncated JSON, wrong types, an answer over the size cap.
    #[error("unusable answer: {0}")]
    Malformed(String),
    /// Any other refusal (a 400 with a reason).
    #[error("refused: {0}")]
    Refused(String),
}

impl ProviderError {
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transient { .. })
    }
}

#[derive(Clone)]
pub struct Wire {
    pub client: reqwest::Client,
    max_body: usize,
}

fn cut(s: &str) -> String {
    let s = s.trim();
    match s.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Reads the provider's reason out of an error body and classifies it with the status.
fn classify(status: u16, headers: &reqwest::header::HeaderMap, body: &[u8]) -> ProviderError {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let err = &v["error"];
    let message = err["message"]
        .as_str()
        .or_else(|| v["error_description"].as_str())
        .or_else(|| err.as_str())
        .map_or_else(|| format!("HTTP {status}"), cut);
    let after = retry_after(headers);
    let transient = |rate_limited| ProviderError::Transient {
        detail: format!("HTTP {status}: {message}"),
        retry_after: after,
        rate_limited,
    };
    if err.as_str() == Some("invalid_grant") {
        return ProviderError::Revoked(message);
    }
    // Facebook's numeric codes decide over the HTTP status.
    if let Some(code) = err["code"].as_i64().filter(|_| err["type"].is_string()) {
        return match code {
            190 => ProviderError::Revoked(message),
            4 | 17 | 32 | 613 => transient(true),
            1 | 2 => transient(false),
            12 => ProviderError::Deprecated(message),
            10 | 200..=299 => ProviderError::Forbidden(message),
            _ if status >= 500 => transient(false),
            _ if status == 404 => ProviderError::NotFound(message),
            _ => ProviderError::Refused(format!("code {code}: {message}")),
        };
    }
    match status {
        401 => ProviderError::Unauthorized(message),
        403 => ProviderError::Forbidden(message),
        404 => ProviderError::NotFound(message),
        408 | 429 => transient(true),
        s if s >= 500 => transient(false),
        _ => ProviderError::Refused(message),
    }
}

impl Wire {
    pub fn new(timeout: Duration, max_body: usize) -> Self {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Plaudit/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        Self { client, max_body }
    }

    /// Sends and decodes a JSON answer of at most the size cap.
    pub async fn json<T: DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<T, ProviderError> {
        let body = self.bytes(req).await?;
        serde_json::from_slice(&body).map_err(|e| ProviderError::Malformed(cut(&e.to_string())))
    }

    /// Sends; a success answer's body (capped), or the classified error.
    pub async fn bytes(&self, req: reqwest::RequestBuilder) -> Result<Vec<u8>, ProviderError> {
        let network = |e: reqwest::Error| ProviderError::Transient {
            detail: format!("could not reach the provider: {}", e.without_url()),
            retry_after: None,
            rate_limited: false,
        };
        let mut resp = req.send().await.map_err(network)?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        if resp
            .content_length()
            .is_some_and(|n| n > self.max_body as u64)
        {
            return Err(ProviderError::Malformed(format!(
                "the answer is larger than the {} KB cap",
                self.max_body / 1024
            )));
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| {
            if status < 300 {
                ProviderError::Malformed(format!("the answer broke off: {}", e.without_url()))
            } else {
                network(e)
            }
        })? {
            if body.len() + chunk.len() > self.max_body {
                return Err(ProviderError::Malformed(format!(
                    "the answer is larger than the {} KB cap",
                    self.max_body / 1024
                )));
            }
            body.extend_from_slice(&chunk);
        }
        if (200..300).contains(&status) {
            Ok(body)
        } else {
            Err(classify(status, &headers, &body))
        }
    }
}

pub use crate::domain::when::parse_time;

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderMap;

    #[test]
    fn errors_are_classified_per_provider_shape() {
        let h = HeaderMap::new();
        let c = |status, body: &str| classify(status, &h, body.as_bytes());
        assert!(matches!(
            c(
                400,
                r#"{"error":"invalid_grant","error_description":"Token has been expired or revoked."}"#
            ),
            ProviderError::Revoked(_)
        ));
        assert!(matches!(
            c(
                400,
                r#"{"error":{"message":"Error validating access token","type":"OAuthException","code":190,"error_subcode":460}}"#
            ),
            ProviderError::Revoked(_)
        ));
        assert!(
            c(
                400,
                r#"{"error":{"message":"limit","type":"OAuthException","code":4}}"#
            )
            .is_transient()
        );
        assert!(matches!(
            c(
                400,
                r#"{"error":{"message":"deprecated","type":"OAuthException","code":12}}"#
            ),
            ProviderError::Deprecated(_)
        ));
        assert!(matches!(
            c(
                403,
                r#"{"error":{"message":"perm","type":"OAuthException","code":200}}"#
            ),
            ProviderError::Forbidden(_)
        ));
        assert!(
            c(
                429,
                r#"{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}"#
            )
            .is_transient()
        );
        assert!(c(503, "<html>").is_transient());
        assert!(matches!(c(401, "{}"), ProviderError::Unauthorized(_)));
        assert!(matches!(c(404, "{}"), ProviderError::NotFound(_)));
    }

    #[test]
    fn both_timestamp_shapes_parse() {
        for s in [
            "2026-01-03T09:00:00Z",
            "2026-01-03T09:00:00.123Z",
            "2026-01-03T09:00:00.123456Z",
            "2026-01-03T09:00:00.123456789Z",
            "2026-01-03T10:00:00+01:00",
            "2026-01-03T09:00:00+0000",
        ] {
            assert_eq!(parse_time(s).unwrap().date().day(), 3, "{s}");
        }
        assert!(parse_time("yesterday").is_none());
    }
}
