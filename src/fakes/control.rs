//! The fakes' control panel for tests and demos (JSON under `/_fake/`): add data, edit or
//! delete reviews, inject faults, expire or revoke tokens, read what was called.

use super::world::{Fault, GReview};
use super::{Fake, random};
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/_fake/google/locations", web::post().to(add_location))
        .route("/_fake/google/reviews", web::post().to(review))
        .route("/_fake/facebook/pages", web::post().to(add_page))
        .route("/_fake/facebook/comments", web::post().to(add_comment))
        .route(
            "/_fake/facebook/deprecate-ratings",
            web::post().to(deprecate),
        )
        .route("/_fake/faults", web::post().to(fault))
        .route("/_fake/tokens", web::post().to(tokens))
        .route("/_fake/state", web::get().to(state));
}

fn bad(m: &str) -> HttpResponse {
    HttpResponse::BadRequest().json(json!({ "error": m }))
}

#[derive(Deserialize)]
struct NewLocation {
    title: String,
    #[serde(default)]
    reviews: usize,
    #[serde(default)]
    seed: u64,
}

async fn add_location(fake: web::Data<Fake>, b: web::Json<NewLocation>) -> HttpResponse {
    let mut w = fake.world.lock().unwrap_or_else(|p| p.into_inner());
    let name = w.add_google_location(&b.title, b.reviews, b.seed);
    HttpResponse::Ok().json(json!({ "name": name }))
}

#[derive(Deserialize)]
struct ReviewChange {
    location: String,
    /// add, edit, delete, reply
    action: String,
    id: Option<String>,
    text: Option<String>,
    stars: Option<u8>,
}

async fn review(fake: web::Data<Fake>, b: web::Json<ReviewChange>) -> HttpResponse {
    let mut w = fake.world.lock().unwrap_or_else(|p| p.into_inner());
    let now = w.now();
    let new_id = format!("n{}", w.id(""));
    let Some(loc) = w.google_location(&b.location) else {
        return bad("no such location");
    };
    let find = |loc: &mut super::world::GLocation| {
        let id = b.id.clone().unwrap_or_default();
        loc.reviews.iter().position(|r| r.id == id)
    };
    match b.action.as_str() {
        "add" => {
            loc.reviews.push(GReview {
                id: new_id.clone(),
                reviewer: "New Reviewer".into(),
                anonymous: false,
                stars: b.stars.unwrap_or(5),
                comment: b.text.clone(),
                created: now,
                updated: now,
                reply: None,
            });
            HttpResponse::Ok().json(json!({ "id": new_id }))
        }
        "edit" | "reply" | "delete" => {
            let Some(i) = find(loc) else {
                return bad("no such review");
            };
            match b.action.as_str() {
                "edit" => {
                    let r = &mut loc.reviews[i];
                    r.comment = b.text.clone();
                    if let Some(s) = b.stars {
                        r.stars = s;
                    }
                    r.updated = now;
                }
                "reply" => {
                    let r = &mut loc.reviews[i];
                    r.reply = b.text.clone().map(|t| (t, now));
                    // Google moves the review's updateTime when its reply changes.
                    r.updated = now;
                }
                _ => {
                    loc.reviews.remove(i);
                }
            }
            HttpResponse::Ok().json(json!({ "ok": true }))
        }
        _ => bad("action: add, edit, delete or reply"),
    }
}

#[derive(Deserialize)]
struct NewPage {
    name: String,
    #[serde(default)]
    ratings: usize,
    #[serde(default)]
    posts: usize,
    #[serde(default)]
    comments: usize,
    #[serde(default)]
    tagged: usize,
    #[serde(default)]
    seed: u64,
}

async fn add_page(fake: web::Data<Fake>, b: web::Json<NewPage>) -> HttpResponse {
    let mut w = fake.world.lock().unwrap_or_else(|p| p.into_inner());
    let id = w.add_facebook_page(&b.name, b.ratings, b.posts, b.comments, b.tagged, b.seed);
    HttpResponse::Ok().json(json!({ "id": id }))
}

