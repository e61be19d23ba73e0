//! Local stand-ins for Google and Facebook that speak their documented wire formats, and for an
//! OpenAI-compatible model server (reply drafts), and a network relay that can be cut (a
//! database outage), for demos and tests (`plaudit
//! fake-providers`). Never used by `serve` itself.

// Handlers answer early with a ready response; boxing it would only add noise to a test fake.
#![allow(clippy::result_large_err)]

mod control;
mod facebook;
mod google;
mod model;
mod oauth;
mod outage;
mod world;

pub use outage::Outage;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer, web};
use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener};
use std::sync::Mutex;

/// A consented sign-in, waiting for its code to be exchanged.
#[derive(Debug, Clone)]
struct Grant {
    provider: &'static str,
    client_id: String,
    redirect_uri: String,
    challenge: String,
    person: Person,
    /// `token`: the token endpoint answers with an error page instead of a token.
    fail: String,
}

#[derive(Debug, Clone)]
struct Person {
    subject: String,
    email: String,
    name: String,
}

#[derive(Default)]
struct Fake {
    codes: Mutex<HashMap<String, Grant>>,
    tokens: Mutex<HashMap<String, Person>>,
    world: Mutex<world::World>,
}

fn random() -> String {
    let mut b = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut b);
    hex::encode(b)
}

/// Tokens for the demo's connections.
pub struct DemoGrant {
    pub google_access: String,
    pub google_refresh: String,
    pub facebook_user: String,
    pub facebook_pages: Vec<(String, String)>,
}

/// A running fake; stops when dropped or stopped.
pub struct FakeProviders {
    pub addr: SocketAddr,
    handle: ServerHandle,
    fake: web::Data<Fake>,
}

impl FakeProviders {
    /// Binds (port 0 works) and serves in the current tokio runtime.
    pub fn start(listen: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind(listen)?;
        let addr = listener.local_addr()?;
        let data = web::Data::new(Fake::default());
        let fake = data.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::JsonConfig::default().limit(1 << 20))
                .configure(control::configure)
                .configure(oauth::configure)
                .configure(google::configure)
                .configure(facebook::configure)
                .configure(model::configure)
        })
        .workers(1)
        .disable_signals()
        .listen(listener)?
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Ok(Self { addr, handle, fake })
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Points `config`'s providers at this fake (the providers part of `config_snippet`).
    pub fn configure(&self, config: &mut crate::config::Config) -> anyhow::Result<()> {
        let b = self.base_url();
        let g = &mut config.providers.google;
        g.client_id = Some("fake-google-client".into());
        g.client_secret = Some(crate::config::Secret::new("fake-google-secret"));
        g.auth_url = format!("{b}/o/oauth2/v2/auth").parse()?;
        g.token_url = format!("{b}/token").parse()?;
        g.userinfo_url = format!("{b}/v1/userinfo").parse()?;
        g.revoke_url = format!("{b}/revoke").parse()?;
        g.accounts_api = format!("{b}/v1").parse()?;
        g.locations_api = format!("{b}/v1").parse()?;
        g.reviews_api = format!("{b}/v4").parse()?;
        let f = &mut config.providers.facebook;
        f.client_id = Some("fake-facebook-app".into());
        f.client_secret = Some(crate::config::Secret::new("fake-facebook-secret"));
        f.dialog_url = b.parse()?;
        f.graph_url = b.parse()?;
        Ok(())
    }

    /// Points `[ai]` at this fake's model server (the demo drafts replies with it).
    pub fn configure_model(&self, config: &mut crate::config::Config) -> anyhow::Result<()> {
        config.ai.enabled = true;
        config.ai.base_url = Some(format!("{}/v1", self.base_url()).parse()?);
        config.ai.model = "fake-llm".into();
        config.ai.api_key_file = None;
        Ok(())
    }

    /// The config keys that point Plaudit at this fake.
    pub fn config_snippet(&self) -> String {
        let b = self.base_url();
        format!(
            "[providers.google]\nclient_id = \"fake-google-client\"\nclient_secret = \"fake-google-secret\"\nauth_url = \"{b}/o/oauth2/v2/auth\"\ntoken_url = \"{b}/token\"\nuserinfo_url = \"{b}/v1/userinfo\"\nrevoke_url = \"{b}/revoke\"\naccounts_api = \"{b}/v1\"\nlocations_api = \"{b}/v1\"\nreviews_api = \"{b}/v4\"\n\n[providers.facebook]\nclient_id = \"fake-facebook-app\"\nclient_secret = \"fake-facebook-secret\"\ndialog_url = \"{b}\"\ngraph_url = \"{b}\"\n\n[ai]\nenabled = true\nbase_url = \"{b}/v1\"\nmodel = \"fake-llm\"\n"
        )
    }

    /// A realistic data set: one Google account with three locations, two Facebook pages.
    /// Returns (Google location names, Facebook page ids).
    pub fn seed_demo(&self) -> (Vec<String>, Vec<String>) {
        let mut w = self.fake.world.lock().unwrap_or_else(|p| p.into_inner());
        let google = vec![
            w.add_google_location("Rosa's Bakery — Old Town", 240, 1),
            w.add_google_location("Rosa's Bakery — Riverside", 120, 2),
            w.add_google_location("Rosa's Bakery — Station", 60, 3),
        ];
        w.age_google_reviews(400, 7);
        let facebook = vec![
            w.add_facebook_page("Rosa's Bakery", 40, 8, 6, 5, 4),
            w.add_facebook_page("Rosa's Bakery Riverside", 12, 4, 4, 2, 5),
        ];
        (google, facebook)
    }

    /// Tokens as a completed consent would grant them, without a browser (for the demo):
    /// Google (access, refresh), Facebook user token and page tokens.
    pub fn grant_demo(&self) -> DemoGrant {
        let g = google::grant(&self.fake, true);
        let mut w = self.fake.world.lock().unwrap_or_else(|p| p.into_inner());
        let user = format!("EAAFAKELONG{}", random());
        w.facebook_user_tokens.insert(user.clone());
        DemoGrant {
            google_access: g["access_token"].as_str().unwrap_or_default().to_string(),
            google_refresh: g["refresh_token"].as_str().unwrap_or_default().to_string(),
            facebook_user: user,
            facebook_pages: w
                .facebook_pages
                .iter()
                .map(|p| (p.id.clone(), p.token.clone()))
                .collect(),
        }
    }

    /// Every token the fake has handed out that still works (for tests that look for
    /// leaks): access, refresh, user and page tokens.
    pub fn issued_tokens(&self) -> Vec<String> {
        let w = self.fake.world.lock().unwrap_or_else(|p| p.into_inner());
        w.access_tokens
            .keys()
            .chain(w.refresh_tokens.iter())
            .chain(w.facebook_user_tokens.iter())
            .cloned()
            .chain(w.facebook_pages.iter().map(|p| p.token.clone()))
            .collect()
    }

    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}
