//! The API's routes: auto-response rules, the replies they queued, and cancelling one.

use super::super::{Registrar, auto_replies as ar, plain, views};
use crate::services::auto_replies as service;
use actix_web::http::Method;

pub fn routes(r: &mut Registrar) {
    r.add(
        Method::GET,
        "/workspaces/{ws}/auto-rules",
        plain::whole(service::rules, ar::rules_view),
    )
    .doc(
        "items",
        "Auto-response rules of the workspace (none until a manager makes one)",
    )
    .returns::<views::List<ar::RuleView>>();
    r.add(Method::POST, "/workspaces/{ws}/auto-rules", ar::create)
        .doc(
            "items",
            "Make an auto-response rule (manager): new reviews with these stars and no text get this reply template after the delay, unless someone cancels or answers first",
        )
        .body::<service::RuleInput>()
        .status(201)
        .returns::<ar::RuleView>();
    r.add(
        Method::GET,
        "/workspaces/{ws}/auto-rules/{id}",
        plain::one(service::rule, ar::rule_view),
    )
    .doc("items", "One auto-response rule")
    .returns::<ar::RuleView>();
    r.add(Method::PUT, "/workspaces/{ws}/auto-rules/{id}", ar::replace)
        .doc(
            "items",
            "Change an auto-response rule (manager); switching it off cancels the replies it queued",
        )
        .body::<service::RuleInput>()
        .returns::<ar::RuleView>();
    r.add(
        Method::DELETE,
        "/workspaces/{ws}/auto-rules/{id}",
        plain::removal(service::delete_rule),
    )
    .doc(
        "items",
        "Delete an auto-response rule (manager) and cancel the replies it queued",
    )
    .status(204);
    r.add(
        Method::GET,
        "/workspaces/{ws}/auto-replies",
        plain::whole(service::queue, ar::queue_view),
    )
    .doc(
        "items",
        "Replies auto-response rules queued and not sent yet, soonest first, each with its text",
    )
    .returns::<views::List<ar::QueuedView>>();
    r.add(
        Method::DELETE,
        "/workspaces/{ws}/items/{id}/auto-reply",
        ar::cancel,
    )
    .doc(
        "items",
        "Cancel the automatic reply queued for this item (manager); 409 once it is being sent",
    )
    .status(204);
}
