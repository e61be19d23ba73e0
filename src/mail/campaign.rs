//! A campaign message for one contact: placeholders filled, branding and footer added, with
//! the headers that let mailbox providers unsubscribe in one click (RFC 8058).

use super::templates::Rendered;
use crate::domain::{
    CampaignMessage, Contact, FeedbackSettings, Location, header_safe, substitute,
};
use askama::Template;

/// Everything one message needs besides the campaign's text.
pub struct Parts<'a> {
    pub settings: &'a FeedbackSettings,
    pub business: &'a str,
    pub contact: &'a Contact,
    pub location: Option<&'a Location>,
    pub feedback_url: &'a str,
    pub unsubscribe_url: &'a str,
    pub open_url: Option<&'a str>,
    pub mailto: Option<&'a str>,
    pub reminder: bool,
}

#[derive(Template)]
#[template(path = "emails/campaign/body.html")]
struct Html<'a> {
    m: HtmlParts<'a>,
}

struct HtmlParts<'a> {
    business: &'a str,
    logo_url: Option<&'a str>,
    color: &'a str,
    /// Text on the brand colour: white or ink, whichever reads better.
    on_color: &'static str,
    content: String,
    has_link: bool,
    feedback_url: &'a str,
    postal_address: &'a str,
    unsubscribe_url: &'a str,
    open_url: Option<&'a str>,
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn plain(s: &str) -> String {
    s.to_string()
}

/// Plain text as HTML paragraphs; the feedback link becomes a button.
fn text_to_html(text: &str, feedback_url: &str, color: &str) -> String {
    let ink = crate::domain::contrast::text_on(color);
    let mut out = String::new();
    for para in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        if para == "{feedback_link}" {
            out.push_str(&format!(
                "<p style=\"margin:16px 0\"><a href=\"{}\" style=\"display:inline-block; background:{color}; color:{ink}; text-decoration:none; padding:10px 20px; border-radius:6px; font-weight:600\">Tell us how it went</a></p>",
                escape_html(feedback_url)
            ));
            continue;
        }
        out.push_str("<p style=\"margin:0 0 12px\">");
        out.push_str(&escape_html(para).replace('\n', "<br>"));
        out.push_str("</p>");
    }
    out
}

pub fn render(message: &CampaignMessage, p: &Parts) -> askama::Result<Rendered> {
    let location = p.location.map_or(p.business, |l| l.name.as_str());
    let name = if p.contact.name.is_empty() {
        "there"
    } else {
        p.contact.name.as_str()
    };
    let values = [
        ("{first_name}", p.contact.first_name()),
        ("{name}", name),
        ("{location}", location),
        ("{business}", p.business),
        ("{feedback_link}", p.feedback_url),
    ];
    let mut subject = header_safe(&substitute(&message.subject, &values, plain));
    if p.reminder {
        subject = format!("Reminder: {subject}");
    }
    let has_link = message.body_text.contains("{feedback_link}");
    let mut text = substitute(&message.body_text, &values, plain);
    if !has_link {
        text.push_str(&format!("\n\nTell us how it went: {}", p.feedback_url));
    }
    let address = if p.settings.postal_address.is_empty() {
        String::new()
    } else {
        format!("\n{}", p.settings.postal_address)
    };
    text.push_str(&format!(
        "\n\n-- \n{}{address}\nYou got this email because you were a customer of {}. Unsubscribe: {}\n",
        p.business, p.business, p.unsubscribe_url
    ));
    let color = p.settings.brand_color.as_str();
    let (content, html_has_link) = match &message.body_html {
        Some(html) => (
            substitute(html, &values, escape_html),
            html.contains("{feedback_link}"),
        ),
        None => {
            // The link placeholder alone on a line becomes a button; inline it stays a URL.
            let body = message
                .body_text
                .replace("{feedback_link}", "\n\n{feedback_link}\n\n");
            let html = text_to_html(&body, p.feedback_url, color);
            (substitute(&html, &values, escape_html), has_link)
        }
    };
    let html = Html {
        m: HtmlParts {
            business: p.business,
            logo_url: p.settings.logo_url.as_deref(),
            color,
            on_color: crate::domain::contrast::text_on(color),
            content,
            has_link: html_has_link,
            feedback_url: p.feedback_url,
            postal_address: &p.settings.postal_address,
            unsubscribe_url: p.unsubscribe_url,
            open_url: p.open_url,
        },
    }
    .render()?;
    Ok(Rendered {
        subject,
        text,
        html: Some(html),
    })
}

/// The RFC 2369 / RFC 8058 headers and ours for matching bounces back.
pub fn headers(p: &Parts, campaign: &str) -> Vec<(String, String)> {
    let workspace = p.contact.workspace.to_string();
    let mut unsubscribe = format!("<{}>", p.unsubscribe_url);
    if let Some(mailto) = p.mailto {
        unsubscribe.push_str(&format!(", <mailto:{mailto}?subject=unsubscribe>"));
    }
    vec![
        ("List-Unsubscribe".into(), unsubscribe),
        (
            "List-Unsubscribe-Post".into(),
            "List-Unsubscribe=One-Click".into(),
        ),
        ("X-Plaudit-Workspace".into(), workspace),
        ("X-Plaudit-Campaign".into(), campaign.to_string()),
        ("X-Plaudit-Contact".into(), p.contact.id.to_string()),
    ]
}