#[derive(Deserialize)]
struct NewComment {
    post: String,
    text: String,
}

async fn add_comment(fake: web::Data<Fake>, b: web::Json<NewComment>) -> HttpResponse {
    let mut w = fake.world.lock().unwrap_or_else(|p| p.into_inner());
    let now = w.now();
    let id = format!("{}_{}", b.post, w.id(""));
    let person = (w.id("5"), "Late Commenter".to_string());
    for p in &mut w.facebook_pages {
        if let Some(post) = p.posts.iter_mut().find(|x| x.id == b.post) {
            post.comments.push(super::world::FbComment {
                id: id.clone(),
                from: person,
                message: b.text.clone(),
                created: now,
                parent: None,
            });
            return HttpResponse::Ok().json(json!({ "id": id }));
        }
    }
    bad("no such post")
}

#[derive(Deserialize)]
struct PageRef {
    page: String,
}

async fn deprecate(fake: web::Data<Fake>, b: web::Json<PageRef>) -> HttpResponse {
    let mut w = fake.world.lock().unwrap_or_else(|p| p.into_inner());
    match w.facebook_page(&b.page) {
        Some(p) => {
            p.ratings_deprecated = true;
            HttpResponse::Ok().json(json!({ "ok": true }))
        }
        None => bad("no such page"),
    }
}

#[derive(Deserialize)]
struct FaultOrder {
    provider: String,
    fault: Fault,
    #[serde(default = "one")]
    count: usize,
    retry_after: Option<u64>,
}

fn one() -> usize {
    1
}

async fn fault(fake: web::Data<Fake>, b: web::Json<FaultOrder>) -> HttpResponse {
    let mut w = fake.world.lock().unwrap_or_else(|p| p.into_inner());
    let q = w.faults.entry(b.provider.clone()).or_default();
    for _ in 0..b.count {
        q.push_back((b.fault.clone(), b.retry_after));
    }
    HttpResponse::Ok().json(json!({ "queued": q.len() }))
}

#[derive(Deserialize)]
struct TokenOrder {
    /// expire (access tokens) or revoke (every token)
    action: String,
}

async fn tokens(fake: web::Data<Fake>, b: web::Json<TokenOrder>) -> HttpResponse {
    let mut w = fake.world.lock().unwrap_or_else(|p| p.into_inner());
    let past = w.now() - time::Duration::minutes(1);
    match b.action.as_str() {
        "expire" => w.access_tokens.values_mut().for_each(|t| *t = past),
        "revoke" => {
            w.refresh_tokens.clear();
            w.access_tokens.clear();
            w.facebook_user_tokens.clear();
            for p in &mut w.facebook_pages {
                p.token = format!("EAAFAKEPAGE{}", random());
            }
        }
        _ => return bad("action: expire or revoke"),
    }
    HttpResponse::Ok().json(json!({ "ok": true }))
}

async fn state(fake: web::Data<Fake>) -> HttpResponse {
    let w = fake.world.lock().unwrap_or_else(|p| p.into_inner());
    let locations: Vec<_> = w
        .google_locations
        .iter()
        .map(|l| json!({"name": format!("accounts/{}/locations/{}", l.account, l.id), "reviews": l.reviews.len(),
                        "replied": l.reviews.iter().filter(|r| r.reply.is_some()).count()}))
        .collect();
    let pages: Vec<_> = w
        .facebook_pages
        .iter()
        .map(|p| json!({"id": p.id, "ratings": p.ratings.len(), "posts": p.posts.iter().map(|x| x.id.clone()).collect::<Vec<_>>(),
                        "comments": p.posts.iter().map(|x| x.comments.len()).sum::<usize>(), "tagged": p.tagged.len()}))
        .collect();
    HttpResponse::Ok()
        .json(json!({"counts": w.counts, "google_locations": locations, "facebook_pages": pages}))
}
