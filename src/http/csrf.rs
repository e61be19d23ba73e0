//! Cross-site request checks for browser form posts: Sec-Fetch-Site, else Origin, must be ours.

use actix_web::HttpRequest;

/// True when the browser says the request came from our own pages. Requests without either
/// header (old browsers, curl) pass only if they carry no Origin at all; the form's own secret
/// (token in the URL, or a CSRF token) is then the remaining proof.
pub fn same_origin(req: &HttpRequest, instance_url: &str) -> bool {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site") {
        return matches!(site, "same-origin" | "none");
    }
    match header("origin") {
        None => true,
        Some(origin) => {
            let own_host = req.connection_info().host().to_string();
            let origin = origin.trim_end_matches('/');
            origin == instance_url.trim_end_matches('/')
                || origin
                    .split_once("://")
                    .is_some_and(|(_, host)| host == own_host)
        }
    }
}
