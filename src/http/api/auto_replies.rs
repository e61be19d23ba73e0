//! /workspaces/{ws}/auto-rules (auto-response rules), /workspaces/{ws}/auto-replies (the
//! replies they queued) and /workspaces/{ws}/items/{id}/auto-reply (cancel one).

use super::views::{IdView, List, Timestamp};
use super::{Answer, Api, Body, WsChildPath, WsPath};
use crate::domain::{AutoRule, Item};
use crate::services::auto_replies::{self, Pending, RuleInput};
use actix_web::HttpResponse;
use schemars::JsonSchema;
use serde::Serialize;

#[derive(Serialize, JsonSchema)]
pub struct RuleView {
    id: IdView,
    name: String,
    stars: Vec<u8>,
    template: IdView,
    delay_minutes: u32,
    /// Empty: every location.
    locations: Vec<IdView>,
    enabled: bool,
    created_at: Timestamp,
}

pub fn rule_view(r: AutoRule) -> RuleView {
    RuleView {
        id: r.id.into(),
        name: r.name,
        stars: r.stars,
        template: r.template.into(),
        delay_minutes: r.delay_minutes,
        locations: r.locations.into_iter().map(IdView::from).collect(),
        enabled: r.enabled,
        created_at: r.created_at.into(),
    }
}

pub fn rules_view(rules: Vec<AutoRule>) -> List<RuleView> {
    List {
        items: rules.into_iter().map(rule_view).collect(),
        next_cursor: None,
    }
}

#[derive(Serialize, JsonSchema)]
pub struct QueuedView {
    item: IdView,
    rule: IdView,
    rule_name: String,
    /// The reply as it would go out now (the template filled in for this review).
    text: String,
    due_at: Timestamp,
    queued_at: Timestamp,
    /// Being sent: too late to cancel.
    sending: bool,
}

fn queued_view(p: Pending) -> QueuedView {
    let q = p.queued;
    QueuedView {
        item: q.item.into(),
        rule: q.rule.into(),
        rule_name: q.rule_name,
        text: p.text,
        due_at: q.due_at.into(),
        queued_at: q.queued_at.into(),
        sending: q.sending,
    }
}

pub fn queue_view(queue: Vec<Pending>) -> List<QueuedView> {
    List {
        items: queue.into_iter().map(queued_view).collect(),
        next_cursor: None,
    }
}

pub(super) async fn create(api: Api, ws: WsPath, body: Body<RuleInput>) -> Answer {
    let ws = ws.into_inner();
    let input = body.into_inner();
    let rule = api
        .write(move |ctx, who| auto_replies::save_rule(ctx, who, &ws, None, &input))
        .await?;
    Ok(HttpResponse::Created().json(rule_view(rule)))
}

pub(super) async fn replace(
    api: Api,
    path: WsChildPath<AutoRule>,
    body: Body<RuleInput>,
) -> Answer {
    let (ws, id) = path.into_inner();
    let input = body.into_inner();
    let rule = api
        .write(move |ctx, who| auto_replies::save_rule(ctx, who, &ws, Some(&id), &input))
        .await?;
    Ok(HttpResponse::Ok().json(rule_view(rule)))
}

pub(super) async fn cancel(api: Api, path: WsChildPath<Item>) -> Answer {
    let (ws, item) = path.into_inner();
    api.write(move |ctx, who| auto_replies::cancel(ctx, who, &ws, &item))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
