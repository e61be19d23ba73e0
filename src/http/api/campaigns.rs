//! /workspaces/{ws}/campaigns, /feedback-settings and /feedback: feedback-request campaigns,
//! the workspace's template and branding, and what customers answered.

use super::{Answer, Api, Body, WsChildPath, WsPath};
use crate::domain::{Campaign, Feedback, FeedbackSettings, Funnel, ScoreScale};
use crate::services::campaign_check::{AudienceCount, Blocker, Check};
use crate::services::campaigns::{self, Action, CampaignInput, SettingsInput};
use actix_web::HttpResponse;
use serde::Serialize;

use super::views::time as rfc3339;

#[derive(Serialize, schemars::JsonSchema)]
pub struct CampaignView {
    id: String,
    name: String,
    location: Option<String>,
    subject: String,
    body_text: String,
    body_html: Option<String>,
    /// draft, scheduled, sending, paused, waiting_reminder or done.
    status: String,
    send_at: Option<String>,
    added_since: Option<String>,
    not_asked_days: Option<u32>,
    reminder_days: Option<u32>,
    daily_cap: Option<u32>,
    created_at: String,
    /// Present on a single campaign: recipients per stage.
    counts: Option<Funnel>,
}

pub(super) fn campaign_view(c: Campaign, counts: Option<Funnel>) -> CampaignView {
    CampaignView {
        id: c.id.to_string(),
        name: c.name,
        location: c.location.map(|l| l.to_string()),
        subject: c.message.subject,
        body_text: c.message.body_text,
        body_html: c.message.body_html,
        status: c.status.name().to_string(),
        send_at: c.send_at.map(rfc3339),
        added_since: c.audience.added_since.map(rfc3339),
        not_asked_days: c.audience.not_asked_days,
        reminder_days: c.reminder_days,
        daily_cap: c.daily_cap,
        created_at: rfc3339(c.created_at),
        counts,
    }
}

pub(super) async fn create(api: Api, ws: WsPath, body: Body<CampaignInput>) -> Answer {
    let ws = ws.into_inner();
    let input = body.into_inner();
    let c = api
        .write(move |ctx, who| campaigns::create(ctx, who, &ws, &input))
        .await?;
    Ok(HttpResponse::Created().json(campaign_view(c, None)))
}

pub(super) async fn update(
    api: Api,
    path: WsChildPath<Campaign>,
    body: Body<CampaignInput>,
) -> Answer {
    let (ws, cid) = path.into_inner();
    let input = body.into_inner();
    let c = api
        .write(move |ctx, who| campaigns::update(ctx, who, &ws, &cid, &input))
        .await?;
    Ok(HttpResponse::Ok().json(campaign_view(c, None)))
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
pub struct SendQuery {
    /// `true`: send although some chosen locations have no public review link (their customers
    /// will see no way to post a public review). Without it such a send is refused (409).
    #[schemars(regex(pattern = r"^(true|false)$"))]
    pub without_review_link: Option<String>,
}

/// A campaign before sending: whom it would mail, what stops it, and its email for the first
/// of them.
#[derive(Serialize, schemars::JsonSchema)]
pub struct PreviewView {
    audience: AudienceCount,
    /// What must be fixed before it may be sent.
    blockers: Vec<Blocker>,
    /// The email for the first contact it would mail (links are placeholders); absent when it
    /// would mail nobody.
    email: Option<EmailPreview>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct EmailPreview {
    to: String,
    subject: String,
    text: String,
    html: Option<String>,
}

pub(super) fn preview_view(c: Check) -> PreviewView {
    PreviewView {
        audience: c.audience,
        blockers: c.blockers,
        email: c.preview.map(|(contact, r)| EmailPreview {
            to: contact.email.to_string(),
            subject: r.subject,
            text: r.text,
            html: r.html,
        }),
    }
}

async fn act(api: Api, path: WsChildPath<Campaign>, action: Action) -> Answer {
    let (ws, cid) = path.into_inner();
    let c = api
        .write(move |ctx, who| campaigns::act(ctx, who, &ws, &cid, action))
        .await?;
    let view = campaign_view(c, None);
    Ok(match action {
        Action::Send { .. } => HttpResponse::Accepted().json(view),
        _ => HttpResponse::Ok().json(view),
    })
}

pub(super) async fn send(
    api: Api,
    path: WsChildPath<Campaign>,
    q: actix_web::web::Query<SendQuery>,
) -> Answer {
    let without_review_link = q.without_review_link.as_deref() == Some("true");
    act(
        api,
        path,
        Action::Send {
            without_review_link,
        },
    )
    .await
}

pub(super) async fn cancel(api: Api, path: WsChildPath<Campaign>) -> Answer {
    act(api, path, Action::Cancel).await
}

pub(super) async fn pause(api: Api, path: WsChildPath<Campaign>) -> Answer {
    act(api, path, Action::Pause).await
}

pub(super) async fn resume(api: Api, path: WsChildPath<Campaign>) -> Answer {
    act(api, path, Action::Resume).await
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct SettingsView {
    sender_name: String,
    subject: String,
    body_text: String,
    body_html: Option<String>,
    logo_url: Option<String>,
    brand_color: String,
    postal_address: String,
    scale: ScoreScale,
    track_opens: bool,
    alert_on_low_score: bool,
    /// The frequency cap, in days.
    ask_cap_days: u32,
}

pub(super) fn settings_view(s: FeedbackSettings) -> SettingsView {
    SettingsView {
        sender_name: s.sender_name,
        subject: s.subject,
        body_text: s.body_text,
        body_html: s.body_html,
        logo_url: s.logo_url,
        brand_color: s.brand_color,
        postal_address: s.postal_address,
        scale: s.scale,
        track_opens: s.track_opens,
        alert_on_low_score: s.alert_on_low_score,
        ask_cap_days: s.ask_cap_days,
    }
}

pub(super) async fn put_settings(api: Api, ws: WsPath, body: Body<SettingsInput>) -> Answer {
    let ws = ws.into_inner();
    let input = body.into_inner();
    let s = api
        .write(move |ctx, who| campaigns::save_settings(ctx, who, &ws, &input))
        .await?;
    Ok(HttpResponse::Ok().json(settings_view(s)))
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct FeedbackView {
    id: String,
    /// Null for an answer through a location's public link or QR code.
    campaign: Option<String>,
    /// Null for an answer through a location's public link or QR code.
    contact: Option<String>,
    /// `email` (a campaign's link) or `link` (a location's public link or QR code).
    via: crate::domain::FeedbackVia,
    /// The first name typed on the public link's page; empty for emailed answers.
    name: String,
    location: Option<String>,
    scale: ScoreScale,
    score: u8,
    comment: String,
    at: String,
    /// The words the customer ticked to let the business publish this answer; null: not to
    /// be published.
    publish_consent: Option<String>,
}

pub(super) fn feedback_view(f: Feedback) -> FeedbackView {
    FeedbackView {
        id: f.id.to_string(),
        campaign: f.campaign.map(|c| c.to_string()),
        contact: f.contact.map(|c| c.to_string()),
        via: f.via,
        name: f.name,
        location: f.location.map(|l| l.to_string()),
        scale: f.scale,
        score: f.score,
        comment: f.comment,
        at: rfc3339(f.at),
        publish_consent: f.publish_consent,
    }
}
