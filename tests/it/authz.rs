//! The authorization table: every API route × every kind of caller gets exactly what the policy
//! allows, and another workspace's ids answer 404 and change nothing.

use crate::inproc::InProc;
use plaudit::Clock;
use plaudit::domain::{
    Access, ApiKey, Author, Connection, ConnectionStatus, Email, Fetched, Id, Invitation, Item,
    Kind, LinkPurpose, LinkToken, Location, Origin, Rating, Role, Scope, SyncState, User,
    Workspace,
};
use plaudit::http::api;
use plaudit::services::{link_secrets, passwords};
use plaudit::store::Destination;
use plaudit::store::PageRequest;
use reqwest::Method;
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Anonymous,
    Viewer,
    Manager,
    Owner,
    OtherOwner,
    Admin,
    Key(Scope),
}

/// What a route needs: nothing, any signed-in person, or access to the workspace in its path.
#[derive(Clone, Copy, Debug)]
enum Need {
    Public,
    Person,
    Anyone,
    InstanceAdmin,
    Ws(Access, bool /* people only, not API keys */),
}

fn need(method: &Method, path: &str) -> Need {
    use Access::*;
    match (method.as_str(), path) {
        (_, "/openapi.json") | (_, "/auth/register") | (_, "/auth/verify") | (_, "/auth/login") => {
            Need::Public
        }
        (_, "/auth/password-reset") | (_, "/auth/password-reset/confirm") => Need::Public,
        (_, "/auth/logout")
        | (_, "/me")
        | (_, "/me/password")
        | (_, "/me/email")
        | (_, "/me/export") => Need::Person,
        (_, "/invitations/accept") | ("POST", "/workspaces") => Need::Person,
        ("GET", "/workspaces") => Need::Anyone,
        (_, "/admin/traffic")
        | (_, "/admin/bans")
        | (_, "/admin/bans/{client}")
        | (_, "/admin/test-email") => Need::InstanceAdmin,
        ("GET", "/workspaces/{ws}") => Need::Ws(Read, false),
        ("PATCH", "/workspaces/{ws}") => Need::Ws(Admin, false),
        ("DELETE", "/workspaces/{ws}") => Need::Ws(Admin, true),
        ("GET", "/workspaces/{ws}/audit") => Need::Ws(Admin, false),
        ("GET", "/workspaces/{ws}/members") | ("GET", "/workspaces/{ws}/invitations") => {
            Need::Ws(Read, false)
        }
        ("POST", "/workspaces/{ws}/members") => Need::Ws(Admin, false),
        (_, "/workspaces/{ws}/members/{user}") | (_, "/workspaces/{ws}/invitations/{id}") => {
            Need::Ws(Admin, false)
        }
        ("GET", "/workspaces/{ws}/api-keys") | ("DELETE", "/workspaces/{ws}/api-keys/{id}") => {
            Need::Ws(Admin, false)
        }
        ("POST", "/workspaces/{ws}/api-keys") => Need::Ws(Admin, true),
        ("POST", "/workspaces/{ws}/privacy/export")
        | ("POST", "/workspaces/{ws}/privacy/erase")
        | ("POST", "/workspaces/{ws}/privacy/restrict")
        | ("POST", "/workspaces/{ws}/privacy/rectify")
        | ("POST", "/workspaces/{ws}/privacy/object")
        | ("POST", "/workspaces/{ws}/privacy/reviewers/export")
        | ("POST", "/workspaces/{ws}/privacy/reviewers/erase")
        | ("POST", "/workspaces/{ws}/privacy/reviewers/restrict")
        | ("GET", "/workspaces/{ws}/export") => Need::Ws(Admin, false),
        ("GET", "/workspaces/{ws}/locations") | ("GET", "/workspaces/{ws}/locations/{loc}") => {
            Need::Ws(Read, false)
        }
        ("POST", "/workspaces/{ws}/locations") | ("PATCH", "/workspaces/{ws}/locations/{loc}") => {
            Need::Ws(Write, false)
        }
        ("GET", "/workspaces/{ws}/connections")
        | ("GET", "/workspaces/{ws}/connections/{id}")
        | ("GET", "/workspaces/{ws}/connections/{id}/remote-locations")
        | ("GET", "/workspaces/{ws}/items")
        | ("GET", "/workspaces/{ws}/items/{id}")
        | ("GET", "/workspaces/{ws}/items/{id}/notes")
        | ("GET", "/workspaces/{ws}/items.csv")
        | ("GET", "/workspaces/{ws}/stats")
        | ("GET", "/workspaces/{ws}/reply-templates")
        | ("GET", "/workspaces/{ws}/contacts")
        | ("GET", "/workspaces/{ws}/campaigns")
        | ("GET", "/workspaces/{ws}/campaigns/{id}")
        | ("GET", "/workspaces/{ws}/campaigns/{id}/preview")
        | ("GET", "/workspaces/{ws}/feedback-settings")
        | ("GET", "/workspaces/{ws}/feedback")
        | ("GET", "/workspaces/{ws}/locations/{loc}/feedback-link")
        | ("GET", "/workspaces/{ws}/showcases")
        | ("GET", "/workspaces/{ws}/showcases/{id}")
        | ("GET", "/workspaces/{ws}/showcases/{id}/entries")
        | ("GET", "/workspaces/{ws}/reply-drafts")
        | ("GET", "/workspaces/{ws}/report-plans")
        | ("GET", "/workspaces/{ws}/report-plans/{id}")
        | ("GET", "/workspaces/{ws}/report-plans/{id}/preview")
        | ("GET", "/workspaces/{ws}/report.pdf")
        | ("GET", "/workspaces/{ws}/branding")
        | ("GET", "/workspaces/{ws}/auto-rules")
        | ("GET", "/workspaces/{ws}/auto-rules/{id}")
        | ("GET", "/workspaces/{ws}/auto-replies") => Need::Ws(Read, false),
        ("POST", "/workspaces/{ws}/auto-rules")
        | ("PUT", "/workspaces/{ws}/auto-rules/{id}")
        | ("DELETE", "/workspaces/{ws}/auto-rules/{id}")
        | ("DELETE", "/workspaces/{ws}/items/{id}/auto-reply") => Need::Ws(Write, false),
        ("POST", "/workspaces/{ws}/report-plans")
        | ("PUT", "/workspaces/{ws}/report-plans/{id}")
        | ("DELETE", "/workspaces/{ws}/report-plans/{id}")
        | ("POST", "/workspaces/{ws}/report-plans/{id}/test")
        | ("PUT", "/workspaces/{ws}/branding") => Need::Ws(Write, false),
        ("PUT", "/workspaces/{ws}/reply-drafts")
        | ("POST", "/workspaces/{ws}/items/{id}/reply-draft") => Need::Ws(Write, false),
        ("POST", "/workspaces/{ws}/showcases")
        | ("DELETE", "/workspaces/{ws}/feedback/{id}")
        | ("PATCH", "/workspaces/{ws}/showcases/{id}")
        | ("DELETE", "/workspaces/{ws}/showcases/{id}")
        | ("POST", "/workspaces/{ws}/showcases/{id}/picks") => Need::Ws(Write, false),
        (_, "/workspaces/{ws}/alerts") => Need::Ws(Read, true),
        ("GET", "/workspaces/{ws}/webhooks") => Need::Ws(Read, false),
        ("POST", "/workspaces/{ws}/webhooks") | ("DELETE", "/workspaces/{ws}/webhooks/{id}") => {
            Need::Ws(Write, false)
        }
        ("POST", "/workspaces/{ws}/connections")
        | ("DELETE", "/workspaces/{ws}/connections/{id}")
        | ("POST", "/workspaces/{ws}/connections/{id}/sync")
        | ("PUT", "/workspaces/{ws}/locations/{loc}/sources")
        | ("POST", "/workspaces/{ws}/items/{id}/reply")
        | ("DELETE", "/workspaces/{ws}/items/{id}/reply")
        | ("PUT", "/workspaces/{ws}/items/{id}/tags")
        | ("PUT", "/workspaces/{ws}/items/{id}/assignee")
        | ("POST", "/workspaces/{ws}/items/{id}/notes")
        | ("POST", "/workspaces/{ws}/items/bulk-reply")
        | ("POST", "/workspaces/{ws}/reply-templates")
        | ("PUT", "/workspaces/{ws}/reply-templates/{id}")
        | ("DELETE", "/workspaces/{ws}/reply-templates/{id}")
        | ("POST", "/workspaces/{ws}/imports/reviews")
        | ("POST", "/workspaces/{ws}/contacts")
        | ("DELETE", "/workspaces/{ws}/contacts/{id}")
        | ("PUT", "/workspaces/{ws}/contacts/{id}/suppressed")
        | ("POST", "/workspaces/{ws}/contacts/import")
        | ("POST", "/workspaces/{ws}/campaigns")
        | ("PUT", "/workspaces/{ws}/campaigns/{id}")
        | ("POST", "/workspaces/{ws}/campaigns/{id}/send")
        | ("POST", "/workspaces/{ws}/campaigns/{id}/pause")
        | ("POST", "/workspaces/{ws}/campaigns/{id}/resume")
        | ("POST", "/workspaces/{ws}/campaigns/{id}/cancel")
        | ("DELETE", "/workspaces/{ws}/campaigns/{id}")
        | ("PUT", "/workspaces/{ws}/feedback-settings") => Need::Ws(Write, false),
        other => {
            panic!("route {other:?} is missing from the authorization table: add its policy here")
        }
    }
}

