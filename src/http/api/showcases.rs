//! /workspaces/{ws}/showcases: sets of reviews shown on the business's website (their
//! settings, picks and preview), and /workspaces/{ws}/locations/{loc}/feedback-link.

use super::views::{IdView, List, Timestamp};
use super::{Answer, Api, Body, WsChildPath, WsPath};
use crate::domain::{Approval, Layout, Location, ShowSource, Showcase, Theme};
use crate::services::showcase_entries::Entry;
use crate::services::showcases::{self, PickAction, SettingsInput};
use crate::services::{Ctx, link_feedback, showcase_public};
use actix_web::HttpResponse;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Serialize, JsonSchema)]
pub struct ShowcaseView {
    pub id: IdView,
    pub name: String,
    /// Empty: every location.
    pub location_ids: Vec<IdView>,
    /// Empty: every source.
    pub sources: Vec<ShowSource>,
    pub min_stars: u8,
    pub text_only: bool,
    /// How many entries it shows at most (pinned ones beyond it still show).
    pub newest: u16,
    pub language: Option<String>,
    pub approval: Approval,
    pub layout: Layout,
    pub theme: Theme,
    pub colour: String,
    pub allowed_origins: Vec<String>,
    pub json_ld: bool,
    /// `item:<id>` or `feedback:<id>`, in the order they show.
    pub pinned: Vec<String>,
    pub hidden: Vec<String>,
    pub approved: Vec<String>,
    /// The wall of love.
    pub wall_url: String,
    /// The iframe embed (no JavaScript).
    pub frame_url: String,
    /// The JSON (CORS open).
    pub json_url: String,
    /// The script embed: `<script src="…" async></script>`.
    pub script_url: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn view(ctx: &Ctx, s: &Showcase) -> ShowcaseView {
    let base = ctx.link(&format!("/s/{}", showcase_public::key(s)));
    let texts = |v: &[crate::domain::Pick]| v.iter().map(ToString::to_string).collect();
    ShowcaseView {
        id: s.id.into(),
        name: s.name.clone(),
        location_ids: s.rule.locations.iter().map(|l| (*l).into()).collect(),
        sources: s.rule.sources.clone(),
        min_stars: s.rule.min_stars,
        text_only: s.rule.text_only,
        newest: s.rule.newest,
        language: s.rule.language.clone(),
        approval: s.approval,
        layout: s.layout,
        theme: s.theme,
        colour: s.colour.clone(),
        allowed_origins: s.allowed_origins.clone(),
        json_ld: s.json_ld,
        pinned: texts(&s.pinned),
        hidden: texts(&s.hidden),
        approved: texts(&s.approved),
        wall_url: base.clone(),
        frame_url: format!("{base}/frame"),
        json_url: format!("{base}.json"),
        script_url: format!("{base}.js"),
        created_at: s.created_at.into(),
        updated_at: s.updated_at.into(),
    }
}

/// A set's settings; absent fields keep their value (or take the default for a new set).
#[derive(Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct SettingsBody {
    /// Required to create a set.
    #[schemars(regex(pattern = super::schema::NAME), length(max = 80))]
    name: Option<String>,
    #[schemars(with = "Option<Vec<IdText>>", length(max = 200))]
    location_ids: Option<Vec<String>>,
    #[schemars(length(max = 4))]
    sources: Option<Vec<ShowSource>>,
    #[schemars(range(min = 1, max = 5))]
    min_stars: Option<u8>,
    text_only: Option<bool>,
    #[schemars(range(min = 1, max = 50))]
    newest: Option<u16>,
    /// A language code (guessed from the text): en, fr, de, es, it, pt, nl, ja, ko, zh, ru,
    /// el, ar, he or th; empty for any.
    #[schemars(regex(pattern = r"^(|en|fr|de|es|it|pt|nl|ja|ko|zh|ru|el|ar|he|th)$"))]
    language: Option<String>,
    approval: Option<Approval>,
    layout: Option<Layout>,
    theme: Option<Theme>,
    #[schemars(regex(pattern = r"^#[0-9a-fA-F]{6}$"))]
    colour: Option<String>,
    /// Sites that may frame the set (`https://example.com`; plain http only for loopback);
    /// empty: any site.
    #[schemars(with = "Option<Vec<OriginText>>", length(max = 20))]
    allowed_origins: Option<Vec<String>>,
    json_ld: Option<bool>,
}

/// A site's origin, as text (for schemas only).
#[derive(JsonSchema)]
#[schemars(transparent)]
#[allow(dead_code)]
struct OriginText(
    #[schemars(regex(
        pattern = r"^(https://([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z][A-Za-z0-9-]{0,61}[A-Za-z0-9](:([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?|http://(localhost|127\.0\.0\.1)(:([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?)/?$"
    ))]
    String,
);

