//! Every page's address in one table: path, method and handler, in the order they are
//! matched. The handlers live in the modules named for their page area.

use super::*;
use crate::services;
use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg
        // The start page: setup instructions on a fresh instance, else a way in.
        .route("/", web::get().to(home::home))
        // Sign-in, sign-out and registration pages.
        .route("/login", web::get().to(auth::login_page))
        .route("/login", web::post().to(auth::login))
        .route("/logout", web::post().to(auth::logout))
        .route("/register", web::get().to(auth::register_page))
        .route("/register", web::post().to(auth::register))
        // Account settings: name, password, email, linked sign-in providers, deletion.
        .route("/account", web::get().to(account::page))
        .route("/account/name", web::post().to(account::rename))
        .route("/account/password", web::post().to(account::password))
        .route("/account/email", web::post().to(account::email))
        .route("/account/delete", web::post().to(account::delete))
        .route(
            "/account/unlink/{provider}",
            web::post().to(account::unlink),
        )
        // Workspace pages: the switcher with a create form, a workspace's overview, settings, audit log.
        .route("/w", web::get().to(workspaces::list))
        .route("/w", web::post().to(workspaces::create))
        .route("/w/{ws}", web::get().to(workspaces::overview))
        .route("/w/{ws}/settings", web::get().to(workspaces::settings))
        .route("/w/{ws}/settings", web::post().to(workspaces::update))
        .route("/w/{ws}/delete", web::post().to(workspaces::delete))
        .route("/w/{ws}/audit", web::get().to(workspaces::audit))
        // Members and invitations: who has access with which role, inviting, and accepting an invite.
        .route("/w/{ws}/members", web::get().to(members::page))
        .route("/w/{ws}/members", web::post().to(members::invite))
        .route(
            "/w/{ws}/members/{user}/role",
            web::post().to(members::set_role),
        )
        .route(
            "/w/{ws}/members/{user}/remove",
            web::post().to(form_post::removal(
                "members",
                "Member removed.",
                services::workspaces::remove_member,
            )),
        )
        .route(
            "/w/{ws}/invitations/{id}/revoke",
            web::post().to(form_post::removal(
                "members",
                "Invitation revoked.",
                services::invitations::revoke,
            )),
        )
        .route("/invite/{token}", web::get().to(members::invitation_page))
        .route("/invite/{token}", web::post().to(members::accept))
        // API keys page: list with last use, create (the key is shown once, on the answer), revoke.
        .route("/w/{ws}/api-keys", web::get().to(keys::page))
        .route("/w/{ws}/api-keys", web::post().to(keys::create))
        .route(
            "/w/{ws}/api-keys/{id}/revoke",
            web::post().to(form_post::removal(
                "api-keys",
                "Key revoked.",
                services::api_keys::revoke,
            )),
        )
        // Pages behind emailed links: confirming an email address, resetting a password.
        .route("/verify/{token}", web::get().to(email_links::verify_page))
        .route("/verify/{token}", web::post().to(email_links::verify))
        .route("/reset", web::get().to(email_links::reset_request_page))
        .route("/reset", web::post().to(email_links::reset_request))
        .route("/reset/{token}", web::get().to(email_links::reset_page))
        .route("/reset/{token}", web::post().to(email_links::reset))
        // Locations pages: list with an add form, and one location's edit form with archive/restore.
        .route("/w/{ws}/locations", web::get().to(locations::list))
        .route("/w/{ws}/locations", web::post().to(locations::create))
        .route("/w/{ws}/locations/{loc}", web::get().to(locations::edit))
        .route("/w/{ws}/locations/{loc}", web::post().to(locations::update))
        // A location's feedback link on paper: its QR code (SVG, PNG) and a printable card.
        .route(
            "/w/{ws}/locations/{loc}/qr.svg",
            web::get().to(link_feedback::qr_svg),
        )
        .route(
            "/w/{ws}/locations/{loc}/qr.png",
            web::get().to(link_feedback::qr_png),
        )
        .route(
            "/w/{ws}/locations/{loc}/card",
            web::get().to(link_feedback::card),
        )
        // Connections pages: each connection's sync status, mapping its remote locations to
        .route("/w/{ws}/connections", web::get().to(connections::list))
        .route(
            "/w/{ws}/connections/{id}",
            web::get().to(connections::detail),
        )
        .route(
            "/w/{ws}/connections/{id}",
            web::post().to(connections::change),
        )
        // Connecting an account: the "Connect Google / Facebook" button sends the browser to the
        .route("/w/{ws}/connections", web::post().to(connect_flow::start))
        .route(
            "/oauth/{provider}/callback",
            web::get().to(connect_flow::callback),
        )
        // The alerts page: your own email alerts for the workspace, and its webhooks (managers).
        .route("/w/{ws}/alerts", web::get().to(alerts::page))
        .route("/w/{ws}/alerts", web::post().to(alerts::save))
        .route("/w/{ws}/webhooks", web::post().to(alerts::add_hook))
        .route(
            "/w/{ws}/webhooks/{id}/delete",
            web::post().to(form_post::removal(
                "alerts",
                "Webhook removed.",
                services::alerts::delete_webhook,
            )),
        )
        // The inbox page: every item of the workspace, newest first, with filters that combine,
        .route("/w/{ws}/inbox", web::get().to(inbox::list))
        // What the inbox's forms post: a reply (or its deletion), tags, an assignee, a note, a bulk reply. Each goes
        .route(
            "/w/{ws}/items/{item}/reply",
            web::post().to(inbox_forms::reply),
        )
        .route(
            "/w/{ws}/items/{item}/draft",
            web::post().to(inbox_drafts::draft),
        )
        .route(
            "/w/{ws}/items/{item}/reply/delete",
            web::post().to(inbox_forms::delete_reply),
        )
        .route(
            "/w/{ws}/items/{item}/tags",
            web::post().to(inbox_forms::tags),
        )
        .route(
            "/w/{ws}/items/{item}/assign",
            web::post().to(inbox_forms::assign),
        )
        .route(
            "/w/{ws}/items/{item}/notes",
            web::post().to(inbox_forms::note),
        )
        .route(
            "/w/{ws}/inbox/bulk-draft",
            web::post().to(inbox_drafts::bulk_draft),
        )
        .route(
            "/w/{ws}/inbox/bulk-reply",
            web::post().to(inbox_forms::bulk),
        )
        // The dashboard (per workspace or location, for a period) and the printable monthly report
        .route("/w/{ws}/dashboard", web::get().to(dashboard::dashboard))
        // The printable monthly report of one location: the dashboard's figures and charts for a
        .route("/w/{ws}/report", web::get().to(report::report))
        // The import page: upload a CSV file of reviews, check it (dry run) or import it, and see
        .route("/w/{ws}/import", web::get().to(import::page))
        .route("/w/{ws}/import", web::post().to(import::upload))
        .route("/w/{ws}/import/valid", web::post().to(import::import_valid))
        // "Sign in with Google / Facebook": send the browser to the provider, take it back, sign in.
        .route("/auth/{provider}/start", web::get().to(oauth::start))
        .route("/auth/{provider}/callback", web::get().to(oauth::callback))
        // The traffic page for instance admins: charts and tables drawn from per-minute rollups, and
        .route("/admin/traffic", web::get().to(traffic::page))
        .route("/admin/bans/{client}/lift", web::post().to(traffic::lift))
        // Showcase sets: the list with a form for a new one; one set with its settings, preview,
        // snippets and entries (pin, hide, approve).
        .route("/w/{ws}/showcase", web::get().to(showcase::list))
        .route("/w/{ws}/showcase", web::post().to(showcase::create))
        .route("/w/{ws}/showcase/{id}", web::get().to(showcase::detail))
        .route("/w/{ws}/showcase/{id}", web::post().to(showcase::save))
        .route("/w/{ws}/showcase/{id}/pick", web::post().to(showcase::pick))
        .route(
            "/w/{ws}/showcase/{id}/delete",
            web::post().to(form_post::removal(
                "showcase",
                "Showcase set deleted.",
                services::showcases::remove,
            )),
        )
        // Client reports: scheduled reports (recipients, schedule, locations, period), a test
        // to oneself, the PDF preview, the branding form; the monthly report's PDF.
        .route("/w/{ws}/reports", web::get().to(client_reports::list))
        .route("/w/{ws}/reports", web::post().to(client_reports::create))
        .route(
            "/w/{ws}/reports/branding",
            web::post().to(client_reports::branding),
        )
        .route(
            "/w/{ws}/reports/{id}",
            web::get().to(client_reports::detail),
        )
        .route("/w/{ws}/reports/{id}", web::post().to(client_reports::save))
        .route(
            "/w/{ws}/reports/{id}/test",
            web::post().to(client_reports::test),
        )
        .route(
            "/w/{ws}/reports/{id}/preview",
            web::get().to(client_reports::preview),
        )
        .route(
            "/w/{ws}/reports/{id}/delete",
            web::post().to(form_post::removal(
                "reports",
                "Report deleted.",
                services::report_plans::delete,
            )),
        )
        .route(
            "/w/{ws}/report.pdf",
            web::get().to(client_reports::month_pdf),
        )
        // Auto-response rules and the replies they queued; cancelling one.
        .route("/w/{ws}/auto-replies", web::get().to(auto_rules::page))
        .route("/w/{ws}/auto-replies", web::post().to(auto_rules::save))
        .route(
            "/w/{ws}/auto-replies/{id}/delete",
            web::post().to(form_post::removal(
                "auto-replies",
                "Rule deleted; what it queued will not be sent.",
                services::auto_replies::delete_rule,
            )),
        )
        .route(
            "/w/{ws}/items/{item}/auto-reply/cancel",
            web::post().to(auto_rules::cancel),
        )
        // The workspace's reply templates: list, create, edit, delete.
        .route("/w/{ws}/templates", web::get().to(templates::page))
        .route("/w/{ws}/templates", web::post().to(templates::save))
        .route(
            "/w/{ws}/templates/drafts",
            web::post().to(templates::save_drafts),
        )
        .route(
            "/w/{ws}/templates/{id}/delete",
            web::post().to(form_post::removal(
                "templates",
                "Template deleted.",
                services::annotations::delete_template,
            )),
        )
        // The public pages behind campaign emails: `/f/TOKEN` feedback, `/u/TOKEN` unsubscribe (RFC
        .route("/f/{token}", web::get().to(campaign_links::feedback_page))
        .route(
            "/f/{token}",
            web::post().to(campaign_links::feedback_submit),
        )
        .route(
            "/u/{token}",
            web::get().to(campaign_links::unsubscribe_page),
        )
        .route("/u/{token}", web::post().to(campaign_links::unsubscribe))
        // A client report's unsubscribe link (RFC 8058 one-click as well).
        .route("/u/r/{token}", web::get().to(report_unsubscribe::page))
        .route(
            "/u/r/{token}",
            web::post().to(report_unsubscribe::unsubscribe),
        )
        .route("/o/{token}", web::get().to(campaign_links::open_pixel))
        // A location's public feedback link (`/r/TOKEN`, printed as a QR code): no contact needed.
        .route("/r/{token}", web::get().to(link_feedback::page))
        .route("/r/{token}", web::post().to(link_feedback::submit))
        // A showcase in public: `/s/KEY` its wall, `/s/KEY.json`, `/s/KEY.js` (the script embed)
        // and `/s/KEY/frame` (the iframe embed). No sign-in; other sites embed them.
        .route("/s/{file}", web::get().to(showcase_public::file))
        .route("/s/{key}/frame", web::get().to(showcase_public::frame))
        // The workspace's contacts: list, add one, import a CSV file, delete, stop mailing.
        .route("/w/{ws}/contacts", web::get().to(contacts::page))
        .route("/w/{ws}/contacts", web::post().to(contacts::add))
        .route("/w/{ws}/contacts/import", web::post().to(contacts::import))
        .route(
            "/w/{ws}/contacts/import/valid",
            web::post().to(contacts::import_valid),
        )
        .route(
            "/w/{ws}/contacts/{id}/delete",
            web::post().to(form_post::removal(
                "contacts",
                "Contact deleted.",
                services::contacts::delete,
            )),
        )
        .route(
            "/w/{ws}/contacts/{id}/suppress",
            web::post().to(contacts::suppress),
        )
        // Campaign pages: the list with a form for a new one, and one campaign with its funnel and
        .route("/w/{ws}/campaigns", web::get().to(campaign_list::list))
        .route("/w/{ws}/campaigns", web::post().to(campaign_list::create))
        .route("/w/{ws}/campaigns/{id}", web::get().to(campaigns::detail))
        .route(
            "/w/{ws}/campaigns/{id}/send",
            web::post().to(campaign_send::send),
        )
        .route(
            "/w/{ws}/campaigns/{id}/test",
            web::post().to(campaign_send::test),
        )
        .route(
            "/w/{ws}/campaigns/{id}/delete",
            web::post().to(campaign_send::delete),
        )
        .route(
            "/w/{ws}/campaigns/{id}/edit",
            web::post().to(campaigns::edit),
        )
        .route(
            "/w/{ws}/campaigns/{id}/{action}",
            web::post().to(campaigns::act_on),
        )
        // The workspace's feedback: what customers answered, and the feedback-request template,
        .route("/w/{ws}/feedback", web::get().to(feedback::page))
        .route("/w/{ws}/feedback/settings", web::post().to(feedback::save))
        .route(
            "/w/{ws}/feedback/{id}/delete",
            web::post().to(form_post::removal(
                "feedback",
                "Answer deleted.",
                services::feedback::delete_answer,
            )),
        )
        // The instance's mail settings for instance admins, with "Send test email": a message straight
        .route("/admin/mail", web::get().to(mail_settings::page))
        .route("/admin/mail/test", web::post().to(mail_settings::test))
        // The workspace's privacy requests page (owners): export, erase or restrict everything about
        .route("/w/{ws}/privacy", web::get().to(privacy::page))
        .route("/w/{ws}/privacy", web::post().to(privacy::act))
        .route(
            "/w/{ws}/privacy/reviewers",
            web::post().to(privacy_reviewers::act_reviewer),
        )
        // `/privacy`: the privacy notice, drawn from the running configuration (operator, retention
        .route("/privacy", web::get().to(privacy_notice::page));
}