/// The status the policy prescribes, or None when the call must succeed.
fn expected(need: Need, who: Who) -> Option<u16> {
    let person = !matches!(who, Who::Key(_));
    match (need, who) {
        (Need::Public, _) => None,
        (_, Who::Anonymous) => Some(401),
        (Need::Person, _) => (!person).then_some(403),
        (Need::Anyone, _) => None,
        (Need::InstanceAdmin, Who::Admin) => None,
        (Need::InstanceAdmin, _) => Some(403),
        (Need::Ws(_, _), Who::OtherOwner) => Some(404),
        (Need::Ws(_, true), Who::Key(_)) => Some(403),
        (Need::Ws(access, _), Who::Key(scope)) => (!scope.grants(access)).then_some(403),
        (Need::Ws(_, _), Who::Admin | Who::Owner) => None,
        (Need::Ws(access, _), Who::Manager) => (!Role::Manager.allows(access)).then_some(403),
        (Need::Ws(access, _), Who::Viewer) => (!Role::Viewer.allows(access)).then_some(403),
    }
}

struct World {
    h: InProc,
    ws: Workspace,
    other_ws: Workspace,
    tokens: Vec<(Who, Option<String>, Option<User>)>,
}

fn fixture_entry(h: &InProc) -> plaudit::domain::AuditEntry {
    plaudit::domain::AuditEntry {
        at: h.clock.now(),
        actor: "system".into(),
        actor_label: "fixture".into(),
        action: "api_key.created".into(),
        target: String::new(),
        ip: String::new(),
    }
}

fn key(h: &InProc, ws: &Workspace, creator: &User, scope: Scope) -> String {
    let secret = link_secrets::new_token();
    let key = ApiKey {
        id: Id::generate(h.clock.now()),
        workspace: ws.id,
        name: format!("{scope:?}"),
        scopes: vec![scope],
        secret_hash: link_secrets::hash(&secret),
        created_by: creator.id,
        created_at: h.clock.now(),
        last_used_at: None,
    };
    h.store
        .access()
        .put_api_key(&key, Some(&fixture_entry(h)))
        .unwrap();
    format!("plk_{}_{secret}", key.id)
}

