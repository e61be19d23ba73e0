//! Fake Facebook Graph API: pages with their tokens, ratings (error 12 when deprecated),
//! feed, tagged posts, comments (stream, newest first), replies, permission revoke. Lists
//! page with `paging.next` as Graph does.

use super::google::fault_answer;
use super::world::{FbComment, World};
use super::{Fake, random};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use std::collections::HashMap;
use time::OffsetDateTime;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/{v}/me/accounts", web::get().to(accounts))
        .route("/{v}/me/permissions", web::delete().to(revoke))
        .route("/{v}/{object}/comments", web::post().to(post_comment))
        .route("/{v}/{object}", web::delete().to(delete_comment))
        .route("/{v}/{object}/{edge}", web::get().to(edge));
}

fn fb_time(t: OffsetDateTime) -> String {
    let fmt =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]+0000");
    t.to_offset(time::UtcOffset::UTC)
        .format(&fmt)
        .unwrap_or_default()
}

fn graph_error(status: u16, code: i64, message: &str) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap_or_default()).json(
        json!({"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": random()}}),
    )
}

fn token_of(req: &HttpRequest, q: &HashMap<String, String>) -> String {
    q.get("access_token").cloned().unwrap_or_else(|| {
        req.headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default()
            .to_string()
    })
}

fn world(fake: &Fake) -> std::sync::MutexGuard<'_, World> {
    fake.world.lock().unwrap_or_else(|p| p.into_inner())
}

/// The token is a live user token (`user`) or the page token of `page`; no fault is due.
fn guard(w: &mut World, token: &str, page: Option<&str>) -> Result<(), HttpResponse> {
    w.counts.requests += 1;
    let ok = w.facebook_user_tokens.contains(token)
        || w.facebook_pages
            .iter()
            .any(|p| p.token == token && page.is_none_or(|id| id == p.id));
    if !ok {
        return Err(graph_error(
            400,
            190,
            "Error validating access token: The session has been invalidated.",
        ));
    }
    if let Some((f, after)) = w.next_fault("facebook") {
        return Err(fault_answer(&f, after, true));
    }
    Ok(())
}

/// One page of `items` from `?after=` with `paging.next` when more is left.
fn paged(req: &HttpRequest, q: &HashMap<String, String>, items: Vec<Value>) -> HttpResponse {
    let limit: usize = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(25)
        .clamp(1, 100);
    let start: usize = q.get("after").and_then(|a| a.parse().ok()).unwrap_or(0);
    let page: Vec<Value> = items.iter().skip(start).take(limit).cloned().collect();
    let mut paging = json!({"cursors": {"before": start.to_string(), "after": (start + page.len()).to_string()}});
    if start + limit < items.len() {
        let info = req.connection_info();
        let mut next = url::Url::parse(&format!(
            "{}://{}{}",
            info.scheme(),
            info.host(),
            req.path()
        ))
        .unwrap_or_else(|_| unreachable!("a request path makes a URL"));
        {
            let mut nq = next.query_pairs_mut();
            for (k, v) in q.iter().filter(|(k, _)| *k != "after") {
                nq.append_pair(k, v);
            }
            nq.append_pair("after", &(start + limit).to_string());
        }
        paging["next"] = json!(next.to_string());
    }
    HttpResponse::Ok().json(json!({"data": page, "paging": paging}))
}

