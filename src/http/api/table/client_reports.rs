//! The API's routes: client reports on a schedule, their PDF, and the workspace's branding.

use super::super::{Registrar, client_reports as cr, views};
use actix_web::http::Method;

pub fn routes(r: &mut Registrar) {
    r.add(Method::GET, "/workspaces/{ws}/report-plans", cr::list)
        .doc("reports", "Scheduled client reports of the workspace")
        .returns::<views::List<cr::PlanView>>();
    r.add(Method::POST, "/workspaces/{ws}/report-plans", cr::create)
        .doc(
            "reports",
            "Schedule a client report (manager): recipients (client addresses and/or members), monthly on day N or weekly, the local hour and time zone, locations (all or some) and the period; sent as an email with the PDF attached",
        )
        .body::<crate::services::report_plans::PlanInput>()
        .status(201)
        .returns::<cr::PlanView>();
    r.add(Method::GET, "/workspaces/{ws}/report-plans/{id}", cr::one)
        .doc("reports", "One scheduled report")
        .returns::<cr::PlanView>();
    r.add(
        Method::PUT,
        "/workspaces/{ws}/report-plans/{id}",
        cr::replace,
    )
    .doc(
        "reports",
        "Change a scheduled report (manager); recipients kept keep their unsubscribe",
    )
    .body::<crate::services::report_plans::PlanInput>()
    .returns::<cr::PlanView>();
    r.add(
        Method::DELETE,
        "/workspaces/{ws}/report-plans/{id}",
        cr::delete,
    )
    .doc("reports", "Stop and remove a scheduled report (manager)")
    .status(204);
    r.add(Method::POST, "/workspaces/{ws}/report-plans/{id}/test", cr::test)
        .doc(
            "reports",
            "Send the report as it would go out now to the caller only, marked as a test (manager, signed in)",
        )
        .status(202)
        .returns::<cr::TestSentView>();
    r.add(
        Method::GET,
        "/workspaces/{ws}/report-plans/{id}/preview",
        cr::preview,
    )
    .doc(
        "reports",
        "The PDF the report would attach if it went out now",
    )
    .pdf_answer();
    r.add(Method::GET, "/workspaces/{ws}/report.pdf", cr::pdf)
        .doc(
            "reports",
            "The client report of any period (at most about three years) as a PDF, for one location or all",
        )
        .query::<cr::PdfQuery>()
        .pdf_answer();
    r.add(Method::GET, "/workspaces/{ws}/branding", cr::get_branding)
        .doc(
            "reports",
            "The workspace's own branding for reports and public pages (empty fields follow the instance's [branding])",
        )
        .returns::<cr::BrandingView>();
    r.add(Method::PUT, "/workspaces/{ws}/branding", cr::put_branding)
        .doc(
            "reports",
            "Set the workspace's branding (manager): agency name, colours, sender name, reply-to, logo, Powered by Plaudit",
        )
        .body::<cr::BrandingBody>()
        .returns::<cr::BrandingView>();
}
