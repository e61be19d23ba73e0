//! What the team adds to an item (tags, an assignee, internal notes) and the workspace's reply
//! templates with their placeholders.

use super::{Id, Item, Location, User, Workspace};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Tags, assignee and notes of one item; never sent to a provider.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemNotes {
    pub tags: Vec<String>,
    pub assignee: Option<Id<User>>,
    pub notes: Vec<Note>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub author: Option<Id<User>>,
    pub author_name: String,
    pub text: String,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub at: OffsetDateTime,
}

pub const MAX_TAGS: usize = 20;
pub const MAX_NOTES: usize = 200;

/// A tag as stored: trimmed, lower case, 1–40 characters, letters, digits, spaces, `-` `_`.
pub fn parse_tag(raw: &str) -> Result<String, String> {
    let t = raw.trim().to_lowercase();
    if t.is_empty() || t.chars().count() > 40 {
        return Err("tags have 1 to 40 characters".into());
    }
    if !t
        .chars()
        .all(|c| c.is_alphanumeric() || c == ' ' || c == '-' || c == '_')
    {
        return Err(format!(
            "`{}`: tags hold letters, digits, spaces, - and _ only",
            raw.trim()
        ));
    }
    Ok(t)
}

/// Note text: 1–4,000 characters, no control characters but line breaks.
pub fn parse_note(raw: &str) -> Result<String, String> {
    let t = raw.trim();
    if t.is_empty() || t.chars().count() > 4_000 {
        return Err("notes have 1 to 4,000 characters".into());
    }
    if t.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err("control characters are not allowed in notes".into());
    }
    Ok(t.to_string())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyTemplate {
    pub id: Id<ReplyTemplate>,
    pub workspace: Id<Workspace>,
    pub name: String,
    pub body: String,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// The placeholders a template may use, with what they stand for.
pub const PLACEHOLDERS: [(&str, &str); 4] = [
    (
        "{first_name}",
        "the reviewer's first name (\"there\" when anonymous)",
    ),
    ("{name}", "the reviewer's full name"),
    ("{location}", "the location's name"),
    ("{rating}", "the stars given, 1–5"),
];

/// Checks a template's name and body; returns them trimmed.
pub fn parse_template(name: &str, body: &str) -> Result<(String, String), String> {
    let (name, body) = (name.trim(), body.trim());
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
        return Err("name: 1 to 80 characters, no control characters".into());
    }
    if body.is_empty() || body.chars().count() > 4_000 {
        return Err("body: 1 to 4,000 characters".into());
    }
    if body
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err("body: control characters are not allowed".into());
    }
    Ok((name.to_string(), body.to_string()))
}

/// The template filled in for one item. Plain substitution: the body is text, never a
/// template program, so nothing in it (or in a reviewer's name) is evaluated.
pub fn fill_template(body: &str, item: &Item, location: Option<&Location>) -> String {
    let name = item.author.name.trim();
    let first = if item.author.anonymous || name.is_empty() {
        "there"
    } else {
        name.split_whitespace().next().unwrap_or("there")
    };
    let full = if item.author.anonymous || name.is_empty() {
        "there"
    } else {
        name
    };
    let rating = item
        .rating
        .map(|r| r.stars().to_string())
        .unwrap_or_default();
    let loc = location.map_or("", |l| l.name.as_str());
    // One pass over the body, so a value holding `{location}` is not substituted again.
    let mut out = String::with_capacity(body.len() + 32);
    let mut rest = body;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        let hit = [
            ("{first_name}", first),
            ("{name}", full),
            ("{location}", loc),
            ("{rating}", rating.as_str()),
        ]
        .into_iter()
        .find(|(p, _)| tail.starts_with(p));
        match hit {
            Some((p, v)) => {
                out.push_str(v);
                rest = &tail[p.len()..];
            }
            None => {
                out.push('{');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}
