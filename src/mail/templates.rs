//! Every email is a folder under templates/emails/<name>/ with a subject, a text and an HTML body.

/// An email rendered and ready to queue.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

/// Subjects are one line: whatever a template or its data did, fold every whitespace run.
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An email's three templates (subject, text, HTML; each reads the message as `m`) and its
/// `render`, which folds the subject with `subject` (`one_line` unless said otherwise).
macro_rules! email {
    ($message:ident, $subject:literal, $text:literal, $html:literal) => {
        $crate::mail::templates::email!(
            $message,
            $subject,
            $text,
            $html,
            $crate::mail::templates::one_line
        );
    };
    ($message:ident, $subject:literal, $text:literal, $html:literal, $fold:path) => {
        const _: () = {
            use askama::Template as _;

            #[derive(askama::Template)]
            #[template(path = $subject)]
            struct Subject<'a> {
                m: &'a $message<'a>,
            }

            #[derive(askama::Template)]
            #[template(path = $text)]
            struct Text<'a> {
                m: &'a $message<'a>,
            }

            #[derive(askama::Template)]
            #[template(path = $html)]
            struct Html<'a> {
                m: &'a $message<'a>,
            }

            impl $message<'_> {
                pub fn render(&self) -> askama::Result<$crate::mail::templates::Rendered> {
                    Ok($crate::mail::templates::Rendered {
                        subject: $fold(&Subject { m: self }.render()?),
                        text: Text { m: self }.render()?,
                        html: Some(Html { m: self }.render()?),
                    })
                }
            }
        };
    };
}
pub(crate) use email;

/// Sent by `plaudit admin test-email` to prove the mail settings work end to end.
pub struct TestEmail<'a> {
    pub instance_url: &'a str,
    pub requested_by: &'a str,
}

email!(
    TestEmail,
    "emails/test/subject.txt",
    "emails/test/body.txt",
    "emails/test/body.html"
);

/// Sent to confirm an address: at registration and on an email change.
pub struct VerifyEmail<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub link: &'a str,
    pub valid_for: &'a str,
    pub instance_url: &'a str,
}

email!(
    VerifyEmail,
    "emails/verify_email/subject.txt",
    "emails/verify_email/body.txt",
    "emails/verify_email/body.html"
);

/// Sent when someone asks to reset a password.
pub struct ResetPassword<'a> {
    pub name: &'a str,
    pub link: &'a str,
    pub valid_for: &'a str,
    pub instance_url: &'a str,
}

email!(
    ResetPassword,
    "emails/reset_password/subject.txt",
    "emails/reset_password/body.txt",
    "emails/reset_password/body.html"
);

/// Sent to someone invited to a workspace.
pub struct InvitationEmail<'a> {
    pub inviter: &'a str,
    pub workspace: &'a str,
    pub role: &'a str,
    pub link: &'a str,
    pub valid_for: &'a str,
    pub instance_url: &'a str,
}

email!(
    InvitationEmail,
    "emails/invitation/subject.txt",
    "emails/invitation/body.txt",
    "emails/invitation/body.html"
);

/// Sent instead of a verification when someone registers with a known address.
pub struct AccountExists<'a> {
    pub email: &'a str,
    pub reset_link: &'a str,
    pub instance_url: &'a str,
}

email!(
    AccountExists,
    "emails/account_exists/subject.txt",
    "emails/account_exists/body.txt",
    "emails/account_exists/body.html"
);

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

email!(
    NewItemsEmail,
    "emails/new_items/subject.txt",
    "emails/new_items/body.txt",
    "emails/new_items/body.html"
);

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
