//! The email a workspace's managers get when a customer leaves a low score.

use super::templates::Rendered;
use askama::Template;

pub struct FeedbackAlert<'a> {
    pub workspace: &'a str,
    pub location: &'a str,
    pub contact: &'a str,
    pub score: &'a str,
    pub comment: &'a str,
    pub feedback_url: &'a str,
}

#[derive(Template)]
#[template(path = "emails/feedback_alert/subject.txt")]
struct Subject<'a> {
    m: &'a FeedbackAlert<'a>,
}

#[derive(Template)]
#[template(path = "emails/feedback_alert/body.txt")]
struct Text<'a> {
    m: &'a FeedbackAlert<'a>,
}

#[derive(Template)]
#[template(path = "emails/feedback_alert/body.html")]
struct Html<'a> {
    m: &'a FeedbackAlert<'a>,
}

impl FeedbackAlert<'_> {
    pub fn render(&self) -> askama::Result<Rendered> {
        Ok(Rendered {
            subject: crate::domain::header_safe(&Subject { m: self }.render()?),
            text: Text { m: self }.render()?,
            html: Some(Html { m: self }.render()?),
        })
    }
}
