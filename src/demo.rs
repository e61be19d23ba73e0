//! `plaudit serve --demo`: the fake providers started in-process on loopback with a realistic
//! data set, a demo workspace whose Google and Facebook connections are already made, and the
//! real poller filling the inbox. Nothing leaves the machine.

use crate::domain::{Connection, ConnectionStatus, Feed, Id, Location, SyncState, Workspace};
use crate::fakes::FakeProviders;
use crate::sources::token_seal::{Sealer, Secrets};
use crate::store::Store;
use time::OffsetDateTime;

pub const EMAIL: &str = "demo@plaudit.example";

/// What the person trying the demo needs to sign in.
pub struct Demo {
    pub email: String,
    pub password: String,
    pub workspace: Id<Workspace>,
}

/// A demo location with its street address and public review link (so a demo campaign shows
/// customers where to post a review, as a real one must).
fn location(ws: Id<Workspace>, name: &str, tz: &str, now: OffsetDateTime) -> Location {
    let slug = name.to_ascii_lowercase().replace(' ', "-");
    Location {
        id: Id::generate(now),
        workspace: ws,
        name: name.into(),
        address: format!("{name}, 12 Rue de la Paix, 75002 Paris"),
        timezone: tz.into(),
        google_review_url: Some(format!(
            "https://search.google.com/local/writereview?placeid=demo-{slug}"
        )),
        facebook_page_url: Some("https://www.facebook.com/rosasbakery.demo".into()),
        archived: false,
        created_at: now,
    }
}

/// Creates the demo admin, workspace, locations and connections (tokens sealed like real
/// ones), and asks for a first sync.
pub fn install(store: &Store, fake: &FakeProviders, now: OffsetDateTime) -> anyhow::Result<Demo> {
    let (google, facebook) = fake.seed_demo();
    let grant = fake.grant_demo();
    let password = crate::services::passwords::generate_password();
    let admin = crate::services::accounts::create_admin(
        store,
        EMAIL,
        "Demo Admin",
        Some(password.clone()),
        now,
    )
    .map_err(|e| anyhow::anyhow!("creating the demo admin: {e}"))?;
    let ws = Workspace {
        id: Id::generate(now),
        name: "Rosa's Bakery (demo)".into(),
        plan: "standard".into(),
        created_at: now,
    };
    store.workspaces().create(&ws, &admin.user.id)?;
    let mut settings = crate::domain::FeedbackSettings::default_for(&ws.name);
    settings.postal_address = "Rosa's Bakery, 12 Rue de la Paix, 75002 Paris, France".into();
    store.campaigns().put_settings(&ws.id, &settings)?;
    let locs = [
        location(ws.id, "Old Town", "Europe/Paris", now),
        location(ws.id, "Riverside", "Europe/Paris", now),
        location(ws.id, "Station", "Europe/Paris", now),
    ];
    for l in &locs {
        if let Err(refused) = store.locations().save(l, u64::MAX, None)? {
            anyhow::bail!("storing a demo location: {refused:?}");
        }
    }
    let sealer = Sealer::new(&store.meta().instance_secret()?);
    let feed = |external: &str, name: &str, loc: &Location| Feed {
        external_id: external.into(),
        name: name.into(),
        location: loc.id,
        high_water: Default::default(),
        last_full_at: None,
        ratings_off: false,
        error: None,
    };
    let connection = |provider: crate::domain::Provider, account: &str, feeds: Vec<Feed>| {
        let mut sync = SyncState::default();
        sync.request();
        Connection {
            id: Id::generate(now),
            workspace: ws.id,
            provider,
            status: ConnectionStatus::Active,
            account: Some(account.into()),
            sealed: None,
            created_by: Some(admin.user.id),
            created_at: now,
            feeds,
            sync,
        }
    };
    let mut g = connection(
        crate::domain::Provider::Google,
        "rosa@bakery.example",
        google
            .iter()
            .zip(&locs)
            .map(|(name, loc)| feed(name, &loc.name, loc))
            .collect(),
    );
    g.sealed = Some(sealer.seal(
        &ws.id,
        "google",
        &g.id,
        &Secrets {
            refresh_token: Some(grant.google_refresh),
            access_token: Some(grant.google_access),
            access_expires_at: Some(now + time::Duration::minutes(50)),
            page_tokens: Default::default(),
        },
    )?);
    let mut f = connection(
        crate::domain::Provider::Facebook,
        "Rosa Example",
        facebook
            .iter()
            .zip(&locs)
            .map(|(id, loc)| feed(id, &loc.name, loc))
            .collect(),
    );
    f.sealed = Some(sealer.seal(
        &ws.id,
        "facebook",
        &f.id,
        &Secrets {
            refresh_token: None,
            access_token: Some(grant.facebook_user),
            access_expires_at: None,
            page_tokens: grant.facebook_pages.into_iter().collect(),
        },
    )?);
    store.connections().put(&g)?;
    store.connections().put(&f)?;
    for (name, body) in [
        (
            "Thank you (4–5 stars)",
            "Thank you {first_name}! We are so glad you enjoyed {location}. See you soon!",
        ),
        (
            "Sorry (1–3 stars)",
            "Dear {first_name}, we are sorry your visit to {location} fell short. Please call us \
             so we can make it right.",
        ),
    ] {
        store.items().put_template(&crate::domain::ReplyTemplate {
            id: Id::generate(now),
            workspace: ws.id,
            name: name.into(),
            body: body.into(),
            created_at: now,
        })?;
    }
    // Reply drafts on, against the demo's fake model server.
    store.drafts().put_settings(
        &ws.id,
        &crate::domain::DraftSettings {
            enabled: true,
            voice: "Warm and brief, first names, no emojis; sign as Rosa.".into(),
        },
    )?;
    // A showcase set as an agency would start one: the best recent reviews, shown at once.
    store.showcases().put(&crate::domain::Showcase {
        id: Id::generate(now),
        workspace: ws.id,
        name: "Homepage reviews".into(),
        rule: crate::domain::Rule::default(),
        approval: crate::domain::Approval::Automatic,
        pinned: Vec::new(),
        hidden: Vec::new(),
        approved: Vec::new(),
        layout: crate::domain::Layout::Grid,
        theme: crate::domain::Theme::Auto,
        colour: settings.brand_color.clone(),
        allowed_origins: Vec::new(),
        json_ld: false,
        created_at: now,
        updated_at: now,
    })?;
    store.flush_blocking()?;
    Ok(Demo {
        email: EMAIL.into(),
        password,
        workspace: ws.id,
    })
}
