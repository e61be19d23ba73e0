//! The API's routes: Customers: their contacts, review imports, feedback campaigns and data-subject rights.

use super::super::{Registrar, plain};
use super::super::{campaigns, contacts, imports, privacy};
use crate::services;
use actix_web::http::Method;

pub fn routes(r: &mut Registrar) {
    // /workspaces/{ws}/imports/reviews: a CSV file of reviews (columns in the README), checked
    r.add(Method::POST, "/workspaces/{ws}/imports/reviews", imports::import_reviews)
        .doc(
            "items",
            "Import reviews from a CSV body (Content-Type: text/csv; manager). With any bad row nothing is written and every problem is listed with its line",
        )
        .query::<imports::ImportQuery>()
        .csv_body()
        .returns::<imports::ReportView>();

    // /workspaces/{ws}/contacts: customers to ask for feedback, added by a till or a CSV file.
    r.add(Method::POST, "/workspaces/{ws}/contacts", contacts::add)
        .doc(
            "campaigns",
            "Add or update up to 1,000 contacts (manager). Matched by address (case-insensitive); bad entries are listed by index and the rest stored",
        )
        .body::<Vec<services::contacts::ContactInput>>()
        .returns::<services::contacts::AddReport>();
    r.add(
        Method::GET,
        "/workspaces/{ws}/contacts",
        plain::paged(services::contacts::list, contacts::view),
    )
    .doc("campaigns", "The workspace's contacts, newest first")
    .paged::<contacts::ContactView>();
    r.add(
        Method::DELETE,
        "/workspaces/{ws}/contacts/{id}",
        plain::removal(services::contacts::delete),
    )
    .doc(
        "campaigns",
        "Delete a contact (manager); an unsubscribed address stays suppressed",
    )
    .status(204);
    r.add(
        Method::PUT,
        "/workspaces/{ws}/contacts/{id}/suppressed",
        contacts::suppress,
    )
    .doc(
        "campaigns",
        "Stop mailing a contact, or lift a manual suppression (manager)",
    )
    .body::<contacts::SuppressBody>()
    .status(204);
    r.add(Method::POST, "/workspaces/{ws}/contacts/import", contacts::import)
        .doc(
            "campaigns",
            "Import contacts from a CSV body (Content-Type: text/csv; columns email, name, location, consent, source). With any bad row nothing is written and every problem is listed with its line",
        )
        .query::<imports::ImportQuery>()
        .csv_body()
        .returns::<contacts::CsvReportView>();

    // /workspaces/{ws}/campaigns, /feedback-settings and /feedback: feedback-request campaigns,
    r.add(Method::POST, "/workspaces/{ws}/campaigns", campaigns::create)
        .doc(
            "campaigns",
            "Create a draft campaign (manager). Placeholders {first_name}, {name}, {location}, {business}, {feedback_link}; absent message fields come from the feedback settings",
        )
        .body::<services::campaigns::CampaignInput>()
        .status(201)
        .returns::<campaigns::CampaignView>();
    r.add(
        Method::GET,
        "/workspaces/{ws}/campaigns",
        plain::paged(services::campaigns::list, |c| {
            campaigns::campaign_view(c, None)
        }),
    )
    .doc("campaigns", "Campaigns, newest first")
    .paged::<campaigns::CampaignView>();
    r.add(
        Method::GET,
        "/workspaces/{ws}/campaigns/{id}",
        plain::one(services::campaigns::get, |(c, funnel)| {
            campaigns::campaign_view(c, Some(funnel))
        }),
    )
    .doc("campaigns", "A campaign with its funnel counts")
    .returns::<campaigns::CampaignView>();
    r.add(
        Method::PUT,
        "/workspaces/{ws}/campaigns/{id}",
        campaigns::update,
    )
    .doc(
        "campaigns",
        "Change a campaign that has not started sending (manager)",
    )
    .body::<services::campaigns::CampaignInput>()
    .returns::<campaigns::CampaignView>();
    r.add(
        Method::POST,
        "/workspaces/{ws}/campaigns/{id}/send",
        campaigns::send,
    )
    .doc(
        "campaigns",
        "Start sending now, or at its send_at (manager); refused (409) while the workspace has no postal address, or a chosen location no public review link unless `without_review_link=true`",
    )
    .query::<campaigns::SendQuery>()
    .status(202)
    .returns::<campaigns::CampaignView>();
    r.add(
        Method::POST,
        "/workspaces/{ws}/campaigns/{id}/cancel",
        campaigns::cancel,
    )
    .doc(
        "campaigns",
        "Cancel a scheduled campaign: it becomes a draft again (manager)",
    )
    .returns::<campaigns::CampaignView>();
    r.add(
        Method::DELETE,
        "/workspaces/{ws}/campaigns/{id}",
        plain::removal(services::campaigns::remove),
    )
    .doc("campaigns", "Delete a draft (manager)")
    .status(204);
    r.add(
        Method::GET,
        "/workspaces/{ws}/campaigns/{id}/preview",
        plain::one(services::campaign_check::check, campaigns::preview_view),
    )
    .doc(
        "campaigns",
        "Before sending: how many contacts it would mail (after suppressions, restrictions and the frequency cap), what must be fixed first, and its email for the first of them",
    )
    .returns::<campaigns::PreviewView>();
    r.add(
        Method::POST,
        "/workspaces/{ws}/campaigns/{id}/pause",
        campaigns::pause,
    )
    .doc("campaigns", "Pause sending (manager)")
    .returns::<campaigns::CampaignView>();
    r.add(
        Method::POST,
        "/workspaces/{ws}/campaigns/{id}/resume",
        campaigns::resume,
    )
    .doc("campaigns", "Resume a paused campaign (manager)")
    .returns::<campaigns::CampaignView>();
    r.add(
        Method::GET,
        "/workspaces/{ws}/feedback-settings",
        plain::whole(services::campaigns::settings, campaigns::settings_view),
    )
    .doc(
        "campaigns",
        "The feedback-request template, branding and score scale",
    )
    .returns::<campaigns::SettingsView>();
    r.add(
        Method::PUT,
        "/workspaces/{ws}/feedback-settings",
        campaigns::put_settings,
    )
    .doc(
        "campaigns",
        "Change the feedback-request template, branding and score scale (manager)",
    )
    .body::<services::campaigns::SettingsInput>()
    .returns::<campaigns::SettingsView>();
    r.add(
        Method::GET,
        "/workspaces/{ws}/feedback",
        plain::paged(services::campaigns::feedback, campaigns::feedback_view),
    )
    .doc("campaigns", "What customers answered, newest first")
    .paged::<campaigns::FeedbackView>();
    r.add(
        Method::DELETE,
        "/workspaces/{ws}/feedback/{id}",
        plain::removal(services::feedback::delete_answer),
    )
    .doc(
        "campaigns",
        "Delete one answer (manager): spam through a public link, or a customer asking",
    )
    .status(204);

    // /workspaces/{ws}/privacy/{export,erase,restrict,rectify,object}: data-subject requests, and
    r.add(Method::POST, "/workspaces/{ws}/privacy/export", privacy::export)
        .doc(
            "privacy",
            "Every record the workspace holds about an email address, with where it came from, why it is held, how long and who it is shared with; `format=zip` gives a ZIP of that JSON with a CSV per table (owner)",
        )
        .body::<privacy::EmailBody>()
        .download();
    r.add(Method::POST, "/workspaces/{ws}/privacy/erase", privacy::erase)
        .doc(
            "privacy",
            "Erase everything about an email address in the workspace; only a keyed hash stays on the suppression list so it is never mailed again (owner)",
        )
        .body::<privacy::EmailBody>()
        .returns::<services::privacy::Counts>();
    r.add(Method::POST, "/workspaces/{ws}/privacy/restrict", privacy::restrict)
        .doc(
            "privacy",
            "Keep the records about an email address but stop processing them: no mail, no alerts (owner)",
        )
        .body::<privacy::EmailBody>()
        .returns::<services::privacy::Counts>();
    r.add(Method::POST, "/workspaces/{ws}/privacy/rectify", privacy::rectify)
        .doc(
            "privacy",
            "Correct a customer's name, or move them to the address they really have (their contact and feedback follow; mail for the old address is removed; an unsubscribe carries over) (owner)",
        )
        .body::<privacy::RectifyBody>()
        .returns::<services::privacy::Counts>();
    r.add(Method::POST, "/workspaces/{ws}/privacy/object", privacy::object)
        .doc(
            "privacy",
            "The customer objects to email: the address goes on the suppression list (as a keyed hash); the records stay (owner)",
        )
        .body::<privacy::EmailBody>()
        .returns::<services::privacy::Counts>();
    r.add(
        Method::POST,
        "/workspaces/{ws}/privacy/reviewers/export",
        privacy::reviewer_export,
    )
    .doc(
        "privacy",
        "Every item a reviewer wrote (found by the name shown or a provider id), with where it came from, why it is held and how long; `format=zip` gives a ZIP of that JSON with a CSV per table (owner)",
    )
    .body::<privacy::ReviewerBody>()
    .download();
    r.add(
        Method::POST,
        "/workspaces/{ws}/privacy/reviewers/erase",
        privacy::reviewer_erase,
    )
    .doc(
        "privacy",
        "Erase Plaudit's copy of everything a reviewer wrote; a tombstone keeps syncs from bringing it back (the provider keeps its own) (owner)",
    )
    .body::<privacy::ReviewerBody>()
    .returns::<services::privacy::reviewers::ReviewerCounts>();
    r.add(
        Method::POST,
        "/workspaces/{ws}/privacy/reviewers/restrict",
        privacy::reviewer_restrict,
    )
    .doc(
        "privacy",
        "Keep what a reviewer wrote but stop processing it: their items raise no alerts or webhooks from now on, and queued alert mail about them is withdrawn (owner)",
    )
    .body::<privacy::ReviewerBody>()
    .returns::<services::privacy::reviewers::ReviewerCounts>();
    r.add(Method::GET, "/workspaces/{ws}/export", privacy::export_workspace)
        .doc(
            "privacy",
            "The whole workspace as one JSON document, streamed: workspace, locations, members, reply templates, contacts, campaigns, feedback, items with notes; `format=zip` gives a ZIP of that document with a CSV per table (owner)",
        )
        .download();
}
