//! Showcase sets: which reviews a business shows on its own website, chosen by rule and by
//! hand, and how the embeds draw them.

use super::embed_look::{Layout, Theme};
use super::{Feedback, Id, Item, Location, Origin, Workspace};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;

/// At most this many entries in a set's pinned, hidden and approved lists each.
pub const MAX_PICKS: usize = 500;
/// A set shows at most this many entries.
pub const MAX_SHOWN: u16 = 50;
/// At most this many allowed origins (sites that may frame the set).
pub const MAX_ORIGINS: usize = 20;

/// One thing a set can show: a review from a provider (or an import), or an answer from
/// Plaudit's own feedback page. Written `item:<id>` / `feedback:<id>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Pick {
    Item(Id<Item>),
    Feedback(Id<Feedback>),
}

impl fmt::Display for Pick {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Item(id) => write!(f, "item:{id}"),
            Self::Feedback(id) => write!(f, "feedback:{id}"),
        }
    }
}

impl Pick {
    pub fn parse(s: &str) -> Option<Self> {
        let (kind, id) = s.trim().split_once(':')?;
        match kind {
            "item" => id.parse().ok().map(Self::Item),
            "feedback" => id.parse().ok().map(Self::Feedback),
            _ => None,
        }
    }
}

impl From<Pick> for String {
    fn from(p: Pick) -> Self {
        p.to_string()
    }
}

impl TryFrom<String> for Pick {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or_else(|| format!("`{s}` is not item:<id> or feedback:<id>"))
    }
}

/// Where an entry comes from, as a set's rule names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShowSource {
    Google,
    Facebook,
    Import,
    /// Answers from Plaudit's own feedback page whose customer agreed to publication.
    Feedback,
}

impl ShowSource {
    pub const ALL: [Self; 4] = [Self::Google, Self::Facebook, Self::Import, Self::Feedback];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Google => "google",
            Self::Facebook => "facebook",
            Self::Import => "import",
            Self::Feedback => "feedback",
        }
    }

    /// The name shown beside an entry (no logo: nobody's trademark is drawn).
    pub fn label(self) -> &'static str {
        match self {
            Self::Google => "Google",
            Self::Facebook => "Facebook",
            Self::Import => "Review",
            Self::Feedback => "Verified customer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn of_origin(o: Origin) -> Self {
        match o {
            Origin::Google => Self::Google,
            Origin::Facebook => Self::Facebook,
            Origin::Import => Self::Import,
        }
    }
}

/// Which entries a set takes by itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// Empty: every location.
    pub locations: Vec<Id<Location>>,
    /// Empty: every source.
    pub sources: Vec<ShowSource>,
    /// 1–5; a Facebook recommendation counts as 5, "does not recommend" as 1.
    pub min_stars: u8,
    pub text_only: bool,
    /// 1–`MAX_SHOWN`: the newest this many that pass.
    pub newest: u16,
    /// A language code (`language::LANGUAGES`), guessed from the text.
    pub language: Option<String>,
}

impl Default for Rule {
    fn default() -> Self {
        Self {
            locations: Vec::new(),
            sources: Vec::new(),
            min_stars: 4,
            text_only: true,
            newest: 12,
            language: None,
        }
    }
}

impl Rule {
    pub fn takes_source(&self, s: ShowSource) -> bool {
        self.sources.is_empty() || self.sources.contains(&s)
    }

    pub fn takes_location(&self, l: Option<Id<Location>>) -> bool {
        self.locations.is_empty() || l.is_some_and(|l| self.locations.contains(&l))
    }

    /// The checks that need the entry's own words and score.
    pub fn takes(&self, stars: Option<u8>, text: &str) -> bool {
        stars.is_some_and(|s| s >= self.min_stars)
            && (!self.text_only || !text.trim().is_empty())
            && self
                .language
                .as_deref()
                .is_none_or(|l| super::language::detect(text) == Some(l))
    }
}

/// What happens to a newly synced entry that passes the rule.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Approval {
    /// It shows at once.
    #[default]
    Automatic,
    /// It waits until someone approves it (or pins it).
    ApproveFirst,
}

/// A named set of entries a workspace shows in public.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Showcase {
    pub id: Id<Showcase>,
    pub workspace: Id<Workspace>,
    pub name: String,
    pub rule: Rule,
    pub approval: Approval,
    /// Shown first, in this order, whatever the rule (still never when erased, restricted
    /// or removed at the provider).
    pub pinned: Vec<Pick>,
    /// Never shown.
    pub hidden: Vec<Pick>,
    /// Entries let through under `Approval::ApproveFirst`.
    pub approved: Vec<Pick>,
    pub layout: Layout,
    pub theme: Theme,
    /// `#rrggbb`.
    pub colour: String,
    /// Origins (`https://example.com`) that may frame the set; empty: any site.
    pub allowed_origins: Vec<String>,
    /// Emit schema.org JSON-LD for first-party answers on the wall page.
    pub json_ld: bool,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "crate::domain::when::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl Showcase {
    /// Whether `pick` may show under the approval choice (pinned counts as approved).
    pub fn let_through(&self, pick: &Pick) -> bool {
        !self.hidden.contains(pick)
            && (self.approval == Approval::Automatic
                || self.approved.contains(pick)
                || self.pinned.contains(pick))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_read_back_as_written_and_refuse_anything_else() {
        let now = time::macros::datetime!(2026-05-01 12:00 UTC);
        for p in [
            Pick::Item(Id::generate(now)),
            Pick::Feedback(Id::generate(now)),
        ] {
            assert_eq!(Pick::parse(&p.to_string()), Some(p));
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(serde_json::from_str::<Pick>(&json).unwrap(), p);
        }
        for bad in ["", "item", "item:", "item:zz", "review:00", "feedback:1234"] {
            assert_eq!(Pick::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_rule_takes_stars_text_and_language() {
        let r = Rule::default();
        assert!(r.takes(Some(4), "Great"));
        assert!(!r.takes(Some(3), "Fine"));
        assert!(!r.takes(None, "No rating"));
        assert!(!r.takes(Some(5), "  "));
        assert!(
            Rule {
                text_only: false,
                ..Rule::default()
            }
            .takes(Some(5), "")
        );
    }
}
