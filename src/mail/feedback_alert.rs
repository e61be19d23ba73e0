//! The email a workspace's managers get when a customer leaves a low score.

use super::templates::email;

pub struct FeedbackAlert<'a> {
    pub workspace: &'a str,
    pub location: &'a str,
    pub contact: &'a str,
    pub score: &'a str,
    pub comment: &'a str,
    pub feedback_url: &'a str,
}

email!(
    FeedbackAlert,
    "emails/feedback_alert/subject.txt",
    "emails/feedback_alert/body.txt",
    "emails/feedback_alert/body.html",
    crate::domain::header_safe
);
