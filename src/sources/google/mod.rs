//! Google Business Profile: token exchange, refresh and revoke; accounts, locations, reviews
//! and replies (wire format: shared/design/PROVIDERS.md).

mod model;

use crate::config::GoogleConfig;
use crate::sources::wire::{ProviderError, Wire, parse_time};
use crate::sources::{RemoteLocation, TokenGrant};
use model::*;
pub use model::{ReviewsBatch, valid_feed};
use time::OffsetDateTime;

pub struct Google<'a> {
    pub wire: &'a Wire,
    pub config: &'a GoogleConfig,
    pub client_id: &'a str,
    pub client_secret: &'a str,
}

impl Google<'_> {
    fn grant(answer: TokenAnswer, now: OffsetDateTime) -> TokenGrant {
        TokenGrant {
            access_token: answer.access_token,
            expires_at: answer
                .expires_in
                .map(|s| now + time::Duration::seconds(s.clamp(0, 86_400))),
            refresh_token: answer.refresh_token,
        }
    }

    pub async fn exchange(
        &self,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
        now: OffsetDateTime,
    ) -> Result<TokenGrant, ProviderError> {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", self.client_id),
            ("client_secret", self.client_secret),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier),
        ];
        let a: TokenAnswer = self
            .wire
            .json(
                self.wire
                    .client
                    .post(self.config.token_url.clone())
                    .form(&form),
            )
            .await?;
        Ok(Self::grant(a, now))
    }

    pub async fn refresh(
        &self,
        refresh_token: &str,
        now: OffsetDateTime,
    ) -> Result<TokenGrant, ProviderError> {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", self.client_id),
            ("client_secret", self.client_secret),
        ];
        let a: TokenAnswer = self
            .wire
            .json(
                self.wire
                    .client
                    .post(self.config.token_url.clone())
                    .form(&form),
            )
            .await?;
        Ok(Self::grant(a, now))
    }

    pub async fn revoke(&self, token: &str) -> Result<(), ProviderError> {
        self.wire
            .bytes(
                self.wire
                    .client
                    .post(self.config.revoke_url.clone())
                    .query(&[("token", token)])
                    .header("content-type", "application/x-www-form-urlencoded"),
            )
            .await
            .map(|_| ())
    }

    /// The Google account's email (or name), to tell connections apart.
    pub async fn account_label(&self, access: &str) -> Result<Option<String>, ProviderError> {
        let u: UserInfo = self
            .wire
            .json(
                self.wire
                    .client
                    .get(self.config.userinfo_url.clone())
                    .bearer_auth(access),
            )
            .await?;
        Ok(u.email.or(u.name))
    }

    /// Every location of every account the user manages.
    pub async fn locations(&self, access: &str) -> Result<Vec<RemoteLocation>, ProviderError> {
        let mut accounts = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut q = vec![("pageSize", "20".to_string())];
            if let Some(t) = &token {
                q.push(("pageToken", t.clone()));
            }
            let page: AccountsPage = self
                .wire
                .json(
                    self.wire
                        .client
                        .get(join(&self.config.accounts_api, "accounts"))
                        .query(&q)
                        .bearer_auth(access),
                )
                .await?;
            accounts.extend(page.accounts);
            token = page.next_page_token.filter(|t| !t.is_empty());
            if token.is_none() || accounts.len() > 10_000 {
                break;
            }
        }
        let mut out = Vec::new();
        for account in accounts {
            let Some(account_id) = account.name.strip_prefix("accounts/") else {
                continue;
            };
            if !safe_segment(account_id) {
                continue;
            }
            let mut token: Option<String> = None;
            loop {
                let mut q = vec![
                    (
                        "readMask",
                        "name,title,storefrontAddress,metadata".to_string(),
                    ),
                    ("pageSize", "100".to_string()),
                ];
                if let Some(t) = &token {
                    q.push(("pageToken", t.clone()));
                }
                let page: LocationsPage = self
                    .wire
                    .json(
                        self.wire
                            .client
                            .get(join(
                                &self.config.locations_api,
                                &encoded(&format!("accounts/{account_id}/locations")),
                            ))
                            .query(&q)
                            .bearer_auth(access),
                    )
                    .await?;
                for l in page.locations {
                    let Some(loc_id) = l.name.strip_prefix("locations/") else {
                        continue;
                    };
                    let feed = format!("accounts/{account_id}/locations/{loc_id}");
                    if !valid_feed(&feed) {
                        continue;
                    }
                    let meta = l.metadata;
                    out.push(RemoteLocation {
                        name: l.title.unwrap_or_else(|| feed.clone()),
                        external_id: feed,
                        review_url: meta.as_ref().and_then(|m| m.new_review_uri.clone()),
                        link: meta.and_then(|m| m.maps_uri),
                    });
                }
                token = page.next_page_token.filter(|t| !t.is_empty());
                if token.is_none() || out.len() > 10_000 {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// One page of reviews of `feed`, newest update first.
    pub async fn reviews(
        &self,
        access: &str,
        feed: &str,
        page_token: Option<&str>,
    ) -> Result<ReviewsBatch, ProviderError> {
        if !valid_feed(feed) {
            return Err(ProviderError::NotFound(format!(
                "`{feed}` is not a Google location"
            )));
        }
        let mut q = vec![("pageSize", "50"), ("orderBy", "updateTime desc")];
        if let Some(t) = page_token {
            q.push(("pageToken", t));
        }
        let page: ReviewsPage = self
            .wire
            .json(
                self.wire
                    .client
                    .get(join(
                        &self.config.reviews_api,
                        &encoded(&format!("{feed}/reviews")),
                    ))
                    .query(&q)
                    .bearer_auth(access),
            )
            .await?;
        let items = page
            .reviews
            .into_iter()
            .map(|r| review(feed, r))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ReviewsBatch {
            items,
            next_page_token: page.next_page_token.filter(|t| !t.is_empty()),
        })
    }

    /// Creates or replaces the reply (PUT is idempotent: retrying is safe).
    pub async fn put_reply(
        &self,
        access: &str,
        review: &str,
        text: &str,
        now: OffsetDateTime,
    ) -> Result<OffsetDateTime, ProviderError> {
        let path = reply_path(review)?;
        let answer: GReply = self
            .wire
            .json(
                self.wire
                    .client
                    .put(join(&self.config.reviews_api, &path))
                    .bearer_auth(access)
                    .json(&serde_json::json!({ "comment": text })),
            )
            .await?;
        Ok(answer
            .update_time
            .as_deref()
            .and_then(parse_time)
            .unwrap_or(now))
    }

    pub async fn delete_reply(&self, access: &str, review: &str) -> Result<(), ProviderError> {
        let path = reply_path(review)?;
        self.wire
            .bytes(
                self.wire
                    .client
                    .delete(join(&self.config.reviews_api, &path))
                    .bearer_auth(access),
            )
            .await
            .map(|_| ())
    }
}