async fn world() -> World {
    let h = InProc::start(|c| {
        // Every call adds fixtures to workspace A: lift the plan limits out of the way.
        let plan = c.plans.get_mut("standard").unwrap();
        plan.max_members = 100_000;
        plan.max_locations = 100_000;
        // Starting a connection only builds the provider's URL: no network needed.
        c.providers.google.client_id = Some("authz-client".into());
        c.providers.google.client_secret = Some(plaudit::config::Secret::new("authz-secret"));
        c.poller.enabled = false;
    })
    .await;
    let (owner, owner_t) = h.user("owner@a.example.com", false);
    let (manager, manager_t) = h.user("manager@a.example.com", false);
    let (viewer, viewer_t) = h.user("viewer@a.example.com", false);
    let (other, other_t) = h.user("owner@b.example.com", false);
    let (admin, admin_t) = h.user("admin@example.com", true);
    let ws = h.workspace("A", &owner);
    h.add(&ws, &manager, Role::Manager);
    h.add(&ws, &viewer, Role::Viewer);
    let other_ws = h.workspace("B", &other);
    let tokens = vec![
        (Who::Anonymous, None, None),
        (Who::Viewer, Some(viewer_t), Some(viewer)),
        (Who::Manager, Some(manager_t), Some(manager)),
        (Who::Owner, Some(owner_t), Some(owner.clone())),
        (Who::OtherOwner, Some(other_t), Some(other)),
        (Who::Admin, Some(admin_t), Some(admin)),
        (
            Who::Key(Scope::Read),
            Some(key(&h, &ws, &owner, Scope::Read)),
            None,
        ),
        (
            Who::Key(Scope::Write),
            Some(key(&h, &ws, &owner, Scope::Write)),
            None,
        ),
        (
            Who::Key(Scope::Admin),
            Some(key(&h, &ws, &owner, Scope::Admin)),
            None,
        ),
    ];
    World {
        h,
        ws,
        other_ws,
        tokens,
    }
}

/// A connection (no tokens: it never reached a provider) and an item it fed, in `ws`.
fn connection_and_item(w: &World, loc: &Location, n: usize) -> (Id<Connection>, Id<Item>) {
    let now = w.h.clock.now();
    let conn = Connection {
        id: Id::generate(now),
        workspace: w.ws.id,
        provider: plaudit::domain::Provider::Google,
        status: ConnectionStatus::Active,
        account: None,
        sealed: None,
        created_by: None,
        created_at: now,
        feeds: Vec::new(),
        sync: SyncState::default(),
    };
    w.h.store.connections().put(&conn).unwrap();
    let fetched = Fetched {
        kind: Kind::Review,
        external_id: format!("accounts/1/locations/2/reviews/r{n}"),
        parent_external_id: None,
        author: Author::default(),
        rating: Some(Rating::Stars(4)),
        text: "Nice".into(),
        link: None,
        created_at: now,
        updated_at: now,
        reply: None,
        reply_authoritative: true,
    };
    let dest = Destination {
        workspace: w.ws.id,
        location: loc.id,
        origin: Origin::Google,
        feed: "accounts/1/locations/2",
        connection: Some(conn.id),
        alert: false,
    };
    w.h.store.items().ingest(&dest, &[fetched], now).unwrap();
    let item =
        w.h.store
            .items()
            .by_external(
                &w.ws.id,
                Origin::Google,
                dest.feed,
                &format!("accounts/1/locations/2/reviews/r{n}"),
                plaudit::store::Items::EVER,
            )
            .unwrap()
            .unwrap();
    (conn.id, item.id)
}

/// A webhook of workspace A.
fn webhook(w: &World, n: usize) -> Id<plaudit::domain::Webhook> {
    let hook = plaudit::domain::Webhook {
        id: Id::generate(w.h.clock.now()),
        workspace: w.ws.id,
        url: format!("https://hooks.example.com/{n}"),
        format: plaudit::domain::WebhookFormat::Json,
        secret: "whsec_fixture".into(),
        created_at: w.h.clock.now(),
    };
    w.h.store.alerts().put_webhook(&hook).unwrap();
    hook.id
}

/// An answer through a location's public link in workspace A.
fn answer(w: &World, n: usize) -> Id<plaudit::domain::Feedback> {
    let now = w.h.clock.now();
    let f = plaudit::domain::Feedback {
        id: Id::generate(now),
        workspace: w.ws.id,
        campaign: None,
        contact: None,
        via: plaudit::domain::FeedbackVia::Link,
        name: format!("Guest {n}"),
        location: None,
        scale: plaudit::domain::ScoreScale::Stars,
        score: 4,
        comment: "Nice".into(),
        at: now,
        publish_consent: None,
    };
    w.h.store.campaigns().put_feedback(&f).unwrap();
    f.id
}

/// A showcase set of workspace A.
fn showcase(w: &World, n: usize) -> Id<plaudit::domain::Showcase> {
    let now = w.h.clock.now();
    let set = plaudit::domain::Showcase {
        id: Id::generate(now),
        workspace: w.ws.id,
        name: format!("Set {n}"),
        rule: plaudit::domain::Rule::default(),
        approval: plaudit::domain::Approval::Automatic,
        pinned: Vec::new(),
        hidden: Vec::new(),
        approved: Vec::new(),
        layout: plaudit::domain::Layout::List,
        theme: plaudit::domain::Theme::Auto,
        colour: "#1f6feb".into(),
        allowed_origins: Vec::new(),
        json_ld: false,
        created_at: now,
        updated_at: now,
    };
    w.h.store.showcases().put(&set).unwrap();
    set.id
}

/// A scheduled client report of workspace A, sent to one client address.
fn report_plan(w: &World, n: usize) -> Id<plaudit::domain::ReportPlan> {
    use plaudit::domain::{Cadence, RecipientTo, ReportPeriod, ReportPlan, ReportRecipient};
    let now = w.h.clock.now();
    let plan = ReportPlan {
        id: Id::generate(now),
        name: format!("Report {n}"),
        recipients: vec![ReportRecipient {
            id: Id::generate(now),
            to: RecipientTo::Email(Email::parse(&format!("client{n}@example.net")).unwrap()),
            unsubscribed_at: None,
        }],
        cadence: Cadence::Monthly { day: 1 },
        hour: 8,
        zone: "UTC".into(),
        locations: Vec::new(),
        period: ReportPeriod::PreviousMonth,
        enabled: true,
        next_at: now + time::Duration::days(30),
        last_sent_at: None,
        created_at: now,
    };
    w.h.store.reports().put_plan(&w.ws.id, &plan).unwrap();
    plan.id
}

/// An auto-response rule of workspace A sending `tpl`.
fn auto_rule(
    w: &World,
    n: usize,
    tpl: &Id<plaudit::domain::ReplyTemplate>,
) -> Id<plaudit::domain::AutoRule> {
    let now = w.h.clock.now();
    let rule = plaudit::domain::AutoRule {
        id: Id::generate(now),
        name: format!("Rule {n}"),
        stars: vec![5],
        template: *tpl,
        delay_minutes: 60,
        locations: Vec::new(),
        enabled: true,
        created_at: now,
    };
    w.h.store.auto_replies().put_rule(&w.ws.id, &rule).unwrap();
    rule.id
}

