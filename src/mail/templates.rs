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

/// Sent to confirm an address: at registration and on an email change.
pub struct VerifyEmail<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub link: &'a str,
    pub valid_for: &'a str,
    pub instance_url: &'a str,
}

#[derive(Template)]
#[template(path = "emails/verify_email/subject.txt")]
struct VerifyEmailSubject<'a> {
    m: &'a VerifyEmail<'a>,
}

#[derive(Template)]
#[template(path = "emails/verify_email/body.txt")]
struct VerifyEmailText<'a> {
    m: &'a VerifyEmail<'a>,
}

#[derive(Template)]
#[template(path = "emails/verify_email/body.html")]
struct VerifyEmailHtml<'a> {
    m: &'a VerifyEmail<'a>,
}

impl VerifyEmail<'_> {
    pub fn render(&self) -> askama::Result<Rendered> {
        Ok(Rendered {
            subject: one_line(&VerifyEmailSubject { m: self }.render()?),
            text: VerifyEmailText { m: self }.render()?,
            html: Some(VerifyEmailHtml { m: self }.render()?),
        })
    }
}

/// Sent when someone asks to reset a password.
pub struct ResetPassword<'a> {
    pub name: &'a str,
    pub link: &'a str,
    pub valid_for: &'a str,
    pub instance_url: &'a str,
}

#[derive(Template)]
#[template(path = "emails/reset_password/subject.txt")]
struct ResetPasswordSubject<'a> {
    m: &'a ResetPassword<'a>,
}

#[derive(Template)]
#[template(path = "emails/reset_password/body.txt")]
struct ResetPasswordText<'a> {
    m: &'a ResetPassword<'a>,
}

#[derive(Template)]
#[template(path = "emails/reset_password/body.html")]
struct ResetPasswordHtml<'a> {
    m: &'a ResetPassword<'a>,
}

impl ResetPassword<'_> {
    pub fn render(&self) -> askama::Result<Rendered> {
        Ok(Rendered {
            subject: one_line(&ResetPasswordSubject { m: self }.render()?),
            text: ResetPasswordText { m: self }.render()?,
            html: Some(ResetPasswordHtml { m: self }.render()?),
        })
    }
}

/// Sent to someone invited to a workspace.
pub struct InvitationEmail<'a> {
    pub inviter: &'a str,
    pub workspace: &'a str,
    pub role: &'a str,
    pub link: &'a str,
    pub valid_for: &'a str,
    pub instance_url: &'a str,
}

#[derive(Template)]
#[template(path = "emails/invitation/subject.txt")]
struct InvitationEmailSubject<'a> {
    m: &'a InvitationEmail<'a>,
}

#[derive(Template)]
#[template(path = "emails/invitation/body.txt")]
struct InvitationEmailText<'a> {
    m: &'a InvitationEmail<'a>,
}

#[derive(Template)]
#[template(path = "emails/invitation/body.html")]
struct InvitationEmailHtml<'a> {
    m: &'a InvitationEmail<'a>,
}

impl InvitationEmail<'_> {
    pub fn render(&self) -> askama::Result<Rendered> {
        Ok(Rendered {
            subject: one_line(&InvitationEmailSubject { m: self }.render()?),
            text: InvitationEmailText { m: self }.render()?,
            html: Some(InvitationEmailHtml { m: self }.render()?),
        })
    }
}

/// Sent instead of a verification when someone registers with a known address.
pub struct AccountExists<'a> {
    pub email: &'a str,
    pub reset_link: &'a str,
    pub instance_url: &'a str,
}

#[derive(Template)]
#[template(path = "emails/account_exists/subject.txt")]
struct AccountExistsSubject<'a> {
    m: &'a AccountExists<'a>,
}

#[derive(Template)]
#[template(path = "emails/account_exists/body.txt")]
struct AccountExistsText<'a> {
    m: &'a AccountExists<'a>,
}

#[derive(Template)]
#[template(path = "emails/account_exists/body.html")]
struct AccountExistsHtml<'a> {
    m: &'a AccountExists<'a>,
}

impl AccountExists<'_> {
    pub fn render(&self) -> askama::Result<Rendered> {
        Ok(Rendered {
            subject: one_line(&AccountExistsSubject { m: self }.render()?),
            text: AccountExistsText { m: self }.render()?,
            html: Some(AccountExistsHtml { m: self }.render()?),
        })
    }
}

/// One item in an alert email.
pub struct AlertLine {
    pub stars: String,
    pub author: String,
    pub source: String,
    pub location: String,
    pub text: String,
}

/// New items for one member: at once after a sync, or as the daily digest.
pub struct NewItemsEmail<'a> {
    pub workspace: &'a str,
    pub lines: Vec<AlertLine>,
    pub total: usize,
    pub more: usize,
    pub digest: bool,
    pub inbox_url: &'a str,
    pub settings_url: &'a str,
}

#[derive(Template)]
#[template(path = "emails/new_items/subject.txt")]
struct NewItemsSubject<'a> {
    m: &'a NewItemsEmail<'a>,
}

#[derive(Template)]
#[template(path = "emails/new_items/body.txt")]
struct NewItemsText<'a> {
    m: &'a NewItemsEmail<'a>,
}

#[derive(Template)]
#[template(path = "emails/new_items/body.html")]
struct NewItemsHtml<'a> {
    m: &'a NewItemsEmail<'a>,
}

impl NewItemsEmail<'_> {
    pub fn render(&self) -> askama::Result<Rendered> {
        Ok(Rendered {
            subject: one_line(&NewItemsSubject { m: self }.render()?),
            text: NewItemsText { m: self }.render()?,
            html: Some(NewItemsHtml { m: self }.render()?),
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
