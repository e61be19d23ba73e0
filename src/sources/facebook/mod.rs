//! Facebook Pages over the Graph API: login exchange, pages and their tokens, ratings, feed,
//! tagged posts, comments, replies (wire format: shared/design/PROVIDERS.md).

mod model;

use crate::config::FacebookConfig;
use crate::domain::{Fetched, FetchedReply, Kind, Rating};
use crate::sources::wire::{ProviderError, Wire};
use crate::sources::{RemoteLocation, TokenGrant};
use model::*;
pub use model::{Batch, Comment};
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

pub struct Facebook<'a> {
    pub wire: &'a Wire,
    pub config: &'a FacebookConfig,
    pub client_id: &'a str,
    pub client_secret: &'a str,
}

impl Facebook<'_> {
    fn url(&self, path: &str) -> url::Url {
        let mut u = self.config.graph_url.clone();
        u.set_path(&format!("/{}/{}", self.config.graph_version, path));
        u
    }

    /// `next` links must stay on the Graph host: a forged one would receive the token.
    fn follow(&self, next: &str) -> Result<url::Url, ProviderError> {
        let u = url::Url::parse(next)
            .map_err(|_| ProviderError::Malformed("paging.next is not a URL".into()))?;
        let base = &self.config.graph_url;
        if u.scheme() != base.scheme()
            || u.host_str() != base.host_str()
            || u.port_or_known_default() != base.port_or_known_default()
        {
            return Err(ProviderError::Malformed(
                "paging.next points away from the Graph API".into(),
            ));
        }
        Ok(u)
    }

    async fn get<T: DeserializeOwned>(
        &self,
        mut url: url::Url,
        token: &str,
    ) -> Result<T, ProviderError> {
        if !url.query_pairs().any(|(k, _)| k == "access_token") {
            url.query_pairs_mut().append_pair("access_token", token);
        }
        self.wire
            .json(self.wire.client.get(url).bearer_auth(token))
            .await
    }

    async fn list<T: DeserializeOwned>(
        &self,
        first: url::Url,
        next: Option<&str>,
        token: &str,
    ) -> Result<Batch<T>, ProviderError> {
        let url = match next {
            Some(n) => self.follow(n)?,
            None => first,
        };
        let l: List<T> = self.get(url, token).await?;
        Ok(Batch {
            items: l.data,
            next: l.paging.and_then(|p| p.next).filter(|n| !n.is_empty()),
        })
    }

    pub async fn exchange(
        &self,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
        now: OffsetDateTime,
    ) -> Result<TokenGrant, ProviderError> {
        let short: TokenAnswer = self
            .wire
            .json(
                self.wire
                    .client
                    .get(self.url("oauth/access_token"))
                    .query(&[
                        ("client_id", self.client_id),
                        ("redirect_uri", redirect_uri),
                        ("client_secret", self.client_secret),
                        ("code", code),
                        ("code_verifier", verifier),
                    ]),
            )
            .await?;
        // The long-lived user token (~60 days); page tokens obtained with it do not expire.
        // Should the exchange fail, the short-lived token still works for now: the user
        // reconnects when Facebook refuses it (190), which says so.
        let long: TokenAnswer = match self
            .wire
            .json(
                self.wire
                    .client
                    .get(self.url("oauth/access_token"))
                    .query(&[
                        ("grant_type", "fb_exchange_token"),
                        ("client_id", self.client_id),
                        ("client_secret", self.client_secret),
                        ("fb_exchange_token", short.access_token.as_str()),
                    ]),
            )
            .await
        {
            Ok(long) => long,
            Err(e) => {
                tracing::warn!(error = %e, "Facebook refused the long-lived token exchange; keeping the short-lived token");
                short
            }
        };
        Ok(TokenGrant {
            access_token: long.access_token,
            expires_at: long
                .expires_in
                .map(|s| now + time::Duration::seconds(s.max(0))),
            refresh_token: None,
        })
    }

    pub async fn account_label(&self, token: &str) -> Result<Option<String>, ProviderError> {
        let mut u = self.url("me");
        u.query_pairs_mut().append_pair("fields", "id,name");
        let me: Me = self.get(u, token).await?;
        Ok(me.name)
    }

    /// The pages the user manages, each with its page token.
    pub async fn pages(
        &self,
        token: &str,
    ) -> Result<Vec<(RemoteLocation, Option<String>)>, ProviderError> {
        let mut out = Vec::new();
        let mut first = self.url("me/accounts");
        first
            .query_pairs_mut()
            .append_pair("fields", "id,name,access_token,tasks");
        let mut next: Option<String> = None;
        loop {
            let b: Batch<PageEntry> = self.list(first.clone(), next.as_deref(), token).await?;
            for p in b.items.into_iter().filter(|p| safe_id(&p.id)) {
                out.push((
                    RemoteLocation {
                        name: p.name.unwrap_or_else(|| p.id.clone()),
                        link: Some(format!("https://www.facebook.com/{}", p.id)),
                        review_url: Some(format!("https://www.facebook.com/{}/reviews", p.id)),
                        external_id: p.id,
                    },
                    p.access_token,
                ));
            }
            next = b.next;
            if next.is_none() || out.len() > 10_000 {
                return Ok(out);
            }
        }
    }

    pub async fn revoke(&self, token: &str) -> Result<(), ProviderError> {
        let mut u = self.url("me/permissions");
        u.query_pairs_mut().append_pair("access_token", token);
        self.wire
            .bytes(self.wire.client.delete(u).bearer_auth(token))
            .await
            .map(|_| ())
    }

    pub async fn ratings(
        &self,
        page: &str,
        token: &str,
        next: Option<&str>,
    ) -> Result<Batch<Fetched>, ProviderError> {
        let mut first = self.url(&format!("{page}/ratings"));
        first.query_pairs_mut().append_pair(
            "fields",
            "created_time,has_rating,has_review,rating,recommendation_type,review_text,reviewer,open_graph_story",
        );
        let b: Batch<RatingEntry> = self.list(first, next, token).await?;
        let mut items = Vec::with_capacity(b.items.len());
        for r in b.items {
            let created = time_of(&r.created_time)?;
            let rating = match (r.recommendation_type.as_deref(), r.rating) {
                (Some("positive"), _) => Some(Rating::Recommends(true)),
                (Some("negative"), _) => Some(Rating::Recommends(false)),
                (_, Some(n)) if (1..=5).contains(&n) => Some(Rating::Stars(n)),
                _ => None,
            };
            let reviewer_id = r.reviewer.as_ref().and_then(|f| f.id.clone());
            // The story id is what replies go to; without one, reviewer and time name it.
            let external_id = match (&r.open_graph_story, &reviewer_id) {
                (Some(s), _) if safe_id(&s.id) => s.id.clone(),
                (_, Some(rid)) => format!("rating:{rid}:{}", created.unix_timestamp()),
                _ => format!("rating:anon:{}", created.unix_timestamp()),
            };
            items.push(Fetched {
                kind: Kind::Review,
                link: r
                    .open_graph_story
                    .as_ref()
                    .map(|s| format!("https://www.facebook.com/{}", s.id)),
                external_id,
                parent_external_id: None,
                author: author(r.reviewer),
                rating,
                text: r.review_text.unwrap_or_default(),
                created_at: created,
                updated_at: created,
                reply: None,
                reply_authoritative: false,
            });
        }
        Ok(Batch {
            items,
            next: b.next,
        })
    }

    /// The page's feed (`feed`) or posts tagging it (`tagged`): (post, author id) pairs.
    pub async fn posts(
        &self,
        page: &str,
        edge: &str,
        token: &str,
        next: Option<&str>,
    ) -> Result<Batch<(Fetched, Option<String>)>, ProviderError> {
        let mut first = self.url(&format!("{page}/{edge}"));
        first
            .query_pairs_mut()
            .append_pair("fields", "id,message,created_time,from,permalink_url");
        let b: Batch<Post> = self.list(first, next, token).await?;
        let kind = if edge == "tagged" {
            Kind::Mention
        } else {
            Kind::Post
        };
        let mut items = Vec::with_capacity(b.items.len());
        for p in b.items {
            if !safe_id(&p.id) {
                return Err(ProviderError::Malformed(
                    "a post id has unsafe characters".into(),
                ));
            }
            let created = time_of(&p.created_time)?;
            let from_id = p.from.as_ref().and_then(|f| f.id.clone());
            items.push((
                Fetched {
                    kind,
                    external_id: p.id,
                    parent_external_id: None,
                    author: author(p.from),
                    rating: None,
                    text: p.message.unwrap_or_default(),
                    link: p.permalink_url,
                    created_at: created,
                    updated_at: created,
                    reply: None,
                    reply_authoritative: false,
                },
                from_id,
            ));
        }
        Ok(Batch {
            items,
            next: b.next,
        })
    }

    /// Comments under `object` (a post, or a comment), newest first.
    pub async fn comments(
        &self,
        object: &str,
        token: &str,
        next: Option<&str>,
    ) -> Result<Batch<Comment>, ProviderError> {
        if !safe_id(object) {
            return Err(ProviderError::NotFound(format!(
                "`{object}` is not a Facebook id"
            )));
        }
        let mut first = self.url(&format!("{object}/comments"));
        first
            .query_pairs_mut()
            .append_pair(
                "fields",
                "id,from,message,created_time,parent,permalink_url",
            )
            .append_pair("filter", "stream")
            .append_pair("order", "reverse_chronological");
        let b: Batch<CommentEntry> = self.list(first, next, token).await?;
        let mut items = Vec::with_capacity(b.items.len());
        for c in b.items {
            if !safe_id(&c.id) {
                return Err(ProviderError::Malformed(
                    "a comment id has unsafe characters".into(),
                ));
            }
            let created = time_of(&c.created_time)?;
            let from_id = c.from.as_ref().and_then(|f| f.id.clone());
            let parent = c.parent.map(|p| p.id);
            items.push(Comment {
                fetched: Fetched {
                    kind: Kind::Comment,
                    external_id: c.id,
                    parent_external_id: Some(object.to_string()),
                    author: author(c.from),
                    rating: None,
                    text: c.message.unwrap_or_default(),
                    link: c.permalink_url,
                    created_at: created,
                    updated_at: created,
                    reply: None,
                    reply_authoritative: false,
                },
                from_id,
                parent,
            });
        }
        Ok(Batch {
            items,
            next: b.next,
        })
    }

    /// Posts a reply under `object`; returns the new comment's id.
    /// Deletes one of the page's comments (a reply posted earlier): `DELETE /{comment-id}` →
    /// `{"success":true}`. A comment already gone counts as deleted (Graph answers code 100,
    /// "does not exist").
    pub async fn delete_comment(&self, comment: &str, token: &str) -> Result<(), ProviderError> {
        if !safe_id(comment) {
            return Err(ProviderError::Refused(format!(
                "`{comment}` cannot be deleted"
            )));
        }
        let mut u = self.url(comment);
        u.query_pairs_mut().append_pair("access_token", token);
        match self
            .wire
            .bytes(self.wire.client.delete(u).bearer_auth(token))
            .await
        {
            Ok(_) | Err(ProviderError::NotFound(_)) => Ok(()),
            Err(ProviderError::Refused(why)) if why.contains("does not exist") => Ok(()),
            Err(e) => Err(e),
        }
    }

    pub async fn reply(
        &self,
        object: &str,
        token: &str,
        message: &str,
    ) -> Result<String, ProviderError> {
        if !safe_id(object) {
            return Err(ProviderError::Refused(format!(
                "`{object}` cannot be replied to"
            )));
        }
        let mut u = self.url(&format!("{object}/comments"));
        u.query_pairs_mut().append_pair("access_token", token);
        let c: Created = self
            .wire
            .json(
                self.wire
                    .client
                    .post(u)
                    .bearer_auth(token)
                    .form(&[("message", message)]),
            )
            .await?;
        Ok(c.id)
    }

    /// The page's own comment under `object` with exactly `message`, if one exists: how a
    /// reply whose outcome a crash hid is found before posting it again.
    pub async fn find_reply(
        &self,
        object: &str,
        page: &str,
        token: &str,
        message: &str,
    ) -> Result<Option<FetchedReply>, ProviderError> {
        let mut next: Option<String> = None;
        for _ in 0..20 {
            let b = self.comments(object, token, next.as_deref()).await?;
            for c in b.items {
                if c.from_id.as_deref() == Some(page) && c.fetched.text == message {
                    return Ok(Some(FetchedReply {
                        text: c.fetched.text,
                        at: c.fetched.created_at,
                        external_id: Some(c.fetched.external_id),
                    }));
                }
            }
            next = b.next;
            if next.is_none() {
                break;
            }
        }
        Ok(None)
    }
}
