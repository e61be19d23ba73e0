//! What every page's base layout needs: asset URLs, and who is signed in (for the navigation).

use super::AssetUrls;

/// The signed-in person as the navigation shows them.
#[derive(Debug, Clone)]
pub struct NavUser {
    pub name: String,
    pub email: String,
    pub instance_admin: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub css_url: String,
    pub js_url: String,
    pub icon_url: String,
    /// The showcases' own stylesheet (their wall and frame pages).
    pub showcase_css_url: String,
    pub user: Option<NavUser>,
    /// The CSRF token every form of a signed-in page carries.
    pub csrf: String,
    /// A one-line confirmation after a redirect ("Location added.").
    pub notice: Option<String>,
    /// A one-line refusal after a redirect ("The name needs 1 to 200 characters.").
    pub error: Option<String>,
}

impl Layout {
    pub fn new(assets: &AssetUrls) -> Self {
        Self {
            css_url: assets.url("css/app.css"),
            js_url: assets.url("js/app.js"),
            icon_url: assets.url("icons/favicon.svg"),
            showcase_css_url: assets.url("css/showcase.css"),
            ..Self::default()
        }
    }

    pub fn signed_in(&self, user: NavUser, csrf: String) -> Self {
        Self {
            user: Some(user),
            csrf,
            ..self.clone()
        }
    }
}
