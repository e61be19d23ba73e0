//! Static files embedded in the binary, served with ETags; fingerprinted names cache for a year.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use rust_embed::Embed;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Embed)]
#[folder = "assets/"]
struct Assets;

/// Logical name (`css/app.css`) → fingerprinted URL (`/assets/css/app.1a2b3c4d.css`).
#[derive(Debug, Clone, Default)]
pub struct AssetUrls(Arc<HashMap<String, String>>);

fn short_hash(file: &rust_embed::EmbeddedFile) -> String {
    hex::encode(&file.metadata.sha256_hash()[..4])
}

impl AssetUrls {
    pub fn build() -> Self {
        let mut map = HashMap::new();
        for name in Assets::iter() {
            if let Some(file) = Assets::get(&name) {
                map.insert(
                    name.to_string(),
                    format!("/assets/{}", fingerprinted(&name, &short_hash(&file))),
                );
            }
        }
        Self(Arc::new(map))
    }

    /// The URL to use in pages; falls back to the plain name (served uncached) if unknown.
    pub fn url(&self, name: &str) -> String {
        self.0
            .get(name)
            .cloned()
            .unwrap_or_else(|| format!("/assets/{name}"))
    }
}

fn fingerprinted(name: &str, hash: &str) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.ends_with('/') => format!("{stem}.{hash}.{ext}"),
        _ => format!("{name}.{hash}"),
    }
}

/// `css/app.1a2b3c4d.css` → (`css/app.css`, `1a2b3c4d`).
fn split_fingerprint(path: &str) -> Option<(String, &str)> {
    let (rest, ext) = path.rsplit_once('.')?;
    let (stem, hash) = rest.rsplit_once('.')?;
    (hash.len() == 8 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| (format!("{stem}.{ext}"), hash))
}

/// An embedded file's bytes (the showcase script, served under each set's own address).
pub fn file(name: &str) -> Option<Vec<u8>> {
    Assets::get(name).map(|f| f.data.into_owned())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/assets/{path:.*}", web::get().to(serve))
        .route("/favicon.ico", web::get().to(favicon));
}

async fn favicon(req: HttpRequest) -> HttpResponse {
    respond(&req, "icons/favicon.svg", false)
}

async fn serve(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let path = path.into_inner();
    if Assets::get(&path).is_some() {
        return respond(&req, &path, false);
    }
    match split_fingerprint(&path) {
        Some((name, hash)) if Assets::get(&name).is_some_and(|f| short_hash(&f) == hash) => {
            respond(&req, &name, true)
        }
        _ => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("no such asset"),
    }
}

fn respond(req: &HttpRequest, name: &str, immutable: bool) -> HttpResponse {
    let Some(file) = Assets::get(name) else {
        return HttpResponse::NotFound().finish();
    };
    let etag = format!("\"{}\"", hex::encode(file.metadata.sha256_hash()));
    let cache = if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    conditional(
        req,
        etag,
        cache,
        file.metadata.mimetype(),
        file.data.into_owned(),
    )
}

/// 200 with the body, or 304 when the request's `If-None-Match` already names `etag`.
pub fn conditional(
    req: &HttpRequest,
    etag: String,
    cache: &'static str,
    content_type: &str,
    body: Vec<u8>,
) -> HttpResponse {
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut resp = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    resp.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache));
    if matches {
        return resp.finish();
    }
    resp.content_type(content_type).body(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_round_trip() {
        assert_eq!(
            fingerprinted("css/app.css", "0123abcd"),
            "css/app.0123abcd.css"
        );
        assert_eq!(
            split_fingerprint("css/app.0123abcd.css"),
            Some(("css/app.css".to_string(), "0123abcd"))
        );
        assert_eq!(split_fingerprint("css/app.css"), None);
    }

    #[test]
    fn every_embedded_asset_has_a_fingerprinted_url() {
        let urls = AssetUrls::build();
        assert!(urls.url("css/app.css").starts_with("/assets/css/app."));
        assert_ne!(urls.url("css/app.css"), "/assets/css/app.css");
    }
}