fn contact(w: &World, n: usize) -> Id<plaudit::domain::Contact> {
    let c = plaudit::domain::Contact {
        id: Id::generate(w.h.clock.now()),
        workspace: w.ws.id,
        email: plaudit::domain::Email::parse(&format!("fixture{n}@example.net")).unwrap(),
        name: format!("Fixture {n}"),
        location: None,
        source: "fixture".into(),
        consent: Default::default(),
        created_at: w.h.clock.now(),
        last_asked_at: None,
        restricted: false,

        last_answered_at: None,

        last_campaign: None,
    };
    w.h.store.contacts().upsert(c).unwrap().0.id
}

/// A campaign in the state the route can act on: draft, or scheduled far ahead (pause), or paused.
fn campaign(w: &World, n: usize, path: &str) -> Id<plaudit::domain::Campaign> {
    use plaudit::domain::CampaignStatus;
    let now = w.h.clock.now();
    let status = if path.ends_with("/pause") {
        CampaignStatus::Scheduled
    } else if path.ends_with("/resume") {
        CampaignStatus::Paused
    } else if path.ends_with("/cancel") {
        CampaignStatus::Scheduled
    } else {
        CampaignStatus::Draft
    };
    let c = plaudit::domain::Campaign {
        id: Id::generate(now),
        workspace: w.ws.id,
        name: format!("Fixture {n}"),
        location: None,
        message: plaudit::domain::parse_message("Hi", "{feedback_link}", None).unwrap(),
        audience: Default::default(),
        reminder_days: None,
        daily_cap: None,
        status,
        send_at: Some(now + time::Duration::days(365)),
        cursor: None,
        reminder_cursor: None,
        sent_on_day: (0, 0),
        created_at: now,
        first_pass_done_at: None,
        capped: 0,
    };
    w.h.store.campaigns().put(&c).unwrap();
    c.id
}

/// Fresh objects for one call, so every call can succeed on its own.
fn fixtures(w: &World, n: usize) -> (Id<User>, Id<Invitation>, Id<ApiKey>, Id<Location>, Location) {
    let h = &w.h;
    let now = h.clock.now();
    let spare = h.user(&format!("spare{n}@a.example.com"), false).0;
    h.add(&w.ws, &spare, Role::Viewer);
    let loc = Location {
        id: Id::generate(now),
        workspace: w.ws.id,
        name: format!("Shop {n}"),
        address: String::new(),
        timezone: "UTC".into(),
        google_review_url: None,
        facebook_page_url: None,
        archived: false,
        created_at: now,
    };
    h.store
        .locations()
        .save(&loc, u64::MAX, None)
        .unwrap()
        .unwrap();
    let inv = Invitation {
        id: Id::generate(now),
        workspace: w.ws.id,
        email: Email::parse(&format!("inv{n}@x.example.com")).unwrap(),
        role: Role::Viewer,
        invited_by: Some(spare.id),
        created_at: now,
        expires_at: now + time::Duration::days(1),
        token_hash: link_secrets::hash(&format!("t{n}")),
    };
    let link = LinkToken {
        purpose: LinkPurpose::Invitation {
            workspace: w.ws.id,
            invitation: inv.id,
        },
        expires_at: inv.expires_at,
    };
    crate::inproc::invite(&h.store, &inv, &link);
    let key_id: Id<ApiKey> = key(h, &w.ws, &spare, Scope::Read)
        .split('_')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    (spare.id, inv.id, key_id, loc.id, loc)
}

/// A reply template of workspace A.
fn template(w: &World, n: usize) -> Id<plaudit::domain::ReplyTemplate> {
    let t = plaudit::domain::ReplyTemplate {
        id: Id::generate(w.h.clock.now()),
        workspace: w.ws.id,
        name: format!("Template {n}"),
        body: "Thank you {first_name}!".into(),
        created_at: w.h.clock.now(),
    };
    w.h.store.items().put_template(&t).unwrap();
    t.id
}

