//! Fake OAuth endpoints: Google (authorize, token, userinfo) and Facebook (dialog, access_token,
//! /me), with a consent page where a person (or a test) allows or declines.

use super::{Fake, Grant, Person, random};
use crate::sources::oauth::pkce_challenge;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/o/oauth2/v2/auth", web::get().to(google_authorize))
        .route("/consent", web::post().to(decide))
        .route("/token", web::post().to(google_token))
        .route("/v1/userinfo", web::get().to(google_userinfo))
        .route("/{version}/dialog/oauth", web::get().to(facebook_dialog))
        .route(
            "/{version}/oauth/access_token",
            web::get().to(facebook_token),
        )
        .route("/{version}/me", web::get().to(facebook_me));
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn bad_request(message: &str) -> HttpResponse {
    HttpResponse::BadRequest()
        .content_type("text/html")
        .body(format!("<h1>Error 400</h1><p>{}</p>", escape(message)))
}

/// The consent page both providers show.
fn consent(provider: &str, q: &HashMap<String, String>) -> HttpResponse {
    for key in ["client_id", "redirect_uri", "state", "code_challenge"] {
        if q.get(key).is_none_or(String::is_empty) {
            return bad_request(&format!("missing {key}"));
        }
    }
    if q.get("response_type").map(String::as_str) != Some("code")
        || q.get("code_challenge_method").map(String::as_str) != Some("S256")
    {
        return bad_request("response_type=code and code_challenge_method=S256 are required");
    }
    let hidden: String = ["client_id", "redirect_uri", "state", "code_challenge"]
        .iter()
        .map(|k| {
            format!(
                "<input type=\"hidden\" name=\"{k}\" value=\"{}\">",
                escape(&q[*k])
            )
        })
        .collect();
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(format!(
        "<!doctype html><title>Fake {provider} sign-in</title><h1>Fake {provider}</h1>\
         <form method=\"post\" action=\"/consent\">{hidden}\
         <input type=\"hidden\" name=\"provider\" value=\"{provider}\">\
         <label>Subject <input name=\"subject\" value=\"{provider}-user-1\"></label>\
         <label>Email <input name=\"email\" value=\"person@example.com\"></label>\
         <label>Name <input name=\"name\" value=\"Pat Example\"></label>\
         <label>Fail <select name=\"fail\"><option value=\"\">no</option><option value=\"token\">token endpoint</option></select></label>\
         <button name=\"decision\" value=\"allow\">Allow</button> <button name=\"decision\" value=\"deny\">Decline</button></form>"
    ))
}

async fn google_authorize(q: web::Query<HashMap<String, String>>) -> HttpResponse {
    consent("google", &q)
}

async fn facebook_dialog(q: web::Query<HashMap<String, String>>) -> HttpResponse {
    consent("facebook", &q)
}

#[derive(Deserialize)]
struct Decision {
    provider: String,
    client_id: String,
    redirect_uri: String,
    state: String,
    code_challenge: String,
    subject: String,
    email: String,
    name: String,
    #[serde(default)]
    fail: String,
    decision: String,
}

async fn decide(fake: web::Data<Fake>, form: web::Form<Decision>) -> HttpResponse {
    let d = form.into_inner();
    let Ok(mut back) = url::Url::parse(&d.redirect_uri) else {
        return bad_request("redirect_uri is not a URL");
    };
    {
        let mut q = back.query_pairs_mut();
        if d.decision != "allow" {
            q.append_pair("error", "access_denied");
            if d.provider == "facebook" {
                q.append_pair("error_reason", "user_denied")
                    .append_pair("error_description", "Permissions error");
            }
        } else {
            let code = random();
            let grant = Grant {
                provider: if d.provider == "facebook" {
                    "facebook"
                } else {
                    "google"
                },
                client_id: d.client_id,
                redirect_uri: d.redirect_uri.clone(),
                challenge: d.code_challenge,
                person: Person {
                    subject: d.subject,
                    email: d.email,
                    name: d.name,
                },
                fail: d.fail,
            };
            fake.codes
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(code.clone(), grant);
            q.append_pair("code", &code);
        }
        q.append_pair("state", &d.state);
    }
    HttpResponse::Found()
        .insert_header((header::LOCATION, back.to_string()))
        .finish()
}

/// Why an exchange was refused; each provider words it its own way.
enum Refusal {
    Invalid(&'static str),
    Unavailable,
}

impl Refusal {
    fn google(self) -> HttpResponse {
        match self {
            Self::Invalid(d) => HttpResponse::BadRequest()
                .json(json!({"error": "invalid_grant", "error_description": d})),
            Self::Unavailable => unavailable(),
        }
    }

