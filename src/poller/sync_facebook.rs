//! One pass over a Facebook page: ratings (off for good after error 12), the feed (visitor
//! posts are items; every recent post's comments are read, the page's own replies folded into
//! the comments they answer), and posts that tag the page.

use super::Poller;
use super::sync::{FeedOutcome, MAX_PAGES};
use crate::domain::{Connection, Feed, Fetched, FetchedReply, Kind, Origin};
use crate::gateway::keyring::{Keyring, facebook};
use crate::sources::ProviderError;
use std::collections::{HashMap, HashSet};
use time::OffsetDateTime;

/// Recent posts whose comments an incremental sync reads again.
const RECENT_POSTS: usize = 25;
const RECENT_DAYS: i64 = 14;

impl Poller {
    pub(super) async fn sync_facebook_page(
        &self,
        keys: &mut Keyring<'_>,
        feed: &Feed,
        full: bool,
    ) -> Result<FeedOutcome, ProviderError> {
        let f = self.gateway.clients.facebook()?;
        let api = f.api();
        let conn = keys.conn.clone();
        let page = feed.external_id.as_str();
        let now = self.gateway.ctx.clock.now();
        let mut out = FeedOutcome::default();
        let mut complete = full;

        // Ratings and recommendations (turned off for good by error 12).
        if !feed.ratings_off {
            let hw = feed.high_water.get("ratings").copied();
            let mut newest = hw;
            let mut seen = HashSet::new();
            let mut next: Option<String> = None;
            let mut finished = false;
            for _ in 0..MAX_PAGES {
                let b = match facebook!(keys, Some(page), t => api.ratings(page, &t, next.as_deref()).await)
                {
                    Ok(b) => b,
                    Err(ProviderError::Deprecated(m)) => {
                        out.ratings_off = true;
                        out.notice = Some(format!(
                            "Facebook no longer gives ratings for this page ({m}); comments and mentions still arrive"
                        ));
                        break;
                    }
                    Err(e) => return Err(e),
                };
                let reached = !full && hw.is_some_and(|h| b.items.iter().any(|i| i.created_at < h));
                let fresh: Vec<Fetched> = b
                    .items
                    .into_iter()
                    .inspect(|i| {
                        seen.insert(i.external_id.clone());
                        newest = newest.max(Some(i.created_at));
                    })
                    .filter(|i| full || hw.is_none_or(|h| i.created_at >= h))
                    .collect();
                out.fetched += self.write(&conn, feed, Origin::Facebook, fresh).await?;
                next = b.next;
                if next.is_none() {
                    finished = true;
                }
                if reached || next.is_none() {
                    break;
                }
            }
            if full && finished {
                self.mark_removed(&conn, feed, Origin::Facebook, &[Kind::Review], seen)
                    .await?;
            } else if full && !out.ratings_off {
                complete = false;
            }
            if let Some(n) = newest {
                out.high_water.insert("ratings".into(), n);
            }
        }

        // The feed: visitor posts are items; every post's comments are read.
        let hw_feed = feed.high_water.get("feed").copied();
        let hw_comments = feed.high_water.get("comments").copied();
        let mut newest_feed = hw_feed;
        let mut newest_comment = hw_comments;
        let mut posts: Vec<(String, OffsetDateTime)> = Vec::new();
        let mut seen_posts = HashSet::new();
        let mut next: Option<String> = None;
        let recent = now - time::Duration::days(RECENT_DAYS);
        let mut feed_finished = false;
        for _ in 0..MAX_PAGES {
            let b = facebook!(keys, Some(page), t => api.posts(page, "feed", &t, next.as_deref()).await)?;
            let mut reached = false;
            let mut visitor = Vec::new();
            for (post, from) in b.items {
                newest_feed = newest_feed.max(Some(post.created_at));
                let old = hw_feed.is_some_and(|h| post.created_at < h);
                reached |= !full && old && post.created_at < recent;
                if full || posts.len() < RECENT_POSTS || !old {
                    posts.push((post.external_id.clone(), post.created_at));
                }
                seen_posts.insert(post.external_id.clone());
                if from.as_deref() != Some(page) && (full || !old) {
                    visitor.push(post);
                }
            }
            out.fetched += self.write(&conn, feed, Origin::Facebook, visitor).await?;
            next = b.next;
            feed_finished = next.is_none();
            if reached || next.is_none() {
                break;
            }
        }
        complete &= feed_finished;

        let mut seen_comments = HashSet::new();
        for (post, posted_at) in &posts {
            let mut next: Option<String> = None;
            let mut comments = Vec::new();
            let mut replies: HashMap<String, FetchedReply> = HashMap::new();
            for _ in 0..MAX_PAGES {
                let b = match facebook!(keys, Some(page), t => api.comments(post, &t, next.as_deref()).await)
                {
                    Ok(b) => b,
                    // A post deleted since the feed was read: nothing to read under it.
                    Err(ProviderError::NotFound(_)) => break,
                    Err(e) => return Err(e),
                };
                let mut reached = false;
                for c in b.items {
                    newest_comment = newest_comment.max(Some(c.fetched.created_at));
                    reached |= !full && hw_comments.is_some_and(|h| c.fetched.created_at < h);
                    seen_comments.insert(c.fetched.external_id.clone());
                    if c.from_id.as_deref() == Some(page) {
                        // The page's own comment under a comment is its reply to it.
                        if let Some(parent) = c.parent {
                            replies.entry(parent).or_insert(FetchedReply {
                                text: c.fetched.text,
                                at: c.fetched.created_at,
                                external_id: Some(c.fetched.external_id),
                            });
                        }
                    } else {
                        comments.push(c.fetched);
                    }
                }
                next = b.next;
                if reached || next.is_none() {
                    break;
                }
            }
            for c in &mut comments {
                if let Some(r) = replies.remove(&c.external_id) {
                    c.reply = Some(r);
                }
            }
            let fresh: Vec<Fetched> = comments
                .into_iter()
                .filter(|c| {
                    full || c.reply.is_some() || hw_comments.is_none_or(|h| c.created_at >= h)
                })
                .collect();
            out.fetched += self.write(&conn, feed, Origin::Facebook, fresh).await?;
            // Replies to comments stored earlier than this read.
            for (parent, reply) in replies {
                // The comment was written after its post and before this reply to it.
                let created = (
                    posted_at.saturating_sub(time::Duration::DAY),
                    reply.at.saturating_add(time::Duration::DAY),
                );
                self.settle_seen_reply(&conn, &feed.external_id, parent, created, reply)
                    .await?;
            }
        }
        if let Some(n) = newest_comment {
            out.high_water.insert("comments".into(), n);
        }
        if let Some(n) = newest_feed {
            out.high_water.insert("feed".into(), n);
        }

        // Posts elsewhere that tag the page.
        let hw = feed.high_water.get("tagged").copied();
        let mut newest = hw;
        let mut seen_tagged = HashSet::new();
        let mut next: Option<String> = None;
        let mut tagged_finished = false;
        for _ in 0..MAX_PAGES {
            let b = facebook!(keys, Some(page), t => api.posts(page, "tagged", &t, next.as_deref()).await)?;
            let reached =
                !full && hw.is_some_and(|h| b.items.iter().any(|(i, _)| i.created_at < h));
            let fresh: Vec<Fetched> = b
                .items
                .into_iter()
                .map(|(i, _)| i)
                .inspect(|i| {
                    seen_tagged.insert(i.external_id.clone());
                    newest = newest.max(Some(i.created_at));
                })
                .filter(|i| full || hw.is_none_or(|h| i.created_at >= h))
                .collect();
            out.fetched += self.write(&conn, feed, Origin::Facebook, fresh).await?;
            next = b.next;
            tagged_finished = next.is_none();
            if reached || next.is_none() {
                break;
            }
        }
        complete &= tagged_finished;
        if let Some(n) = newest {
            out.high_water.insert("tagged".into(), n);
        }

        if full && complete {
            seen_posts.extend(seen_comments);
            self.mark_removed(
                &conn,
                feed,
                Origin::Facebook,
                &[Kind::Post, Kind::Comment],
                seen_posts,
            )
            .await?;
            self.mark_removed(&conn, feed, Origin::Facebook, &[Kind::Mention], seen_tagged)
                .await?;
            out.full_done = true;
        }
        Ok(out)
    }

    /// A reply of the page seen at Facebook for a comment stored in an earlier sync.
    async fn settle_seen_reply(
        &self,
        conn: &Connection,
        feed: &str,
        parent: String,
        created: (OffsetDateTime, OffsetDateTime),
        reply: FetchedReply,
    ) -> Result<(), ProviderError> {
        let ws = conn.workspace;
        let feed = feed.to_string();
        self.gateway
            .store(move |s| {
                let found =
                    s.items()
                        .by_external(&ws, Origin::Facebook, &feed, &parent, created)?;
                let Some(mut item) = found else {
                    return Ok(());
                };
                let f = Fetched {
                    kind: item.kind,
                    external_id: item.external_id.clone(),
                    parent_external_id: item.parent_external_id.clone(),
                    author: item.author.clone(),
                    rating: item.rating,
                    text: item.text.clone(),
                    link: item.link.clone(),
                    created_at: item.created_at,
                    updated_at: item.updated_at,
                    reply: Some(reply.clone()),
                    reply_authoritative: false,
                };
                if item.merge(&f) {
                    s.items().replace(&item)?;
                }
                Ok(())
            })
            .await
            .map_err(|e| ProviderError::Refused(format!("{e:#}")))
    }
}