fn body(
    method: &Method,
    path: &str,
    n: usize,
    conn: &Id<Connection>,
    item: &Id<Item>,
    tpl: &Id<plaudit::domain::ReplyTemplate>,
) -> Option<Value> {
    Some(match (method.as_str(), path) {
        ("PATCH", "/me") => json!({"name": "New Name"}),
        ("POST", "/me/email") => {
            json!({"password": "the password 123", "new_email": format!("new{n}@example.com")})
        }
        ("POST", "/me/password") => {
            json!({"current_password": "the password 123", "new_password": "another password 456"})
        }
        ("DELETE", "/me") => json!({"password": "the password 123"}),
        ("POST", "/invitations/accept") => json!({"token": format!("me{n}")}),
        ("POST", "/workspaces") => json!({"name": "Fresh"}),
        ("PATCH", "/workspaces/{ws}") => json!({"name": "A"}),
        ("POST", "/workspaces/{ws}/members") => {
            json!({"email": format!("invitee{n}@example.com"), "role": "viewer"})
        }
        ("PATCH", "/workspaces/{ws}/members/{user}") => json!({"role": "manager"}),
        ("POST", "/workspaces/{ws}/api-keys") => json!({"name": "ci", "scopes": ["read"]}),
        ("POST", "/workspaces/{ws}/locations") => {
            json!({"name": "New shop", "timezone": "Europe/Paris"})
        }
        ("PATCH", "/workspaces/{ws}/locations/{loc}") => json!({"name": "Renamed shop"}),
        ("POST", "/workspaces/{ws}/connections") => json!({"provider": "google"}),
        ("PUT", "/workspaces/{ws}/locations/{loc}/sources") => {
            json!({"connection_id": conn.to_string(), "external_id": "accounts/1/locations/2"})
        }
        ("POST", "/workspaces/{ws}/items/{id}/reply") => json!({"text": "Thank you!"}),
        ("PUT", "/workspaces/{ws}/items/{id}/tags") => json!({"tags": ["vip"]}),
        ("PUT", "/workspaces/{ws}/items/{id}/assignee") => json!({"user": null}),
        ("POST", "/workspaces/{ws}/items/{id}/notes") => json!({"text": "Call them back"}),
        ("POST", "/workspaces/{ws}/items/bulk-reply") => {
            json!({"items": [item.to_string()], "template": tpl.to_string()})
        }
        ("POST", "/workspaces/{ws}/reply-templates")
        | ("PUT", "/workspaces/{ws}/reply-templates/{id}") => {
            json!({"name": format!("T{n}"), "body": "Thanks {first_name}"})
        }
        ("PUT", "/workspaces/{ws}/alerts") => json!({"mode": "daily", "max_rating": 3}),
        ("POST", "/workspaces/{ws}/contacts") => {
            json!([{"email": format!("buyer{n}@example.net"), "name": "Buyer"}])
        }
        ("PUT", "/workspaces/{ws}/contacts/{id}/suppressed") => json!({"suppressed": true}),
        ("POST", "/workspaces/{ws}/campaigns") | ("PUT", "/workspaces/{ws}/campaigns/{id}") => {
            json!({"name": format!("Campaign {n}")})
        }
        ("PUT", "/workspaces/{ws}/feedback-settings") => json!({
            "sender_name": "Shop", "subject": "How was it?", "body_text": "{feedback_link}",
            "brand_color": "#336699", "scale": "stars"}),
        ("POST", "/admin/test-email") => json!({"to": "admin@example.com"}),
        ("POST", "/workspaces/{ws}/privacy/export")
        | ("POST", "/workspaces/{ws}/privacy/erase")
        | ("POST", "/workspaces/{ws}/privacy/restrict")
        | ("POST", "/workspaces/{ws}/privacy/object") => {
            json!({"email": format!("subject{n}@example.net")})
        }
        ("POST", "/workspaces/{ws}/privacy/rectify") => {
            json!({"email": format!("subject{n}@example.net"), "name": "Right Name"})
        }
        ("POST", "/workspaces/{ws}/privacy/reviewers/export")
        | ("POST", "/workspaces/{ws}/privacy/reviewers/erase")
        | ("POST", "/workspaces/{ws}/privacy/reviewers/restrict") => {
            json!({"name": format!("Reviewer {n}")})
        }
        ("POST", "/workspaces/{ws}/webhooks") => json!({"url": "https://hooks.example.com/in"}),
        ("POST", "/workspaces/{ws}/showcases") => json!({"name": format!("Set {n}")}),
        ("PUT", "/workspaces/{ws}/reply-drafts") => json!({"enabled": false, "voice": "Warm."}),
        ("POST", "/workspaces/{ws}/report-plans")
        | ("PUT", "/workspaces/{ws}/report-plans/{id}") => {
            json!({"name": format!("Report {n}"), "emails": [format!("client{n}@example.net")],
                "every": "month", "day": 1})
        }
        ("PUT", "/workspaces/{ws}/branding") => {
            json!({"agency_name": "North", "primary": "#123456"})
        }
        ("POST", "/workspaces/{ws}/auto-rules") | ("PUT", "/workspaces/{ws}/auto-rules/{id}") => {
            json!({"name": format!("Rule {n}"), "stars": [5], "template": tpl.to_string()})
        }
        ("PATCH", "/workspaces/{ws}/showcases/{id}") => json!({"min_stars": 3, "layout": "grid"}),
        ("POST", "/workspaces/{ws}/showcases/{id}/picks") => {
            json!({"pick": format!("item:{item}"), "action": "hide"})
        }
        _ => return None,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_times_every_caller_gets_what_the_policy_allows() {
    let w = world().await;
    let client = w.h.http();
    let mut n = 0;
    let mut checked = 0;
    for route in api::routes() {
        let method = Method::from_bytes(route.method.as_str().as_bytes()).unwrap();
        let need = need(&method, route.path);
        if matches!(need, Need::Public) {
            continue;
        }
        for (who, token, user) in &w.tokens {
            n += 1;
            let (spare, inv, key_id, loc, location) = fixtures(&w, n);
            let (conn, item) = connection_and_item(&w, &location, n);
            let tpl = if route.path.contains("reply-templates/")
                || route.path.contains("bulk-reply")
                || route.path.contains("auto-rules")
            {
                template(&w, n)
            } else {
                Id::generate(w.h.clock.now())
            };
            let mut ws = w.ws.id;
            let mut token = token.clone();
            // Calls that use up their caller get a fresh one of the same kind.
            let fresh_person = matches!(
                route.path,
                "/me" | "/me/password" | "/me/email" | "/auth/logout" | "/invitations/accept"
            );
            if fresh_person && user.is_some() {
                let email = format!("fresh{n}@example.com");
                let (mut u, _) = w.h.user(&email, *who == Who::Admin);
                u.password_hash = passwords::hash_password(
                    &plaudit::domain::Password::parse("the password 123".into()).unwrap(),
                )
                .unwrap();
                w.h.store.users().put(&u).unwrap();
                let t =
                    w.h.keys
                        .issue(&w.h.store, &u.id, "127.0.0.1", w.h.clock.now())
                        .unwrap()
                        .0;
                // An invitation addressed to this person, for /invitations/accept.
                let inv = Invitation {
                    id: Id::generate(w.h.clock.now()),
                    workspace: w.ws.id,
                    email: u.email.clone(),
                    role: Role::Viewer,
                    invited_by: Some(u.id),
                    created_at: w.h.clock.now(),
                    expires_at: w.h.clock.now() + time::Duration::days(1),
                    token_hash: link_secrets::hash(&format!("me{n}")),
                };
                let link = LinkToken {
                    purpose: LinkPurpose::Invitation {
                        workspace: w.ws.id,
                        invitation: inv.id,
                    },
                    expires_at: inv.expires_at,
                };
                crate::inproc::invite(&w.h.store, &inv, &link);
                token = Some(t);
            }
            if route.path == "/workspaces/{ws}"
                && method == Method::DELETE
                && expected(need, *who).is_none()
            {
                // Deleting is allowed: delete a fresh workspace set up like A instead of A itself.
                let owner = w
                    .tokens
                    .iter()
                    .find(|t| t.0 == Who::Owner)
                    .unwrap()
                    .2
                    .clone()
                    .unwrap();
                let fresh = w.h.workspace("to delete", &owner);
                ws = fresh.id;
            }
            let path = route
                .path
                .replace("{ws}", &ws.to_string())
                .replace("{user}", &spare.to_string())
                .replace(
                    "{id}",
                    &if route.path.contains("api-keys") {
                        key_id.to_string()
                    } else if route.path.contains("/connections/") {
                        conn.to_string()
                    } else if route.path.contains("/reply-templates/") {
                        tpl.to_string()
                    } else if route.path.contains("/items/") {
                        item.to_string()
                    } else if route.path.contains("/webhooks/") {
                        webhook(&w, n).to_string()
                    } else if route.path.contains("/contacts/") {
                        contact(&w, n).to_string()
                    } else if route.path.contains("/showcases/") {
                        showcase(&w, n).to_string()
                    } else if route.path.contains("/feedback/") {
                        answer(&w, n).to_string()
                    } else if route.path.contains("/report-plans/") {
                        report_plan(&w, n).to_string()
                    } else if route.path.contains("/auto-rules/") {
                        auto_rule(&w, n, &tpl).to_string()
                    } else if route.path.contains("/campaigns/") {
                        campaign(&w, n, route.path).to_string()
                    } else {
                        inv.to_string()
                    },
                )
                .replace("{loc}", &loc.to_string())
                .replace("{client}", "192.0.2.99");
            let mut req = client.request(method.clone(), format!("{}/api/v1{path}", w.h.url));
            if let Some(t) = &token {
                req = req.bearer_auth(t);
            }
            if let Some(b) = body(&method, route.path, n, &conn, &item, &tpl) {
                req = req.json(&b);
            }
            if route.path.ends_with("/contacts/import") {
                let csv = format!("email,name\ncsv{n}@example.net,From CSV\n");
                req = req.header("content-type", "text/csv").body(csv);
            }
            if route.path.ends_with("/imports/reviews") {
                let csv = format!(
                    "location,text,created_at\n{},Lovely,2026-01-0{}\n",
                    location.name,
                    n % 9 + 1
                );
                req = req.header("content-type", "text/csv").body(csv);
            }
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap();
            // Lifting a ban nobody has: past authorization, the answer is "no such ban".
            let expect = match (route.path, expected(need, *who)) {
                ("/admin/bans/{client}", None) => Some(404),
                // Past authorization: a key is nobody to send a test report to.
                ("/workspaces/{ws}/report-plans/{id}/test", None) if matches!(who, Who::Key(_)) => {
                    Some(422)
                }
                // Past authorization: the fixture's locations have no public review link.
                ("/workspaces/{ws}/campaigns/{id}/send", None) => Some(409),
                // Past authorization: this instance has no model server for drafts.
                ("/workspaces/{ws}/items/{id}/reply-draft", None) => Some(409),
                // Past authorization: no automatic reply is queued for the item.
                ("/workspaces/{ws}/items/{id}/auto-reply", None) => Some(404),
                // Past authorization: this instance has no relay to test.
                ("/admin/test-email", None) => Some(409),
                // Past authorization: no contact has this made-up address to correct.
                ("/workspaces/{ws}/privacy/rectify", None) => Some(422),
                // Past authorization: the item has no reply to delete.
                ("/workspaces/{ws}/items/{id}/reply", None) if method == Method::DELETE => {
                    Some(409)
                }
                // Past authorization, a connection that never got tokens needs reconnecting.
                ("/workspaces/{ws}/connections/{id}/remote-locations", None) => Some(409),
                (_, e) => e,
            };
            match expect {
                Some(code) => assert_eq!(
                    status, code,
                    "{} {} as {who:?}: {text}",
                    route.method, route.path
                ),
                None => assert!(
                    (200..300).contains(&status),
                    "{} {} as {who:?} must succeed, got {status}: {text}",
                    route.method,
                    route.path
                ),
            }
            checked += 1;
        }
    }
    assert!(checked > 150, "only {checked} calls checked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_workspaces_ids_answer_404_and_change_nothing() {
    let w = world().await;
    let client = w.h.http();
    let (spare, inv, key_id, loc, loc_before) = fixtures(&w, 0);
    let (conn, item) = connection_and_item(&w, &loc_before, 0);
    let hook = webhook(&w, 0);
    let contact_id = contact(&w, 0);
    let campaign_id = campaign(&w, 0, "");
    let set = showcase(&w, 0);
    let guest_answer = answer(&w, 0);
    let set_before = w.h.store.showcases().get(&w.ws.id, &set).unwrap();
    let plan = report_plan(&w, 0);
    let plan_before = w.h.store.reports().plan(&w.ws.id, &plan).unwrap();
    let rule_tpl = template(&w, 0);
    let rule = auto_rule(&w, 0, &rule_tpl);
    let rule_before = w.h.store.auto_replies().rule(&w.ws.id, &rule).unwrap();
    let other_t = w
        .tokens
        .iter()
        .find(|t| t.0 == Who::OtherOwner)
        .unwrap()
        .1
        .clone()
        .unwrap();
    let members_before =
        w.h.store
            .workspaces()
            .members(&w.ws.id, &PageRequest::first(200))
            .unwrap();
    let keys_before =
        w.h.store
            .access()
            .api_keys(&w.ws.id, &PageRequest::first(200))
            .unwrap()
            .items
            .len();
    let settings_before = w.h.store.campaigns().settings(&w.ws.id).unwrap();
    let ws = w.ws.id;
    let calls: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/workspaces/{ws}"), None),
        (
            Method::PATCH,
            format!("/workspaces/{ws}"),
            Some(json!({"name": "pwned"})),
        ),
        (Method::DELETE, format!("/workspaces/{ws}"), None),
        (Method::GET, format!("/workspaces/{ws}/members"), None),
        (
            Method::POST,
            format!("/workspaces/{ws}/members"),
            Some(json!({"email": "x@evil.example.com", "role": "owner"})),
        ),
        (
            Method::PATCH,
            format!("/workspaces/{ws}/members/{spare}"),
            Some(json!({"role": "owner"})),
        ),
        (
            Method::DELETE,
            format!("/workspaces/{ws}/members/{spare}"),
            None,
        ),
        (
            Method::DELETE,
            format!("/workspaces/{ws}/invitations/{inv}"),
            None,
        ),
        (Method::GET, format!("/workspaces/{ws}/api-keys"), None),
        (
            Method::POST,
            format!("/workspaces/{ws}/api-keys"),
            Some(json!({"name": "x", "scopes": ["admin"]})),
        ),
        (
            Method::DELETE,
            format!("/workspaces/{ws}/api-keys/{key_id}"),
            None,
        ),
        (
            Method::GET,
            format!("/workspaces/{ws}/locations/{loc}"),
            None,
        ),
        (
            Method::PATCH,
            format!("/workspaces/{ws}/locations/{loc}"),
            Some(json!({"name": "pwned", "archived": true})),
        ),
        (Method::GET, format!("/workspaces/{ws}/audit"), None),
        // A's objects addressed through B's own workspace id.
        (
            Method::GET,
            format!("/workspaces/{}/locations/{loc}", w.other_ws.id),
            None,
        ),
        (
            Method::DELETE,
            format!("/workspaces/{}/api-keys/{key_id}", w.other_ws.id),
            None,
        ),
        (
            Method::DELETE,
            format!("/workspaces/{}/invitations/{inv}", w.other_ws.id),
            None,
        ),
        (
            Method::PATCH,
            format!("/workspaces/{}/members/{spare}", w.other_ws.id),
            Some(json!({"role": "owner"})),
        ),
        (
            Method::GET,
            format!("/workspaces/{ws}/connections/{conn}"),
            None,
        ),
        (
            Method::DELETE,
            format!("/workspaces/{ws}/connections/{conn}"),
            None,
        ),
        (
            Method::POST,
            format!("/workspaces/{ws}/connections/{conn}/sync"),
            None,
        ),
        (Method::GET, format!("/workspaces/{ws}/items/{item}"), None),
        (Method::GET, format!("/workspaces/{ws}/webhooks"), None),
        (
            Method::DELETE,
            format!("/workspaces/{ws}/webhooks/{hook}"),
            None,
        ),
        (
            Method::DELETE,
            format!("/workspaces/{}/webhooks/{hook}", w.other_ws.id),
            None,
        ),
        (Method::GET, format!("/workspaces/{ws}/alerts"), None),
        (
            Method::POST,
            format!("/workspaces/{ws}/items/{item}/reply"),
            Some(json!({"text": "pwned"})),
        ),
        (
            Method::PUT,
            format!("/workspaces/{ws}/locations/{loc}/sources"),
            Some(
                json!({"connection_id": conn.to_string(), "external_id": "accounts/6/locations/6"}),
            ),
        ),
        (
            Method::GET,
            format!("/workspaces/{}/connections/{conn}", w.other_ws.id),
            None,
        ),
        (
            Method::DELETE,
            format!("/workspaces/{}/connections/{conn}", w.other_ws.id),
            None,
        ),
        (
            Method::GET,
            format!("/workspaces/{}/items/{item}", w.other_ws.id),
            None,
        ),
        (
            Method::POST,
            format!("/workspaces/{}/items/{item}/reply", w.other_ws.id),
            Some(json!({"text": "pwned"})),
        ),
        (Method::GET, format!("/workspaces/{ws}/contacts"), None),
        (
            Method::POST,
            format!("/workspaces/{ws}/contacts"),
            Some(json!([{"email": "planted@evil.example.com"}])),
        ),
        (
            Method::DELETE,
            format!("/workspaces/{ws}/contacts/{contact_id}"),
            None,
        ),
        (
            Method::DELETE,
            format!("/workspaces/{}/contacts/{contact_id}", w.other_ws.id),
            None,
        ),
        (
            Method::PUT,
            format!(
                "/workspaces/{}/contacts/{contact_id}/suppressed",
                w.other_ws.id
            ),
            Some(json!({"suppressed": true})),
        ),
        (
            Method::GET,
            format!("/workspaces/{ws}/campaigns/{campaign_id}"),
            None,
        ),
        (
            Method::GET,
            format!("/workspaces/{}/campaigns/{campaign_id}", w.other_ws.id),
            None,
        ),
        (
            Method::POST,
            format!("/workspaces/{}/campaigns/{campaign_id}/send", w.other_ws.id),
            None,
        ),
        (
            Method::PUT,
            format!("/workspaces/{}/campaigns/{campaign_id}", w.other_ws.id),
            Some(json!({"name": "pwned"})),
        ),
        (Method::GET, format!("/workspaces/{ws}/feedback"), None),
        (
            Method::GET,
            format!("/workspaces/{ws}/showcases/{set}"),
            None,
        ),
        (
            Method::DELETE,
            format!("/workspaces/{}/feedback/{guest_answer}", w.other_ws.id),
            None,
        ),
        (
            Method::PATCH,
            format!("/workspaces/{ws}/showcases/{set}"),
            Some(json!({"name": "pwned"})),
        ),
        (
            Method::POST,
            format!("/workspaces/{}/showcases/{set}/picks", w.other_ws.id),
            Some(json!({"pick": format!("item:{item}"), "action": "pin"})),
        ),
        (
            Method::DELETE,
            format!("/workspaces/{}/showcases/{set}", w.other_ws.id),
            None,
        ),
        (
            Method::GET,
            format!(
                "/workspaces/{}/locations/{loc}/feedback-link",
                w.other_ws.id
            ),
            None,
        ),
        (
            Method::PUT,
            format!("/workspaces/{ws}/feedback-settings"),
            Some(
                json!({"sender_name": "pwned", "subject": "x", "body_text": "x", "brand_color": "#000000", "scale": "stars"}),
            ),
        ),
        // A's client report, through A's id and through B's own workspace.
        (
            Method::GET,
            format!("/workspaces/{ws}/report-plans/{plan}"),
            None,
        ),
        (Method::GET, format!("/workspaces/{ws}/report.pdf"), None),
        (
            Method::PUT,
            format!("/workspaces/{ws}/branding"),
            Some(json!({"agency_name": "pwned"})),
        ),
        (
            Method::PUT,
            format!("/workspaces/{}/report-plans/{plan}", w.other_ws.id),
            Some(
                json!({"name": "pwned", "emails": ["evil@example.net"], "every": "week", "day": 1}),
            ),
        ),
        (
            Method::DELETE,
            format!("/workspaces/{}/report-plans/{plan}", w.other_ws.id),
            None,
        ),
        (
            Method::POST,
            format!("/workspaces/{}/report-plans/{plan}/test", w.other_ws.id),
            Some(json!({})),
        ),
        (
            Method::GET,
            format!("/workspaces/{}/report-plans/{plan}/preview", w.other_ws.id),
            None,
        ),
        // A's auto-response rule and queue, through A's id and through B's own workspace.
        (Method::GET, format!("/workspaces/{ws}/auto-rules"), None),
        (Method::GET, format!("/workspaces/{ws}/auto-replies"), None),
        (
            Method::GET,
            format!("/workspaces/{}/auto-rules/{rule}", w.other_ws.id),
            None,
        ),
        (
            Method::PUT,
            format!("/workspaces/{}/auto-rules/{rule}", w.other_ws.id),
            Some(json!({"name": "pwned", "stars": [1], "template": rule_tpl.to_string()})),
        ),
        (
            Method::DELETE,
            format!("/workspaces/{}/auto-rules/{rule}", w.other_ws.id),
            None,
        ),
        (
            Method::DELETE,
            format!("/workspaces/{ws}/items/{item}/auto-reply"),
            None,
        ),
    ];
    for (method, path, body) in calls {
        let mut req = client
            .request(method.clone(), format!("{}/api/v1{path}", w.h.url))
            .bearer_auth(&other_t);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 404, "{method} {path}");
    }
    assert_eq!(w.h.store.workspaces().get(&ws).unwrap().unwrap().name, "A");
    assert_eq!(
        w.h.store.reports().plan(&ws, &plan).unwrap(),
        plan_before,
        "report plan untouched"
    );
    assert_eq!(
        w.h.store.auto_replies().rule(&ws, &rule).unwrap(),
        rule_before,
        "auto-response rule untouched"
    );
    assert_eq!(
        w.h.store.reports().branding(&ws).unwrap(),
        Default::default(),
        "branding untouched"
    );
    assert_eq!(
        w.h.store.showcases().get(&ws, &set).unwrap(),
        set_before,
        "showcase untouched"
    );
    assert!(
        w.h.store
            .campaigns()
            .feedback(&ws, &guest_answer)
            .unwrap()
            .is_some(),
        "answer kept"
    );
    assert!(
        w.h.store
            .contacts()
            .get(&ws, &contact_id)
            .unwrap()
            .is_some()
    );
    let planted = plaudit::domain::Email::parse("planted@evil.example.com").unwrap();
    assert!(
        w.h.store
            .contacts()
            .by_email(&ws, &planted)
            .unwrap()
            .is_none()
    );
    let fixture = plaudit::domain::Email::parse("fixture0@example.net").unwrap();
    assert!(
        w.h.store
            .contacts()
            .suppression(&ws, &fixture)
            .unwrap()
            .is_none()
    );
    let c =
        w.h.store
            .campaigns()
            .get(&ws, &campaign_id)
            .unwrap()
            .unwrap();
    assert_eq!((c.name.as_str(), c.status.name()), ("Fixture 0", "draft"));
    assert_eq!(
        w.h.store.campaigns().settings(&ws).unwrap(),
        settings_before,
        "feedback settings untouched"
    );
    let c = w.h.store.connections().get(&ws, &conn).unwrap().unwrap();
    assert!(
        c.feeds.is_empty() && !c.sync.requested,
        "connection untouched"
    );
    assert!(
        w.h.store
            .items()
            .get(&ws, &item)
            .unwrap()
            .unwrap()
            .reply
            .is_none(),
        "no reply"
    );
    assert_eq!(
        w.h.store
            .workspaces()
            .members(&ws, &PageRequest::first(200))
            .unwrap(),
        members_before
    );
    assert_eq!(
        w.h.store.locations().get(&ws, &loc).unwrap().unwrap(),
        loc_before
    );
    assert_eq!(
        w.h.store
            .access()
            .api_keys(&ws, &PageRequest::first(200))
            .unwrap()
            .items
            .len(),
        keys_before
    );
    assert!(w.h.store.invitations().get(&ws, &inv).unwrap().is_some());
}

/// A path segment that is not an id answers the API's JSON 404 on every route with ids in its
/// path, for the workspace's owner too (ids are parsed by the path extractor, never by hand).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_ids_answer_the_json_404_on_every_route() {
    let w = world().await;
    let client = w.h.http();
    let owner = w
        .tokens
        .iter()
        .find(|(who, _, _)| *who == Who::Owner)
        .and_then(|(_, t, _)| t.clone())
        .unwrap();
    let ws = w.ws.id.to_string();
    let mut checked = 0;
    for route in api::routes() {
        if !route.path.contains('{') || route.path.contains("{client}") {
            continue;
        }
        let method = Method::from_bytes(route.method.as_str().as_bytes()).unwrap();
        for bad in [
            "nope",
            "01ARZ3NDEKTSV4RRFFQ69G5FA",
            "%2e%2e",
            "0x41",
            &"9".repeat(300),
        ] {
            // Each parameter in turn is the bad one, the others are real (the workspace).
            for slot in 0..route.path.matches('{').count() {
                let mut path = String::new();
                let mut rest = route.path;
                let mut i = 0;
                while let Some(open) = rest.find('{') {
                    let close = open + rest[open..].find('}').unwrap();
                    path.push_str(&rest[..open]);
                    let name = &rest[open + 1..close];
                    path.push_str(if i == slot {
                        bad
                    } else if name == "ws" {
                        &ws
                    } else {
                        "01ARZ3NDEKTSV4RRFFQ69G5FAV"
                    });
                    rest = &rest[close + 1..];
                    i += 1;
                }
                path.push_str(rest);
                let resp = client
                    .request(method.clone(), format!("{}/api/v1{path}", w.h.url))
                    .bearer_auth(&owner)
                    .json(&json!({}))
                    .send()
                    .await
                    .unwrap();
                let status = resp.status().as_u16();
                let json = resp
                    .headers()
                    .get("content-type")
                    .is_some_and(|v| v.to_str().unwrap().starts_with("application/json"));
                let text = resp.text().await.unwrap();
                assert!(
                    status == 404 && json && text.contains("not_found"),
                    "{method} {path}: {status} {text}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 200, "only {checked} calls checked");
}
