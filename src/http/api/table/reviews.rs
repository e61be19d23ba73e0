//! The API's routes: Locations, provider connections, the items they bring, and what is done with them.

use super::super::{Registrar, item_views as iv, plain, views};
use super::super::{
    alerts, annotations, connections, drafts, items, locations, reports, showcases, templates,
};
use crate::services;
use actix_web::http::Method;

pub fn routes(r: &mut Registrar) {
    // /workspaces/{ws}/locations: create, list, read, edit, archive.
    r.add(
        Method::GET,
        "/workspaces/{ws}/locations",
        plain::paged(services::locations::list, |l| views::location(&l)),
    )
    .doc("locations", "Locations of the workspace")
    .paged::<views::LocationView>();
    r.add(
        Method::POST,
        "/workspaces/{ws}/locations",
        locations::create,
    )
    .doc("locations", "Add a location (manager)")
    .body::<locations::CreateBody>()
    .status(201)
    .returns::<views::LocationView>();
    r.add(
        Method::GET,
        "/workspaces/{ws}/locations/{loc}",
        plain::one(services::locations::get, |l| views::location(&l)),
    )
    .doc("locations", "One location")
    .returns::<views::LocationView>();
    r.add(
        Method::PATCH,
        "/workspaces/{ws}/locations/{loc}",
        locations::update,
    )
    .doc(
        "locations",
        "Edit, archive (archived: true) or restore a location (manager)",
    )
    .body::<locations::UpdateBody>()
    .returns::<views::LocationView>();

    r.add(
        Method::GET,
        "/workspaces/{ws}/locations/{loc}/feedback-link",
        showcases::feedback_link,
    )
    .doc(
        "locations",
        "The location's public feedback link: customers answer without an email address (print it as a QR code); answers are marked via: link",
    )
    .returns::<showcases::FeedbackLinkView>();

    // Reply drafts from the operator's model ([ai]): the workspace's opt-in, and one draft.
    r.add(Method::GET, "/workspaces/{ws}/reply-drafts", drafts::get)
        .doc(
            "items",
            "Whether reply drafts are on for the workspace, its brand voice, today's and the last 30 days' use and estimated cost",
        )
        .returns::<drafts::DraftsView>();
    r.add(Method::PUT, "/workspaces/{ws}/reply-drafts", drafts::put)
        .doc(
            "items",
            "Turn reply drafts on or off for the workspace and set its brand voice (manager); reviews then go to the instance's model server",
        )
        .body::<drafts::SettingsBody>()
        .returns::<drafts::DraftsView>();
    r.add(
        Method::POST,
        "/workspaces/{ws}/items/{id}/reply-draft",
        drafts::draft,
    )
    .doc(
        "items",
        "A draft reply to edit (manager): nothing is posted; counted against the daily cap; 502 with the reason when the model server fails",
    )
    .returns::<drafts::DraftView>();

    // /workspaces/{ws}/showcases: sets of reviews shown on the business's own website.
    r.add(Method::GET, "/workspaces/{ws}/showcases", showcases::list)
        .doc("showcases", "Showcase sets of the workspace")
        .returns::<views::List<showcases::ShowcaseView>>();
    r.add(Method::POST, "/workspaces/{ws}/showcases", showcases::create)
        .doc(
            "showcases",
            "Create a showcase set (manager): a rule (locations, sources, minimum stars, text only, newest N, language), an approval choice and the embeds' look; JSON-LD marks up first-party feedback only",
        )
        .body::<showcases::SettingsBody>()
        .status(201)
        .returns::<showcases::ShowcaseView>();
    r.add(
        Method::GET,
        "/workspaces/{ws}/showcases/{id}",
        showcases::one,
    )
    .doc("showcases", "One showcase set, with its public addresses")
    .returns::<showcases::ShowcaseView>();
    r.add(
        Method::PATCH,
        "/workspaces/{ws}/showcases/{id}",
        showcases::update,
    )
    .doc(
        "showcases",
        "Change a showcase set (manager); absent fields keep their value",
    )
    .body::<showcases::SettingsBody>()
    .returns::<showcases::ShowcaseView>();
    r.add(
        Method::DELETE,
        "/workspaces/{ws}/showcases/{id}",
        plain::removal(services::showcases::remove),
    )
    .doc(
        "showcases",
        "Delete a showcase set (manager); its embeds answer 404",
    )
    .status(204);
    r.add(
        Method::POST,
        "/workspaces/{ws}/showcases/{id}/picks",
        showcases::pick,
    )
    .doc(
        "showcases",
        "Pin, hide or approve one entry (or take that back) (manager)",
    )
    .body::<showcases::PickBody>()
    .returns::<showcases::ShowcaseView>();
    r.add(
        Method::GET,
        "/workspaces/{ws}/showcases/{id}/entries",
        showcases::entries,
    )
    .doc(
        "showcases",
        "What the set shows now, what waits for approval and what is hidden",
    )
    .returns::<showcases::EntriesView>();

    // /workspaces/{ws}/connections: connect Google or Facebook, see sync status, list what the
    r.add(Method::POST, "/workspaces/{ws}/connections", connections::create)
        .doc(
            "connections",
            "Start connecting a Google or Facebook account (manager); open authorize_url in a browser signed in to Plaudit as the caller (for an API key, its creator): the connection completes only there, so a URL handed to anyone else connects nothing",
        )
        .body::<connections::CreateBody>()
        .status(201)
        .returns::<iv::StartedConnectionView>();
    r.add(
        Method::GET,
        "/workspaces/{ws}/connections",
        plain::paged(services::connections::list, |c| iv::connection(&c)),
    )
    .doc("connections", "Connections with their sync status")
    .paged::<iv::ConnectionView>();
    r.add(
        Method::GET,
        "/workspaces/{ws}/connections/{id}",
        connections::get,
    )
    .doc("connections", "One connection and its sync status")
    .returns::<iv::ConnectionView>();
    r.add(
        Method::DELETE,
        "/workspaces/{ws}/connections/{id}",
        connections::remove,
    )
    .doc(
        "connections",
        "Disconnect: revoke at the provider and delete the tokens (manager); fetched items stay",
    )
    .status(204);
    r.add(
        Method::GET,
        "/workspaces/{ws}/connections/{id}/remote-locations",
        connections::remote,
    )
    .doc(
        "connections",
        "Google locations or Facebook pages the connected account manages",
    )
    .returns::<iv::RemoteLocationsView>();
    r.add(
        Method::POST,
        "/workspaces/{ws}/connections/{id}/sync",
        connections::sync,
    )
    .doc("connections", "Sync as soon as possible (manager)")
    .status(202)
    .returns::<iv::ConnectionView>();
    r.add(
        Method::PUT,
        "/workspaces/{ws}/locations/{loc}/sources",
        connections::set_source,
    )
    .doc(
        "connections",
        "Feed this location from a remote location or page of a connection (manager)",
    )
    .body::<connections::SourceBody>()
    .returns::<iv::ConnectionView>();

    // /workspaces/{ws}/items: every review, comment and mention, newest first, with filters;
    r.add(Method::GET, "/workspaces/{ws}/items", items::list_items)
        .doc(
            "items",
            "Reviews, comments and mentions, newest first; filters combine",
        )
        .query::<items::ItemsQuery>()
        .returns::<views::List<iv::ItemView>>();
    r.add(
        Method::GET,
        "/workspaces/{ws}/items/{id}",
        plain::one(services::items::get, |i| iv::item(&i)),
    )
    .doc("items", "One item with its reply and edit history")
    .returns::<iv::ItemView>();
    r.add(
        Method::POST,
        "/workspaces/{ws}/items/{id}/reply",
        items::reply,
    )
    .doc(
        "items",
        "Reply (manager): stored as sending at once, then published at the provider",
    )
    .body::<items::ReplyBody>()
    .status(202)
    .returns::<iv::ItemView>();
    r.add(Method::DELETE, "/workspaces/{ws}/items/{id}/reply", items::delete_reply)
        .doc(
            "items",
            "Delete the reply (manager): a published one is marked deleting at once and removed when the provider confirms; a failed one goes at once",
        )
        .status(202)
        .returns::<iv::ItemView>();

    // Tags, assignment and notes on items; bulk replies from a template.
    r.add(
        Method::GET,
        "/workspaces/{ws}/items/{id}/notes",
        plain::one(services::annotations::notes, |n| {
            annotations::notes_view(&n)
        }),
    )
    .doc("items", "The item's tags, assignee and internal notes")
    .returns::<annotations::NotesView>();
    r.add(
        Method::PUT,
        "/workspaces/{ws}/items/{id}/tags",
        annotations::put_tags,
    )
    .doc("items", "Replace the item's tags (manager)")
    .body::<annotations::TagsBody>()
    .returns::<annotations::NotesView>();
    r.add(
        Method::PUT,
        "/workspaces/{ws}/items/{id}/assignee",
        annotations::put_assignee,
    )
    .doc(
        "items",
        "Assign the item to a member, or to nobody with null (manager)",
    )
    .body::<annotations::AssigneeBody>()
    .returns::<annotations::NotesView>();
    r.add(
        Method::POST,
        "/workspaces/{ws}/items/{id}/notes",
        annotations::post_note,
    )
    .doc(
        "items",
        "Add an internal note (manager); never sent to the provider",
    )
    .body::<annotations::NoteBody>()
    .status(201)
    .returns::<annotations::NotesView>();
    r.add(Method::POST, "/workspaces/{ws}/items/bulk-reply", annotations::bulk_reply)
        .doc(
            "items",
            "Reply to several items with a template filled in for each (manager); each item succeeds or fails on its own",
        )
        .body::<annotations::BulkBody>()
        .status(202)
        .returns::<annotations::BulkView>();

    // /workspaces/{ws}/reply-templates: the workspace's reply templates.
    r.add(
        Method::GET,
        "/workspaces/{ws}/reply-templates",
        plain::whole(services::annotations::templates, templates::all),
    )
    .doc("items", "The workspace's reply templates, by name")
    .returns::<templates::TemplatesView>();
    r.add(Method::POST, "/workspaces/{ws}/reply-templates", templates::create_template)
        .doc(
            "items",
            "Create a reply template (manager); placeholders {first_name}, {name}, {location}, {rating}",
        )
        .body::<templates::TemplateBody>()
        .status(201)
        .returns::<templates::TemplateView>();
    r.add(
        Method::PUT,
        "/workspaces/{ws}/reply-templates/{id}",
        templates::update_template,
    )
    .doc("items", "Change a reply template (manager)")
    .body::<templates::TemplateBody>()
    .returns::<templates::TemplateView>();
    r.add(
        Method::DELETE,
        "/workspaces/{ws}/reply-templates/{id}",
        plain::removal(services::annotations::delete_template),
    )
    .doc("items", "Delete a reply template (manager)")
    .status(204);

    // /workspaces/{ws}/stats (dashboard figures) and /workspaces/{ws}/items.csv (the filtered
    r.add(Method::GET, "/workspaces/{ws}/stats", reports::get_stats)
        .doc(
            "stats",
            "Dashboard figures for a period (dates inclusive, days in each location's time zone): totals against the period before, a series, locations ranked, frequent words",
        )
        .query::<reports::StatsQuery>()
        .returns::<reports::StatsView>();
    r.add(Method::GET, "/workspaces/{ws}/items.csv", reports::export_csv)
        .doc(
            "items",
            "The items passing the inbox filters as CSV, newest first (cells that a spreadsheet would run as formulas are prefixed with ')",
        )
        .query::<items::ItemsQuery>()
        .csv_answer();

    // /workspaces/{ws}/alerts (the caller's own email alerts) and /workspaces/{ws}/webhooks.
    r.add(
        Method::GET,
        "/workspaces/{ws}/alerts",
        plain::whole(services::alerts::my_prefs, |p| alerts::prefs(&p)),
    )
    .doc(
        "alerts",
        "Your email alerts for new items in this workspace",
    )
    .returns::<alerts::PrefsView>();
    r.add(Method::PUT, "/workspaces/{ws}/alerts", alerts::put_prefs)
        .doc(
            "alerts",
            "Set your email alerts: off, instant or a daily digest, with filters",
        )
        .body::<alerts::PrefsBody>()
        .returns::<alerts::PrefsView>();
    r.add(
        Method::GET,
        "/workspaces/{ws}/webhooks",
        plain::whole(services::alerts::webhooks, alerts::all),
    )
    .doc("alerts", "Webhooks called for every new item")
    .returns::<views::List<alerts::WebhookView>>();
    r.add(
        Method::POST,
        "/workspaces/{ws}/webhooks",
        alerts::create_hook,
    )
    .doc(
        "alerts",
        "Add a webhook (manager); its signing secret is shown once",
    )
    .body::<alerts::WebhookBody>()
    .status(201)
    .returns::<alerts::CreatedWebhookView>();
    r.add(
        Method::DELETE,
        "/workspaces/{ws}/webhooks/{id}",
        plain::removal(services::alerts::delete_webhook),
    )
    .doc("alerts", "Remove a webhook (manager)")
    .status(204);
}