/// A 32-hex-digit id, as text (for schemas only).
#[derive(JsonSchema)]
#[schemars(transparent)]
#[allow(dead_code)]
struct IdText(#[schemars(regex(pattern = r"^[0-9a-f]{32}$"))] String);

impl SettingsBody {
    fn input(self) -> SettingsInput {
        SettingsInput {
            name: self.name,
            locations: self.location_ids,
            sources: self
                .sources
                .map(|v| v.iter().map(|s| s.as_str().to_string()).collect()),
            min_stars: self.min_stars.map(|n| n.to_string()),
            text_only: self.text_only,
            newest: self.newest.map(|n| n.to_string()),
            language: self.language,
            approval: self.approval.map(|a| {
                match a {
                    Approval::Automatic => "automatic",
                    Approval::ApproveFirst => "approve_first",
                }
                .to_string()
            }),
            layout: self.layout.map(|l| l.as_str().to_string()),
            theme: self.theme.map(|t| t.as_str().to_string()),
            colour: self.colour,
            allowed_origins: self.allowed_origins,
            json_ld: self.json_ld,
        }
    }
}

pub(super) async fn list(api: Api, ws: WsPath) -> Answer {
    let ws = ws.into_inner();
    let items = api
        .read(move |ctx, who| {
            let sets = showcases::list(ctx, who, &ws)?;
            Ok(sets.iter().map(|s| view(ctx, s)).collect::<Vec<_>>())
        })
        .await?;
    Ok(HttpResponse::Ok().json(List {
        items,
        next_cursor: None,
    }))
}

pub(super) async fn create(api: Api, ws: WsPath, body: Body<SettingsBody>) -> Answer {
    let ws = ws.into_inner();
    let mut b = body.into_inner();
    // A set may be named later: the API does not insist on a name up front.
    b.name.get_or_insert_with(|| "Showcase set".into());
    let input = b.input();
    let v = api
        .write(move |ctx, who| showcases::create(ctx, who, &ws, &input).map(|s| view(ctx, &s)))
        .await?;
    Ok(HttpResponse::Created().json(v))
}

pub(super) async fn one(api: Api, path: WsChildPath<Showcase>) -> Answer {
    let (ws, id) = path.into_inner();
    let v = api
        .read(move |ctx, who| showcases::get(ctx, who, &ws, &id).map(|s| view(ctx, &s)))
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

pub(super) async fn update(
    api: Api,
    path: WsChildPath<Showcase>,
    body: Body<SettingsBody>,
) -> Answer {
    let (ws, id) = path.into_inner();
    let input = body.into_inner().input();
    let v = api
        .write(move |ctx, who| showcases::update(ctx, who, &ws, &id, &input).map(|s| view(ctx, &s)))
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct PickBody {
    /// `item:<id>` or `feedback:<id>`.
    #[schemars(regex(pattern = r"^(item|feedback):[0-9a-f]{32}$"))]
    pick: String,
    action: PickActionName,
}

#[derive(Deserialize, JsonSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum PickActionName {
    Pin,
    Unpin,
    Hide,
    Unhide,
    Approve,
    Unapprove,
}

pub(super) async fn pick(api: Api, path: WsChildPath<Showcase>, body: Body<PickBody>) -> Answer {
    let (ws, id) = path.into_inner();
    let b = body.into_inner();
    let action = match b.action {
        PickActionName::Pin => PickAction::Pin,
        PickActionName::Unpin => PickAction::Unpin,
        PickActionName::Hide => PickAction::Hide,
        PickActionName::Unhide => PickAction::Unhide,
        PickActionName::Approve => PickAction::Approve,
        PickActionName::Unapprove => PickAction::Unapprove,
    };
    let v = api
        .write(move |ctx, who| {
            showcases::act(ctx, who, &ws, &id, &b.pick, action).map(|s| view(ctx, &s))
        })
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Serialize, JsonSchema)]
pub struct EntryView {
    /// `item:<id>` or `feedback:<id>`.
    pub id: String,
    pub author: String,
    pub stars: Option<u8>,
    pub recommends: Option<bool>,
    pub text: String,
    pub date: String,
    pub source: ShowSource,
    pub url: Option<String>,
    pub pinned: bool,
}

fn entry(e: &Entry) -> EntryView {
    EntryView {
        id: e.pick.to_string(),
        author: e.author.clone(),
        stars: e.stars,
        recommends: e.recommends,
        text: e.text.clone(),
        date: e.at.date().to_string(),
        source: e.source,
        url: e.link.clone(),
        pinned: e.pinned,
    }
}

#[derive(Serialize, JsonSchema)]
pub struct EntriesView {
    /// What the set shows now, in order.
    pub shown: Vec<EntryView>,
    /// Entries passing the rule that wait for approval (sets that approve first).
    pub waiting: Vec<EntryView>,
    /// Sets publishing automatically: more entries the rule takes beyond the newest N.
    pub more: Vec<EntryView>,
    pub hidden: Vec<EntryView>,
}

pub(super) async fn entries(api: Api, path: WsChildPath<Showcase>) -> Answer {
    let (ws, id) = path.into_inner();
    let p = api
        .read(move |ctx, who| showcases::preview(ctx, who, &ws, &id).map(|(_, p)| p))
        .await?;
    Ok(HttpResponse::Ok().json(EntriesView {
        shown: p.shown.iter().map(entry).collect(),
        waiting: p.waiting.iter().map(entry).collect(),
        more: p.more.iter().map(entry).collect(),
        hidden: p.hidden.iter().map(entry).collect(),
    }))
}

#[derive(Serialize, JsonSchema)]
pub struct FeedbackLinkView {
    pub location_id: IdView,
    /// The public feedback page of the location: no contact needed. Print it as a QR code.
    pub url: String,
}

pub(super) async fn feedback_link(api: Api, path: WsChildPath<Location>) -> Answer {
    let (ws, loc) = path.into_inner();
    let (l, url) = api
        .read(move |ctx, who| link_feedback::url(ctx, who, &ws, &loc))
        .await?;
    Ok(HttpResponse::Ok().json(FeedbackLinkView {
        location_id: l.id.into(),
        url,
    }))
}
