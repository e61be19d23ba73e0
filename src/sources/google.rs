//! Google Business Profile: token exchange, refresh and revoke; accounts, locations, reviews
//! and replies (wire format: shared/design/PROVIDERS.md).

use super::wire::{ProviderError, Wire, parse_time};
use super::{RemoteLocation, TokenGrant};
use crate::config::GoogleConfig;
use crate::domain::{Author, Fetched, FetchedReply, Kind, Rating};
use serde::Deserialize;
use time::OffsetDateTime;

pub struct Google<'a> {
    pub wire: &'a Wire,
    pub config: &'a GoogleConfig,
    pub client_id: &'a str,
    pub client_secret: &'a str,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<i64>,
    #[serde(default)]
    refresh_token: Option<String>,
}

#[derive(Deserialize)]
struct UserInfo {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccountsPage {
    #[serde(default)]
    accounts: Vec<Account>,
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Account {
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LocationsPage {
    #[serde(default)]
    locations: Vec<GLocation>,
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GLocation {
    name: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    metadata: Option<GMetadata>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GMetadata {
    new_review_uri: Option<String>,
    maps_uri: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReviewsPage {
    #[serde(default)]
    reviews: Vec<Review>,
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Review {
    review_id: String,
    #[serde(default)]
    reviewer: Option<Reviewer>,
    #[serde(default)]
    star_rating: Option<String>,
    #[serde(default)]
    comment: Option<String>,
    create_time: String,
    update_time: Option<String>,
    #[serde(default)]
    review_reply: Option<GReply>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Reviewer {
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    profile_photo_url: Option<String>,
    #[serde(default)]
    is_anonymous: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GReply {
    #[serde(default)]
    comment: String,
    update_time: Option<String>,
}

/// One page of reviews, newest update first.
pub struct ReviewsBatch {
    pub items: Vec<Fetched>,
    pub next_page_token: Option<String>,
}

/// Path pieces we put into URLs come from the provider or the user: only safe characters.
fn safe_segment(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 200
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.~".contains(c))
        && s != "."
        && s != ".."
}

/// `accounts/{a}/locations/{l}`, the shape of a Google feed id.
pub fn valid_feed(feed: &str) -> bool {
    let parts: Vec<&str> = feed.split('/').collect();
    parts.len() == 4
        && parts[0] == "accounts"
        && parts[2] == "locations"
        && safe_segment(parts[1])
        && safe_segment(parts[3])
}

fn join(base: &url::Url, path: &str) -> String {
    format!("{}/{}", base.as_str().trim_end_matches('/'), path)
}

fn stars(s: Option<&str>) -> Option<Rating> {
    let n = match s? {
        "ONE" => 1,
        "TWO" => 2,
        "THREE" => 3,
        "FOUR" => 4,
        "FIVE" => 5,
        _ => return None,
    };
    Some(Rating::Stars(n))
}

fn time_of(s: &str, what: &str) -> Result<OffsetDateTime, ProviderError> {
    parse_time(s).ok_or_else(|| ProviderError::Malformed(format!("{what} `{s}` is not a time")))
}

fn review(feed: &str, r: Review) -> Result<Fetched, ProviderError> {
    if !safe_segment(&r.review_id) {
        return Err(ProviderError::Malformed(
            "a review id has unsafe characters".into(),
        ));
    }
    let created = time_of(&r.create_time, "createTime")?;
    let updated = match &r.update_time {
        Some(u) => time_of(u, "updateTime")?,
        None => created,
    };
    let reply = match r.review_reply {
        Some(rr) => Some(FetchedReply {
            text: rr.comment,
            at: match rr.update_time.as_deref() {
                Some(t) => time_of(t, "reviewReply.updateTime")?,
                None => updated,
            },
            external_id: None,
        }),
        None => None,
    };
    let reviewer = r.reviewer.unwrap_or(Reviewer {
        display_name: None,
        profile_photo_url: None,
        is_anonymous: true,
    });
    Ok(Fetched {
        kind: Kind::Review,
        link: None,
        parent_external_id: None,
        author: Author {
            name: reviewer
                .display_name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| "A Google user".into()),
            photo_url: reviewer.profile_photo_url,
            anonymous: reviewer.is_anonymous,
            external_id: None,
        },
        rating: stars(r.star_rating.as_deref()),
        text: r.comment.unwrap_or_default(),
        created_at: created,
        updated_at: updated,
        reply,
        reply_authoritative: true,
        external_id: format!("{feed}/reviews/{}", r.review_id),
    })
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
                                &format!("accounts/{account_id}/locations"),
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
                    .get(join(&self.config.reviews_api, &format!("{feed}/reviews")))
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

/// `accounts/a/locations/l/reviews/r` → `.../reviews/r/reply`, refusing anything else.
fn reply_path(review: &str) -> Result<String, ProviderError> {
    let (feed, id) = review
        .rsplit_once("/reviews/")
        .filter(|(f, id)| valid_feed(f) && safe_segment(id))
        .ok_or_else(|| ProviderError::Refused(format!("`{review}` is not a Google review")))?;
    Ok(format!("{feed}/reviews/{id}/reply"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_and_review_ids_are_checked_before_they_reach_a_url() {
        assert!(valid_feed("accounts/123/locations/456"));
        for bad in [
            "accounts/1/locations/../x",
            "accounts/1/locations/2/reviews",
            "accounts/1/locations/2?x=1",
            "locations/2",
            "accounts//locations/2",
        ] {
            assert!(!valid_feed(bad), "{bad}");
        }
        assert_eq!(
            reply_path("accounts/1/locations/2/reviews/AbC").unwrap(),
            "accounts/1/locations/2/reviews/AbC/reply"
        );
        assert!(reply_path("accounts/1/locations/2/reviews/a/b").is_err());
    }

    #[test]
    fn a_review_maps_to_an_item() {
        let raw = r#"{"name":"accounts/1/locations/2/reviews/AbC","reviewId":"AbC",
            "reviewer":{"displayName":"Ana","profilePhotoUrl":"https://x/p.png","isAnonymous":false},
            "starRating":"FOUR","comment":"Great coffee","createTime":"2026-01-02T10:00:00Z",
            "updateTime":"2026-01-03T09:00:00.123Z","reviewReply":{"comment":"Thanks!","updateTime":"2026-01-04T00:00:00Z"}}"#;
        let r: Review = serde_json::from_str(raw).unwrap();
        let f = review("accounts/1/locations/2", r).unwrap();
        assert_eq!(f.external_id, "accounts/1/locations/2/reviews/AbC");
        assert_eq!(f.rating, Some(Rating::Stars(4)));
        assert_eq!(f.reply.unwrap().text, "Thanks!");
        let bare: Review = serde_json::from_str(
            r#"{"reviewId":"x","starRating":"STAR_RATING_UNSPECIFIED","createTime":"2026-01-02T10:00:00Z"}"#,
        )
        .unwrap();
        let f = review("accounts/1/locations/2", bare).unwrap();
        assert_eq!((f.rating, f.text.as_str(), f.reply), (None, "", None));
    }
}
