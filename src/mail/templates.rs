//! Every email is a folder under templates/emails/<name>/ with a subject, a text and an HTML body.

use askama::Template;

/// An email rendered and ready to queue.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

/// Subjects are one line: whatever a template or its data did, fold every whitespace run.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Sent by `plaudit admin test-email` to prove the mail settings work end to end.
pub struct TestEmail<'a> {
    pub instance_url: &'a str,
    pub requested_by: &'a str,
}

#[derive(Template)]
#[template(path = "emails/test/subject.txt")]
struct TestSubject<'a> {
    m: &'a TestEmail<'a>,
}

#[derive(Template)]
#[template(path = "emails/test/body.txt")]
struct TestText<'a> {
    m: &'a TestEmail<'a>,
}

#[derive(Template)]
#[template(path = "emails/test/body.html")]
struct TestHtml<'a> {
    m: &'a TestEmail<'a>,
}

impl TestEmail<'_> {
    pub fn render(&self) -> askama::Result<Rendered> {
        Ok(Rendered {
            subject: one_line(&TestSubject { m: self }.render()?),
            text: TestText { m: self }.render()?,
            html: Some(TestHtml { m: self }.render()?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_body_escapes_and_subject_stays_one_line() {
        let m = TestEmail {
            instance_url: "https://reviews.example.com",
            requested_by: "<script>alert(1)</script>",
        };
        let r = m.render().unwrap();
        assert!(!r.subject.contains('\n'));
        let html = r.html.unwrap();
        assert!(
            html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"),
            "{html}"
        );
        assert!(!html.contains("<script>"));
        assert!(r.text.contains("https://reviews.example.com"));
    }
}
