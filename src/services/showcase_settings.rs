//! A showcase set's settings as typed (a form or the API) and how they are checked: every
//! field parsed with its reason on refusal, nothing applied unless all pass.

use super::{Ctx, Error, Result};
use crate::domain::{
    Approval, Id, Layout, Location, MAX_ORIGINS, MAX_SHOWN, ShowSource, Showcase, Theme, Workspace,
    parse_colour, parse_origin,
};

/// A set's settings as a form or the API gives them; `None` keeps what is there (or the
/// default for a new set).
#[derive(Debug, Default, Clone)]
pub struct SettingsInput {
    pub name: Option<String>,
    pub locations: Option<Vec<String>>,
    pub sources: Option<Vec<String>>,
    pub min_stars: Option<String>,
    pub text_only: Option<bool>,
    pub newest: Option<String>,
    /// Empty: any language.
    pub language: Option<String>,
    pub approval: Option<String>,
    pub layout: Option<String>,
    pub theme: Option<String>,
    pub colour: Option<String>,
    pub allowed_origins: Option<Vec<String>>,
    pub json_ld: Option<bool>,
}

fn invalid(m: impl Into<String>) -> Error {
    Error::Invalid(m.into())
}

/// Applies `input` to `set`, checking every field; nothing changes on an error.
pub(super) fn apply(
    ctx: &Ctx,
    ws: &Id<Workspace>,
    set: &mut Showcase,
    input: &SettingsInput,
) -> Result<()> {
    let mut next = set.clone();
    if let Some(name) = &input.name {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(invalid("name the set (at most 80 characters)"));
        }
        next.name = name.to_string();
    }
    if let Some(locs) = &input.locations {
        let known = ctx.store.locations().all(ws)?;
        let mut ids: Vec<Id<Location>> = Vec::new();
        for l in locs.iter().map(|l| l.trim()).filter(|l| !l.is_empty()) {
            let id: Id<Location> = l
                .parse()
                .ok()
                .filter(|id| known.iter().any(|k| k.id == *id))
                // A well-formed id naming nothing here: the workspace's state, not the input's shape.
                .ok_or_else(|| {
                    Error::Conflict(format!("`{l}` is not a location of this workspace"))
                })?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        next.rule.locations = ids;
    }
    if let Some(sources) = &input.sources {
        let mut out = Vec::new();
        for s in sources.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            let src = ShowSource::parse(s).ok_or_else(|| {
                invalid(format!(
                    "`{s}` is not a source (google, facebook, import, feedback)"
                ))
            })?;
            if !out.contains(&src) {
                out.push(src);
            }
        }
        next.rule.sources = out;
    }
    if let Some(m) = &input.min_stars {
        next.rule.min_stars = m
            .trim()
            .parse()
            .ok()
            .filter(|n| (1..=5).contains(n))
            .ok_or_else(|| invalid("minimum stars: a whole number from 1 to 5"))?;
    }
    if let Some(t) = input.text_only {
        next.rule.text_only = t;
    }
    if let Some(n) = &input.newest {
        next.rule.newest = n
            .trim()
            .parse()
            .ok()
            .filter(|n| (1..=MAX_SHOWN).contains(n))
            .ok_or_else(|| invalid(format!("show: a number of entries from 1 to {MAX_SHOWN}")))?;
    }
    if let Some(l) = &input.language {
        let l = l.trim();
        next.rule.language = if l.is_empty() {
            None
        } else if crate::domain::language::LANGUAGES.iter().any(|x| x.0 == l) {
            Some(l.to_string())
        } else {
            return Err(invalid(format!(
                "`{l}` is not a language code Plaudit knows"
            )));
        };
    }
    if let Some(a) = &input.approval {
        next.approval = match a.trim() {
            "automatic" => Approval::Automatic,
            "approve_first" => Approval::ApproveFirst,
            other => {
                return Err(invalid(format!(
                    "`{other}` is not an approval choice (automatic, approve_first)"
                )));
            }
        };
    }
    if let Some(l) = &input.layout {
        next.layout = Layout::parse(l.trim())
            .ok_or_else(|| invalid(format!("`{l}` is not a layout (list, grid, badge)")))?;
    }
    if let Some(t) = &input.theme {
        next.theme = Theme::parse(t.trim())
            .ok_or_else(|| invalid(format!("`{t}` is not a theme (light, dark, auto)")))?;
    }
    if let Some(c) = &input.colour {
        next.colour = parse_colour(c).map_err(Error::Invalid)?;
    }
    if let Some(origins) = &input.allowed_origins {
        let mut out: Vec<String> = Vec::new();
        for o in origins.iter().map(|o| o.trim()).filter(|o| !o.is_empty()) {
            let o = parse_origin(o).map_err(Error::Invalid)?;
            if !out.contains(&o) {
                out.push(o);
            }
        }
        if out.len() > MAX_ORIGINS {
            return Err(invalid(format!(
                "at most {MAX_ORIGINS} sites may frame a set"
            )));
        }
        next.allowed_origins = out;
    }
    if let Some(j) = input.json_ld {
        next.json_ld = j;
    }
    *set = next;
    Ok(())
}