    fn facebook(self) -> HttpResponse {
        match self {
            Self::Invalid(d) => HttpResponse::BadRequest().json(json!({"error": {
                "message": d, "type": "OAuthException", "code": 100, "fbtrace_id": random()
            }})),
            Self::Unavailable => unavailable(),
        }
    }
}

fn unavailable() -> HttpResponse {
    HttpResponse::ServiceUnavailable()
        .content_type("text/html")
        .body("<h1>503 Service Unavailable</h1><p>Try again later.</p>")
}

/// Checks a code exchange as the provider would; returns who consented.
fn redeem(fake: &Fake, provider: &str, p: &HashMap<String, String>) -> Result<Person, Refusal> {
    let code = p.get("code").cloned().unwrap_or_default();
    let Some(grant) = fake
        .codes
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&code)
    else {
        return Err(Refusal::Invalid("Malformed auth code."));
    };
    if grant.provider != provider
        || p.get("client_id") != Some(&grant.client_id)
        || p.get("client_secret").is_none_or(String::is_empty)
    {
        return Err(Refusal::Invalid("The OAuth client was not found."));
    }
    if p.get("redirect_uri") != Some(&grant.redirect_uri) {
        return Err(Refusal::Invalid("Bad Request: redirect_uri mismatch."));
    }
    let Some(verifier) = p.get("code_verifier").filter(|v| !v.is_empty()) else {
        return Err(Refusal::Invalid("Missing code verifier."));
    };
    if pkce_challenge(verifier) != grant.challenge {
        return Err(Refusal::Invalid("Invalid code verifier."));
    }
    if grant.fail == "token" {
        return Err(Refusal::Unavailable);
    }
    Ok(grant.person)
}

fn remember(fake: &Fake, token: &str, person: Person) {
    fake.tokens
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(token.to_string(), person);
}

async fn google_token(
    fake: web::Data<Fake>,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {}
        Some("refresh_token") => return super::google::refresh(&fake, &form),
        _ => {
            return HttpResponse::BadRequest().json(
                json!({"error": "unsupported_grant_type", "error_description": "Invalid grant_type"}),
            );
        }
    }
    match redeem(&fake, "google", &form) {
        Ok(person) => {
            // Offline access with prompt=consent: a refresh token comes with the first answer.
            let answer = super::google::grant(&fake, true);
            remember(
                &fake,
                answer["access_token"].as_str().unwrap_or_default(),
                person,
            );
            HttpResponse::Ok().json(answer)
        }
        Err(refusal) => refusal.google(),
    }
}

fn person_for(fake: &Fake, token: Option<&str>) -> Option<Person> {
    fake.tokens
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(token?)
        .cloned()
}

async fn google_userinfo(fake: web::Data<Fake>, req: HttpRequest) -> HttpResponse {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match person_for(&fake, token) {
        Some(p) => HttpResponse::Ok().json(json!({
            "sub": p.subject, "name": p.name, "picture": "https://lh3.example/photo.jpg", "email": p.email, "email_verified": true
        })),
        None => HttpResponse::Unauthorized().json(json!({"error": "invalid_token", "error_description": "Invalid Credentials"})),
    }
}

async fn facebook_token(
    fake: web::Data<Fake>,
    q: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    if q.get("grant_type").map(String::as_str) == Some("fb_exchange_token") {
        // Short-lived user token → long-lived one (~60 days).
        let short = q.get("fb_exchange_token").cloned().unwrap_or_default();
        let Some(person) = person_for(&fake, Some(&short)) else {
            return Refusal::Invalid("Invalid OAuth access token.").facebook();
        };
        let token = format!("EAAFAKELONG{}", random());
        remember(&fake, &token, person);
        fake.world
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .facebook_user_tokens
            .insert(token.clone());
        return HttpResponse::Ok()
            .json(json!({"access_token": token, "token_type": "bearer", "expires_in": 5183944}));
    }
    match redeem(&fake, "facebook", &q) {
        Ok(person) => {
            let token = format!("EAAFAKESHORT{}", random());
            remember(&fake, &token, person);
            fake.world
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .facebook_user_tokens
                .insert(token.clone());
            HttpResponse::Ok()
                .json(json!({"access_token": token, "token_type": "bearer", "expires_in": 5183}))
        }
        Err(refusal) => refusal.facebook(),
    }
}

async fn facebook_me(
    fake: web::Data<Fake>,
    q: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    match person_for(&fake, q.get("access_token").map(String::as_str)) {
        Some(p) => HttpResponse::Ok().json(json!({
            "id": p.subject, "name": p.name, "email": p.email,
            "picture": {"data": {"url": "https://platform-lookaside.example/pic.jpg", "is_silhouette": false}}
        })),
        None => HttpResponse::BadRequest().json(json!({"error": {
            "message": "Invalid OAuth access token - Cannot parse access token", "type": "OAuthException", "code": 190, "fbtrace_id": random()
        }})),
    }
}
