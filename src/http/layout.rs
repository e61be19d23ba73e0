//! What every page's base layout needs: asset URLs and the instance's name.

use super::AssetUrls;

#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub css_url: String,
    pub js_url: String,
    pub icon_url: String,
}

impl Layout {
    pub fn new(assets: &AssetUrls) -> Self {
        Self {
            css_url: assets.url("css/app.css"),
            js_url: assets.url("js/app.js"),
            icon_url: assets.url("icons/favicon.svg"),
        }
    }
}