async fn accounts(
    fake: web::Data<Fake>,
    req: HttpRequest,
    q: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let mut w = world(&fake);
    if !w.facebook_user_tokens.contains(&token_of(&req, &q)) {
        return graph_error(
            400,
            190,
            "Error validating access token: The user has not authorized application.",
        );
    }
    let pages: Vec<Value> = w
        .facebook_pages
        .iter()
        .map(|p| {
            json!({"id": p.id, "name": p.name, "access_token": p.token, "category": "Cafe",
                        "tasks": ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"]})
        })
        .collect();
    w.counts.requests += 1;
    paged(&req, &q, pages)
}

async fn revoke(
    fake: web::Data<Fake>,
    req: HttpRequest,
    q: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let mut w = world(&fake);
    w.counts.revokes += 1;
    let t = token_of(&req, &q);
    if w.facebook_user_tokens.remove(&t) {
        HttpResponse::Ok().json(json!({"success": true}))
    } else {
        graph_error(400, 190, "Invalid OAuth access token.")
    }
}

fn from(f: &(String, String)) -> Value {
    json!({"id": f.0, "name": f.1})
}

fn comment_json(c: &FbComment, post: &str) -> Value {
    let mut v = json!({"id": c.id, "from": from(&c.from), "message": c.message,
        "created_time": fb_time(c.created), "permalink_url": format!("https://www.facebook.com/{post}?comment_id={}", c.id)});
    if let Some(p) = &c.parent {
        v["parent"] = json!({"id": p});
    }
    v
}

async fn edge(
    fake: web::Data<Fake>,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
    q: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let (_, object, edge) = path.into_inner();
    let token = token_of(&req, &q);
    let mut w = world(&fake);
    w.counts.facebook_pages_served += 1;
    let page_of = |w: &World, id: &str| {
        w.facebook_pages
            .iter()
            .find(|p| {
                id == p.id
                    || id.starts_with(&format!("{}_", p.id))
                    || p.tagged.iter().any(|t| t.id == id)
            })
            .map(|p| p.id.clone())
    };
    let Some(page_id) = page_of(&w, &object).or_else(|| {
        w.facebook_pages
            .iter()
            .find(|p| {
                p.posts
                    .iter()
                    .chain(p.tagged.iter())
                    .chain(p.threads.iter())
                    .any(|post| post.id == object || post.comments.iter().any(|c| c.id == object))
            })
            .map(|p| p.id.clone())
    }) else {
        return graph_error(
            404,
            803,
            "(#803) Some of the aliases you requested do not exist",
        );
    };
    if let Err(r) = guard(&mut w, &token, Some(&page_id)) {
        return r;
    }
    let Some(page) = w.facebook_page(&page_id).cloned() else {
        return graph_error(
            404,
            803,
            "(#803) Some of the aliases you requested do not exist",
        );
    };
    let post_json = |p: &super::world::FbPost| {
        json!({"id": p.id, "message": p.message, "created_time": fb_time(p.created), "from": from(&p.from),
               "permalink_url": format!("https://www.facebook.com/{}", p.id)})
    };
    match (object == page.id, edge.as_str()) {
        (true, "ratings") => {
            if page.ratings_deprecated {
                return graph_error(
                    400,
                    12,
                    "(#12) ratings field is deprecated for versions v22.0 and higher",
                );
            }
            let mut items: Vec<_> = page.ratings.clone();
            items.sort_by_key(|r| std::cmp::Reverse(r.created));
            let data = items
                .iter()
                .map(|r| {
                    let mut v = json!({"created_time": fb_time(r.created), "has_rating": r.stars.is_some(),
                        "has_review": !r.text.is_empty(), "review_text": r.text, "reviewer": from(&r.reviewer),
                        "open_graph_story": {"id": r.story}});
                    if let Some(rec) = r.recommends {
                        v["recommendation_type"] = json!(if rec { "positive" } else { "negative" });
                    }
                    if let Some(s) = r.stars {
                        v["rating"] = json!(s);
                    }
                    v
                })
                .collect();
            paged(&req, &q, data)
        }
        (true, "feed") | (true, "tagged") => {
            let mut posts = if edge == "feed" {
                page.posts.clone()
            } else {
                page.tagged.clone()
            };
            posts.sort_by_key(|p| std::cmp::Reverse(p.created));
            paged(&req, &q, posts.iter().map(post_json).collect())
        }
        (false, "comments") => {
            let all: Vec<(String, FbComment)> = page
                .posts
                .iter()
                .chain(page.tagged.iter())
                .chain(page.threads.iter())
                .flat_map(|p| p.comments.iter().map(move |c| (p.id.clone(), c.clone())))
                .collect();
            let is_post = page
                .posts
                .iter()
                .chain(page.tagged.iter())
                .chain(page.threads.iter())
                .any(|p| p.id == object)
                || page.ratings.iter().any(|r| r.story == object);
            let mut picked: Vec<(String, FbComment)> = if is_post {
                all.into_iter().filter(|(p, _)| *p == object).collect()
            } else {
                all.into_iter()
                    .filter(|(_, c)| c.parent.as_deref() == Some(object.as_str()))
                    .collect()
            };
            if q.get("order").map(String::as_str) == Some("reverse_chronological") {
                picked.sort_by(|a, b| b.1.created.cmp(&a.1.created).then(b.1.id.cmp(&a.1.id)));
            } else {
                picked.sort_by(|a, b| a.1.created.cmp(&b.1.created).then(a.1.id.cmp(&b.1.id)));
            }
            paged(
                &req,
                &q,
                picked.iter().map(|(p, c)| comment_json(c, p)).collect(),
            )
        }
        _ => graph_error(400, 100, "(#100) Tried accessing nonexisting field"),
    }
}

async fn post_comment(
    fake: web::Data<Fake>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    q: web::Query<HashMap<String, String>>,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    let object = path.1.clone();
    let token = token_of(&req, &q);
    let mut w = world(&fake);
    let Some(page_id) = w
        .facebook_pages
        .iter()
        .find(|p| {
            p.posts
                .iter()
                .chain(p.tagged.iter())
                .chain(p.threads.iter())
                .any(|post| post.id == object || post.comments.iter().any(|c| c.id == object))
                || p.ratings.iter().any(|r| r.story == object)
        })
        .map(|p| p.id.clone())
    else {
        return graph_error(404, 100, "(#100) Object does not exist or cannot be loaded");
    };
    if let Err(r) = guard(&mut w, &token, Some(&page_id)) {
        return r;
    }
    let Some(message) = form
        .get("message")
        .filter(|m| !m.trim().is_empty())
        .cloned()
    else {
        return graph_error(400, 100, "(#100) Missing message");
    };
    let now = w.now();
    let id_suffix = w.id("");
    *w.counts.facebook_replies.entry(object.clone()).or_default() += 1;
    let Some(page) = w.facebook_page(&page_id) else {
        return graph_error(404, 100, "(#100) Object does not exist");
    };
    let me = (page.id.clone(), page.name.clone());
    let story_post = page
        .ratings
        .iter()
        .find(|r| r.story == object)
        .map(|r| r.story.clone());
    if let Some(story) = story_post {
        // A reply to a rating is a comment on its story: keep it under a post of that id.
        if !page.threads.iter().any(|t| t.id == story) {
            page.threads.push(super::world::FbPost {
                id: story.clone(),
                from: me.clone(),
                message: String::new(),
                created: now,
                comments: Vec::new(),
            });
        }
    }
    let id = format!("{object}_{id_suffix}");
    for post in page
        .posts
        .iter_mut()
        .chain(page.tagged.iter_mut())
        .chain(page.threads.iter_mut())
    {
        let parent = if post.id == object {
            Some(None)
        } else if post.comments.iter().any(|c| c.id == object) {
            Some(Some(object.clone()))
        } else {
            None
        };
        if let Some(parent) = parent {
            post.comments.push(FbComment {
                id: id.clone(),
                from: me.clone(),
                message: message.clone(),
                created: now,
                parent,
            });
            break;
        }
    }
    HttpResponse::Ok().json(json!({ "id": id }))
}

/// `DELETE /{comment-id}`: the page removes one of its own comments → `{"success":true}`; an
/// unknown id is Graph's code 100; someone else's comment is a permission error (code 200).
async fn delete_comment(
    fake: web::Data<Fake>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    q: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let object = path.1.clone();
    let token = token_of(&req, &q);
    let mut w = world(&fake);
    let found = w.facebook_pages.iter().find_map(|p| {
        p.posts
            .iter()
            .chain(p.tagged.iter())
            .chain(p.threads.iter())
            .flat_map(|post| post.comments.iter())
            .find(|c| c.id == object)
            .map(|c| (p.id.clone(), c.from.0 == p.id))
    });
    let Some((page_id, own)) = found else {
        return graph_error(
            400,
            100,
            "(#100) Object with ID does not exist, cannot be loaded due to missing permissions, or does not support this operation",
        );
    };
    if let Err(r) = guard(&mut w, &token, Some(&page_id)) {
        return r;
    }
    if !own {
        return graph_error(403, 200, "(#200) Permissions error");
    }
    if let Some(page) = w.facebook_page(&page_id) {
        for post in page
            .posts
            .iter_mut()
            .chain(page.tagged.iter_mut())
            .chain(page.threads.iter_mut())
        {
            post.comments.retain(|c| c.id != object);
        }
    }
    HttpResponse::Ok().json(serde_json::json!({"success": true}))
}
