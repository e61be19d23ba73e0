//! The one classification of request paths, used by the edge (quotas, refusals), the error
//! pages (JSON or HTML) and log redaction (which paths carry a secret).

/// What kind of route a path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteClass {
    /// `/api/...`: answers and refusals are JSON.
    Api,
    /// A link from an email that anyone may open (`/u/TOKEN` unsubscribe, `/f/TOKEN` feedback,
    /// `/o/TOKEN` open pixel), or a location's public feedback link (`/r/TOKEN`, on paper):
    /// public quotas, and the token is a secret.
    PublicLink,
    /// A single-use emailed link (`/setup/`, `/verify/`, `/reset/`, `/invite/`): its token is a
    /// secret, never logged.
    SecretLink,
    /// A showcase's embeds and wall (`/s/...`): loaded by visitors of the business's own
    /// site, so a quota of their own, generous, never held against the client as a strike.
    Showcase,
    /// Everything else: browser pages, assets, probes.
    Page,
}

const PUBLIC_LINKS: &[&str] = &["/u/", "/f/", "/o/", "/r/"];
const SECRET_LINKS: &[&str] = &["/setup/", "/verify/", "/reset/", "/invite/"];

pub fn classify(path: &str) -> RouteClass {
    if path == "/api" || path.starts_with("/api/") {
        RouteClass::Api
    } else if PUBLIC_LINKS.iter().any(|p| path.starts_with(p)) {
        RouteClass::PublicLink
    } else if SECRET_LINKS.iter().any(|p| path.starts_with(p)) {
        RouteClass::SecretLink
    } else if path.starts_with("/s/") {
        RouteClass::Showcase
    } else {
        RouteClass::Page
    }
}

/// The unsubscribe link must always work: mailbox providers relay one-click unsubscribes
/// (RFC 8058) for many recipients from a few addresses, so it is outside the public pages'
/// quota and a throttled request there never counts towards a ban. A request costs one token
/// lookup, and the per-address quota still bounds a flood.
pub fn unsubscribe_link(path: &str) -> bool {
    path.starts_with("/u/")
}

/// The CSV uploads (the import pages and their API routes), which take `server.max_upload_kb`
/// and four times the body deadline; every other route takes `server.max_body_kb`.
pub fn upload(method: &actix_web::http::Method, path: &str) -> bool {
    if method != actix_web::http::Method::POST {
        return false;
    }
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    matches!(
        segments.as_slice(),
        ["w", _, "import"]
            | ["w", _, "contacts", "import"]
            | ["w", _, "reports", "branding"]
            | ["api", "v1", "workspaces", _, "imports", "reviews"]
            | ["api", "v1", "workspaces", _, "contacts", "import"]
    )
}

impl RouteClass {
    pub fn is_api(self) -> bool {
        self == Self::Api
    }

    /// The path prefix to log in place of the whole path, when the path carries a secret.
    pub fn redacted_prefix(path: &str) -> Option<&'static str> {
        PUBLIC_LINKS
            .iter()
            .chain(SECRET_LINKS)
            .find(|p| path.starts_with(**p))
            .copied()
    }
}

/// Marks a handler's answer as throttling that counts as a strike towards a ban (the sign-in,
/// registration and reset brakes). Any other 429 a handler returns is not held against the
/// client: a throttled campaign send must never ban a paying customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Strike(pub &'static str);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_classified_once() {
        assert_eq!(classify("/api"), RouteClass::Api);
        assert_eq!(classify("/api/v1/me"), RouteClass::Api);
        assert_eq!(classify("/apix"), RouteClass::Page);
        assert_eq!(classify("/u/abc"), RouteClass::PublicLink);
        assert_eq!(classify("/reset/abc"), RouteClass::SecretLink);
        assert_eq!(classify("/reset"), RouteClass::Page);
        assert_eq!(classify("/s/abc.json"), RouteClass::Showcase);
        assert_eq!(classify("/r/abc"), RouteClass::PublicLink);
        assert_eq!(classify("/sx"), RouteClass::Page);
        assert_eq!(RouteClass::redacted_prefix("/invite/tok"), Some("/invite/"));
        assert_eq!(RouteClass::redacted_prefix("/w/1"), None);
        let post = actix_web::http::Method::POST;
        assert!(upload(&post, "/w/abc/import"));
        assert!(upload(&post, "/w/abc/contacts/import"));
        assert!(upload(&post, "/api/v1/workspaces/abc/imports/reviews"));
        assert!(upload(&post, "/api/v1/workspaces/abc/contacts/import"));
        assert!(!upload(&actix_web::http::Method::GET, "/w/abc/import"));
        assert!(!upload(&post, "/w/abc/import/x"));
        assert!(!upload(&post, "/api/v1/workspaces/abc/contacts"));
    }
}
