//! In-process harness: `App::start` on port 0 with a hand-moved clock and direct store access,
//! for tests that travel in time or build large fixtures quickly.

use plaudit::app::{App, Bootstrap};
use plaudit::config::Config;
use plaudit::domain::{Email, Id, Role, User, Workspace};
use plaudit::services::sessions::SessionKeys;
use plaudit::store::Store;
use plaudit::{Clock, ManualClock};
use std::sync::Arc;
use time::OffsetDateTime;

pub struct InProc {
    /// Kept so the server runs as long as the harness lives.
    #[allow(dead_code)]
    pub app: Option<App>,
    pub url: String,
    pub clock: ManualClock,
    pub store: Store,
    pub keys: SessionKeys,
    pub dir: tempfile::TempDir,
}

pub const PUBLIC_URL: &str = "https://reviews.example.test";

impl InProc {
    pub async fn start(adjust: impl FnOnce(&mut Config)) -> InProc {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::default();
        config.server.listen = "127.0.0.1:0".parse().unwrap();
        config.server.public_url = Some(PUBLIC_URL.parse().unwrap());
        config.storage.data_dir = dir.path().join("data");
        config.storage.cache_mb = 16;
        if std::env::var("PLAUDIT_TEST_BACKEND").as_deref() == Ok("postgres") {
            config.storage.backend = plaudit::config::Backend::Postgres;
            config.storage.postgres_url = Some(crate::support::fresh_postgres_database());
        }
        config.outbox.poll_interval_ms = 50;
        config.logs.access_log = plaudit::config::AccessLogFormat::Off;
        // Tests fire hundreds of requests from one address; those about limits set their own.
        config.limits.per_ip_per_minute = 1_000_000;
        config.limits.per_ip_burst = 1_000_000;
        adjust(&mut config);
        let clock = ManualClock::new(OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap());
        let lifetime = time::Duration::hours(config.accounts.session_hours as i64);
        let app = App::start(config, Arc::new(clock.clone()), Bootstrap::default())
            .await
            .unwrap();
        let store = app.store().clone();
        let keys = SessionKeys::new(
            &store.meta().instance_secret().unwrap(),
            PUBLIC_URL,
            lifetime,
        );
        InProc {
            url: app.local_url(),
            app: Some(app),
            clock,
            store,
            keys,
            dir,
        }
    }

    /// Steps every background job until none has work left: what a test waits for instead
    /// of sleeping (a worker that has not run yet cannot make an assertion pass).
    pub async fn run_jobs(&self) {
        self.app
            .as_ref()
            .expect("the app runs")
            .run_jobs_until_idle()
            .await
            .expect("the jobs became idle");
    }

    /// A verified user inserted directly (no password), with a fresh session token.
    pub fn user(&self, email: &str, instance_admin: bool) -> (User, String) {
        let user = User {
            id: Id::generate(self.clock.now()),
            email: Email::parse(email).unwrap(),
            name: email.split('@').next().unwrap().to_string(),
            password_hash: String::new(),
            instance_admin,
            created_at: self.clock.now(),
            email_verified: true,
            disabled: false,
            session_epoch: 0,
            identities: vec![],
        };
        self.store.users().insert(&user).unwrap();
        let (token, _) = self
            .keys
            .issue(&self.store, &user.id, "127.0.0.1", self.clock.now())
            .unwrap();
        (user, token)
    }

    /// A fresh session for `user` at the clock's time (sessions expire as the clock moves).
    pub fn sign_in(&self, user: &User) -> String {
        let (token, _) = self
            .keys
            .issue(&self.store, &user.id, "127.0.0.1", self.clock.now())
            .unwrap();
        token
    }

    pub fn workspace(&self, name: &str, owner: &User) -> Workspace {
        let ws = Workspace {
            id: Id::generate(self.clock.now()),
            name: name.into(),
            plan: "standard".into(),
            created_at: self.clock.now(),
        };
        self.store.workspaces().create(&ws, &owner.id).unwrap();
        // A postal address for campaign footers: without one no campaign may be sent.
        let mut settings = plaudit::domain::FeedbackSettings::default_for(name);
        settings.postal_address = "1 Test Street, Testville".into();
        self.store
            .campaigns()
            .put_settings(&ws.id, &settings)
            .unwrap();
        ws
    }

    pub fn add(&self, ws: &Workspace, user: &User, role: Role) {
        self.store
            .workspaces()
            .add_member(&ws.id, &user.id, role)
            .unwrap();
    }

    pub fn http(&self) -> reqwest::Client {
        crate::support::http()
    }

    /// The API of this server (see `caller::Api`).
    pub fn api(&self) -> crate::caller::Api {
        crate::caller::Api::new(&self.url)
    }

    /// An active location stored as a fixture (no plan limit, no audit entry).
    pub fn location(&self, ws: &Workspace, n: usize) -> plaudit::domain::Location {
        let loc = plaudit::domain::Location {
            id: Id::generate(self.clock.now()),
            workspace: ws.id,
            name: format!("Shop {n}"),
            address: String::new(),
            timezone: "UTC".into(),
            google_review_url: None,
            facebook_page_url: None,
            archived: false,
            created_at: self.clock.now(),
        };
        self.store
            .locations()
            .save(&loc, u64::MAX, None)
            .unwrap()
            .unwrap();
        loc
    }
}

/// Stores a pending invitation (no email, no audit entry) as a fixture.
pub fn invite(store: &Store, inv: &plaudit::domain::Invitation, link: &plaudit::domain::LinkToken) {
    let new = plaudit::store::NewInvitation {
        invitation: inv,
        link,
        email: None,
        audit: None,
        max_members: u64::MAX,
    };
    store.invitations().create(&new).unwrap().unwrap();
}
