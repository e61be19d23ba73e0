//! Fake Google Business Profile: accounts, locations, reviews (paged, newest update first),
//! reply put / delete, token refresh and revoke. Shapes per PROVIDERS.md.

use super::world::{Fault, World};
use super::{Fake, random};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/revoke", web::post().to(revoke))
        .route("/v1/accounts", web::get().to(accounts))
        .route("/v1/accounts/{a}/locations", web::get().to(locations))
        .route(
            "/v4/accounts/{a}/locations/{l}/reviews",
            web::get().to(reviews),
        )
        .route(
            "/v4/accounts/{a}/locations/{l}/reviews/{r}/reply",
            web::put().to(put_reply),
        )
        .route(
            "/v4/accounts/{a}/locations/{l}/reviews/{r}/reply",
            web::delete().to(delete_reply),
        );
}

fn error(status: u16, message: &str, s: &str) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap_or_default())
        .json(json!({"error": {"code": status, "message": message, "status": s}}))
}

pub fn ts(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// The answer a fault replaces a data call with (Google's shapes).
pub fn fault_answer(f: &Fault, retry_after: Option<u64>, facebook: bool) -> HttpResponse {
    match f {
        Fault::RateLimit if facebook => HttpResponse::BadRequest().json(json!({"error": {
            "message": "(#4) Application request limit reached", "type": "OAuthException", "code": 4, "fbtrace_id": random()}})),
        Fault::RateLimit => {
            let mut r = HttpResponse::TooManyRequests();
            if let Some(s) = retry_after {
                r.insert_header((header::RETRY_AFTER, s.to_string()));
            }
            r.json(json!({"error": {"code": 429, "message": "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute'", "status": "RESOURCE_EXHAUSTED"}}))
        }
        Fault::ServerError => HttpResponse::InternalServerError()
            .json(json!({"error": {"code": 500, "message": "Internal error encountered.", "status": "INTERNAL"}})),
        Fault::Truncated => HttpResponse::Ok()
            .content_type("application/json")
            .body(r#"{"reviews":[{"reviewId":"abc","starRating":"FI"#),
        Fault::WrongTypes => HttpResponse::Ok()
            .json(json!({"reviews": "none", "data": "none", "locations": 5, "accounts": {"x": 1}})),
        Fault::Huge => HttpResponse::Ok()
            .content_type("application/json")
            .body(format!("{{\"reviews\":[],\"pad\":\"{}\"}}", "x".repeat(50 * 1024 * 1024))),
    }
}

/// The bearer token is a live access token, and no fault is due; else the answer to give.
fn guard(world: &mut World, req: &HttpRequest) -> Result<(), HttpResponse> {
    world.counts.requests += 1;
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let now = world.now();
    match world.access_tokens.get(token) {
        Some(exp) if *exp > now => {}
        _ => {
            return Err(error(
                401,
                "Request had invalid authentication credentials. Expected OAuth 2 access token.",
                "UNAUTHENTICATED",
            ));
        }
    }
    if let Some((f, after)) = world.next_fault("google") {
        return Err(fault_answer(&f, after, false));
    }
    Ok(())
}

fn world(fake: &Fake) -> std::sync::MutexGuard<'_, World> {
    fake.world.lock().unwrap_or_else(|p| p.into_inner())
}

/// Issues an access token (and, on a code grant, a refresh token) for a Google consent.
pub fn grant(fake: &Fake, with_refresh: bool) -> Value {
    let mut w = world(fake);
    let access = format!("ya29.FAKEACCESS{}", random());
    let exp = w.now() + Duration::seconds(3599);
    w.access_tokens.insert(access.clone(), exp);
    let mut answer = json!({
        "access_token": access, "expires_in": 3599, "token_type": "Bearer",
        "scope": "openid email profile https://www.googleapis.com/auth/business.manage"
    });
    if with_refresh {
        let refresh = format!("1//FAKEREFRESH{}", random());
        w.refresh_tokens.insert(refresh.clone());
        answer["refresh_token"] = json!(refresh);
    }
    answer
}

/// `grant_type=refresh_token`.
pub fn refresh(fake: &Fake, form: &HashMap<String, String>) -> HttpResponse {
    let valid = {
        let mut w = world(fake);
        w.counts.refreshes += 1;
        form.get("refresh_token")
            .is_some_and(|t| w.refresh_tokens.contains(t))
    };
    if !valid {
        return HttpResponse::BadRequest().json(
            json!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."}),
        );
    }
    HttpResponse::Ok().json(grant(fake, false))
}

async fn revoke(fake: web::Data<Fake>, q: web::Query<HashMap<String, String>>) -> HttpResponse {
    let mut w = world(&fake);
    w.counts.revokes += 1;
    let t = q.get("token").cloned().unwrap_or_default();
    let known = w.refresh_tokens.remove(&t) | w.access_tokens.remove(&t).is_some();
    if known {
        HttpResponse::Ok().json(json!({}))
    } else {
        HttpResponse::BadRequest().json(
            json!({"error": "invalid_token", "error_description": "Token expired or revoked"}),
        )
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageQ {
    page_size: Option<usize>,
    page_token: Option<String>,
    read_mask: Option<String>,
}

fn offset(token: Option<&str>) -> Result<usize, HttpResponse> {
    match token.filter(|t| !t.is_empty()) {
        None => Ok(0),
        Some(t) => t
            .strip_prefix("pt-")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| error(400, "Invalid page token.", "INVALID_ARGUMENT")),
    }
}

async fn accounts(fake: web::Data<Fake>, req: HttpRequest, q: web::Query<PageQ>) -> HttpResponse {
    let mut w = world(&fake);
    if let Err(r) = guard(&mut w, &req) {
        return r;
    }
    if q.page_size.is_some_and(|n| n > 20) {
        return error(400, "pageSize must be at most 20.", "INVALID_ARGUMENT");
    }
    let list: Vec<Value> = w
        .google_accounts
        .iter()
        .map(|(id, name)| json!({"name": format!("accounts/{id}"), "accountName": name, "type": "LOCATION_GROUP", "role": "OWNER"}))
        .collect();
    HttpResponse::Ok().json(json!({ "accounts": list }))
}

async fn locations(
    fake: web::Data<Fake>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<PageQ>,
) -> HttpResponse {
    let mut w = world(&fake);
    if let Err(r) = guard(&mut w, &req) {
        return r;
    }
    if q.read_mask.as_deref().is_none_or(str::is_empty) {
        return error(
            400,
            "Request contains an invalid argument: read_mask is required.",
            "INVALID_ARGUMENT",
        );
    }
    let size = q.page_size.unwrap_or(10).clamp(1, 100);
    let start = match offset(q.page_token.as_deref()) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let all: Vec<Value> = w
        .google_locations
        .iter()
        .filter(|l| l.account == *path)
        .map(|l| json!({
            "name": format!("locations/{}", l.id), "title": l.title,
            "storefrontAddress": {"addressLines": ["1 Main Street"], "locality": "Springfield", "regionCode": "US"},
            "metadata": {"placeId": format!("ChIJ{}", l.id), "mapsUri": format!("https://maps.google.com/?cid={}", l.id),
                         "newReviewUri": format!("https://search.google.com/local/writereview?placeid=ChIJ{}", l.id)}
        }))
        .collect();
    let page: Vec<Value> = all.iter().skip(start).take(size).cloned().collect();
    let mut body = json!({ "locations": page });
    if start + size < all.len() {
        body["nextPageToken"] = json!(format!("pt-{}", start + size));
    }
    HttpResponse::Ok().json(body)
}

const STARS: [&str; 6] = [
    "STAR_RATING_UNSPECIFIED",
    "ONE",
    "TWO",
    "THREE",
    "FOUR",
    "FIVE",
];

async fn reviews(
    fake: web::Data<Fake>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    q: web::Query<PageQ>,
) -> HttpResponse {
    let mut w = world(&fake);
    if let Err(r) = guard(&mut w, &req) {
        return r;
    }
    let name = format!("accounts/{}/locations/{}", path.0, path.1);
    let size = q.page_size.unwrap_or(50).clamp(1, 50);
    let start = match offset(q.page_token.as_deref()) {
        Ok(o) => o,
        Err(r) => return r,
    };
    w.counts.review_pages += 1;
    let Some(loc) = w.google_location(&name) else {
        return error(404, "Requested entity was not found.", "NOT_FOUND");
    };
    let mut sorted = loc.reviews.clone();
    sorted.sort_by(|a, b| b.updated.cmp(&a.updated).then(b.id.cmp(&a.id)));
    let total = sorted.len();
    let page: Vec<Value> = sorted
        .iter()
        .skip(start)
        .take(size)
        .map(|r| {
            let mut v = json!({
                "name": format!("{name}/reviews/{}", r.id), "reviewId": r.id,
                "reviewer": if r.anonymous { json!({"displayName": "A Google user", "isAnonymous": true}) }
                            else { json!({"displayName": r.reviewer, "profilePhotoUrl": "https://lh3.example/a.png", "isAnonymous": false}) },
                "starRating": STARS[usize::from(r.stars.min(5))],
                "createTime": ts(r.created), "updateTime": ts(r.updated),
            });
            if let Some(c) = &r.comment {
                v["comment"] = json!(c);
            }
            if let Some((text, at)) = &r.reply {
                v["reviewReply"] = json!({"comment": text, "updateTime": ts(*at)});
            }
            v
        })
        .collect();
    let avg = if total == 0 {
        0.0
    } else {
        sorted.iter().map(|r| f64::from(r.stars)).sum::<f64>() / total as f64
    };
    let mut body = json!({"reviews": page, "averageRating": (avg * 10.0).round() / 10.0, "totalReviewCount": total});
    if start + size < total {
        body["nextPageToken"] = json!(format!("pt-{}", start + size));
    }
    HttpResponse::Ok().json(body)
}

async fn put_reply(
    fake: web::Data<Fake>,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
    body: web::Json<Value>,
) -> HttpResponse {
    let mut w = world(&fake);
    if let Err(r) = guard(&mut w, &req) {
        return r;
    }
    let Some(comment) = body
        .get("comment")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return error(400, "comment is required.", "INVALID_ARGUMENT");
    };
    if comment.len() > 4096 {
        return error(400, "Reply is too long.", "INVALID_ARGUMENT");
    }
    let name = format!("accounts/{}/locations/{}", path.0, path.1);
    let now = w.now();
    let key = format!("{name}/reviews/{}", path.2);
    let Some(loc) = w.google_location(&name) else {
        return error(404, "Requested entity was not found.", "NOT_FOUND");
    };
    let Some(r) = loc.reviews.iter_mut().find(|r| r.id == path.2) else {
        return error(404, "Requested entity was not found.", "NOT_FOUND");
    };
    r.reply = Some((comment.clone(), now));
    *w.counts.google_reply_puts.entry(key).or_default() += 1;
    HttpResponse::Ok().json(json!({"comment": comment, "updateTime": ts(now)}))
}

async fn delete_reply(
    fake: web::Data<Fake>,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
) -> HttpResponse {
    let mut w = world(&fake);
    if let Err(r) = guard(&mut w, &req) {
        return r;
    }
    let name = format!("accounts/{}/locations/{}", path.0, path.1);
    if let Some(r) = w
        .google_location(&name)
        .and_then(|l| l.reviews.iter_mut().find(|r| r.id == path.2))
    {
        r.reply = None;
        return HttpResponse::Ok().json(json!({}));
    }
    error(404, "Requested entity was not found.", "NOT_FOUND")
}
