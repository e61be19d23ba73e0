//! A client report's email: the headline figures in HTML and plain text (readable without
//! images), the PDF attached, and the one-click unsubscribe headers (RFC 8058).

use super::figures::{LocationFigures, Report};
use super::format::{self, Changes};

pub struct ReportEmail<'a> {
    pub report: &'a Report,
    pub changes: Changes,
    pub average: String,
    pub rate: String,
    pub response_time: String,
    pub on_primary: &'static str,
    pub unsubscribe_url: &'a str,
    /// "Send a test to me": marked as such.
    pub test: bool,
}

crate::mail::templates::email!(
    ReportEmail,
    "emails/client_report/subject.txt",
    "emails/client_report/body.txt",
    "emails/client_report/body.html"
);

impl<'a> ReportEmail<'a> {
    pub fn new(report: &'a Report, unsubscribe_url: &'a str, test: bool) -> Self {
        let t = &report.summary.totals;
        Self {
            report,
            changes: format::changes(t, &report.summary.previous),
            average: format::average(t),
            rate: format::rate(t),
            response_time: format::response_time(t),
            on_primary: crate::domain::contrast::text_on(&report.brand.primary),
            unsubscribe_url,
            test,
        }
    }

    pub fn avg(&self, l: &LocationFigures) -> String {
        format::average(&l.figures.totals)
    }
}

/// The unsubscribe headers of a report sent to one recipient.
pub fn headers(unsubscribe_url: &str, workspace: &str, plan: &str) -> Vec<(String, String)> {
    vec![
        ("List-Unsubscribe".into(), format!("<{unsubscribe_url}>")),
        (
            "List-Unsubscribe-Post".into(),
            "List-Unsubscribe=One-Click".into(),
        ),
        ("X-Plaudit-Workspace".into(), workspace.to_string()),
        ("X-Plaudit-Report".into(), plan.to_string()),
    ]
}
