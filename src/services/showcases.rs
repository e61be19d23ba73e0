//! Showcase sets: create, change, pin, hide and approve what they show (managers), see them
//! and their preview (every member), and find a set from its public address (anyone).

use super::auth::{Actor, Principal};
use super::showcase_entries::{self, Entry};
use super::{Ctx, Error, Result};
use crate::domain::{
    Access, Approval, Id, Layout, Location, MAX_ORIGINS, MAX_PICKS, MAX_SHOWN, Pick, Rule,
    ShowSource, Showcase, Theme, Workspace, parse_colour, parse_origin,
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

/// What a manager does to one entry of a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickAction {
    Pin,
    Unpin,
    Hide,
    Unhide,
    Approve,
    Unapprove,
}

impl PickAction {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pin" => Self::Pin,
            "unpin" => Self::Unpin,
            "hide" => Self::Hide,
            "unhide" => Self::Unhide,
            "approve" => Self::Approve,
            "unapprove" => Self::Unapprove,
            _ => return None,
        })
    }
}

fn invalid(m: impl Into<String>) -> Error {
    Error::Invalid(m.into())
}

/// Applies `input` to `set`, checking every field; nothing changes on an error.
fn apply(ctx: &Ctx, ws: &Id<Workspace>, set: &mut Showcase, input: &SettingsInput) -> Result<()> {
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
                .ok_or_else(|| invalid(format!("`{l}` is not a location of this workspace")))?;
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

pub fn create(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    input: &SettingsInput,
) -> Result<Showcase> {
    let here = ctx.enter_as(actor, ws, Access::Write)?;
    if ctx.store.showcases().all(ws)?.len() >= crate::store::MAX_SHOWCASES {
        return Err(Error::Conflict(format!(
            "a workspace has at most {} showcase sets",
            crate::store::MAX_SHOWCASES
        )));
    }
    if input.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(invalid("name the set"));
    }
    let now = ctx.clock.now();
    let mut set = Showcase {
        id: Id::generate(now),
        workspace: *ws,
        name: String::new(),
        rule: Rule::default(),
        approval: Approval::Automatic,
        pinned: Vec::new(),
        hidden: Vec::new(),
        approved: Vec::new(),
        layout: Layout::List,
        theme: Theme::Auto,
        colour: "#1f6feb".into(),
        allowed_origins: Vec::new(),
        json_ld: false,
        created_at: now,
        updated_at: now,
    };
    apply(ctx, ws, &mut set, input)?;
    ctx.store.showcases().put(&set)?;
    ctx.store
        .audit()
        .append(ws, &here.audit("showcase.created", &set.name))?;
    Ok(set)
}

pub fn update(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    id: &Id<Showcase>,
    input: &SettingsInput,
) -> Result<Showcase> {
    let here = ctx.enter_as(actor, ws, Access::Write)?;
    let mut set = ctx.store.showcases().get(ws, id)?.ok_or(Error::NotFound)?;
    apply(ctx, ws, &mut set, input)?;
    set.updated_at = ctx.clock.now();
    ctx.store.showcases().put(&set)?;
    ctx.store
        .audit()
        .append(ws, &here.audit("showcase.changed", &set.name))?;
    Ok(set)
}

pub fn list(ctx: &Ctx, principal: &Principal, ws: &Id<Workspace>) -> Result<Vec<Showcase>> {
    ctx.enter(principal, ws, Access::Read)?;
    Ok(ctx.store.showcases().all(ws)?)
}

pub fn get(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id<Workspace>,
    id: &Id<Showcase>,
) -> Result<Showcase> {
    ctx.enter(principal, ws, Access::Read)?;
    ctx.store.showcases().get(ws, id)?.ok_or(Error::NotFound)
}

pub fn remove(ctx: &Ctx, actor: &Actor, ws: &Id<Workspace>, id: &Id<Showcase>) -> Result<()> {
    let here = ctx.enter_as(actor, ws, Access::Write)?;
    let set = ctx.store.showcases().get(ws, id)?.ok_or(Error::NotFound)?;
    ctx.store.showcases().remove(ws, id)?;
    ctx.store
        .audit()
        .append(ws, &here.audit("showcase.deleted", &set.name))?;
    Ok(())
}

/// Pins, hides or approves one entry (or takes that back). The entry must be this
/// workspace's; pinning or approving one that may not be shown (no consent to publish, a
/// restricted reviewer, removed at the provider) is refused with the reason.
pub fn act(
    ctx: &Ctx,
    actor: &Actor,
    ws: &Id<Workspace>,
    id: &Id<Showcase>,
    pick: &str,
    action: PickAction,
) -> Result<Showcase> {
    let here = ctx.enter_as(actor, ws, Access::Write)?;
    let pick = Pick::parse(pick)
        .ok_or_else(|| invalid(format!("`{pick}` is not item:<id> or feedback:<id>")))?;
    let exists = match &pick {
        Pick::Item(i) => ctx.store.items().get(ws, i)?.is_some(),
        Pick::Feedback(f) => ctx.store.campaigns().feedback(ws, f)?.is_some(),
    };
    if !exists {
        return Err(Error::NotFound);
    }
    if matches!(action, PickAction::Pin | PickAction::Approve)
        && showcase_entries::load(ctx, ws, &pick)?.is_none()
    {
        return Err(invalid(
            "this entry may not be shown: a review removed at its provider, a restricted \
             reviewer, or feedback whose customer did not agree to publication",
        ));
    }
    let now = ctx.clock.now();
    let set = ctx
        .store
        .showcases()
        .update(ws, id, |s| {
            let (list, add) = match action {
                PickAction::Pin => (&mut s.pinned, true),
                PickAction::Unpin => (&mut s.pinned, false),
                PickAction::Hide => (&mut s.hidden, true),
                PickAction::Unhide => (&mut s.hidden, false),
                PickAction::Approve => (&mut s.approved, true),
                PickAction::Unapprove => (&mut s.approved, false),
            };
            let had = list.contains(&pick);
            if add == had || (add && list.len() >= MAX_PICKS) {
                return false;
            }
            if add {
                list.push(pick);
            } else {
                list.retain(|p| *p != pick);
            }
            // An entry is either hidden or pinned, never both.
            match action {
                PickAction::Pin => s.hidden.retain(|p| *p != pick),
                PickAction::Hide => s.pinned.retain(|p| *p != pick),
                _ => {}
            }
            s.updated_at = now;
            true
        })?
        .ok_or(Error::NotFound)?;
    let listed = match action {
        PickAction::Pin | PickAction::Unpin => set.pinned.contains(&pick),
        PickAction::Hide | PickAction::Unhide => set.hidden.contains(&pick),
        PickAction::Approve | PickAction::Unapprove => set.approved.contains(&pick),
    };
    let wanted = matches!(
        action,
        PickAction::Pin | PickAction::Hide | PickAction::Approve
    );
    if listed != wanted {
        return Err(Error::Conflict(format!(
            "a set lists at most {MAX_PICKS} entries as pinned, hidden or approved"
        )));
    }
    ctx.store.audit().append(
        ws,
        &here.audit(
            &format!("showcase.{action:?}").to_lowercase(),
            &pick.to_string(),
        ),
    )?;
    Ok(set)
}

/// What the Showcase page previews: what shows now, what waits for approval, what is hidden.
pub struct Preview {
    pub shown: Vec<Entry>,
    pub waiting: Vec<Entry>,
    pub hidden: Vec<Entry>,
}

pub fn preview(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id<Workspace>,
    id: &Id<Showcase>,
) -> Result<(Showcase, Preview)> {
    let set = get(ctx, principal, ws, id)?;
    let shown = showcase_entries::shown(ctx, &set)?;
    let waiting = match set.approval {
        Approval::Automatic => Vec::new(),
        Approval::ApproveFirst => {
            let skip = |p: &Pick| set.let_through(p) || set.hidden.contains(p);
            showcase_entries::rule_walk(ctx, &set, usize::from(MAX_SHOWN), &skip)?
        }
    };
    let mut hidden = Vec::new();
    for p in set.hidden.iter().rev().take(usize::from(MAX_SHOWN)) {
        if let Some(e) = showcase_entries::load(ctx, ws, p)? {
            hidden.push(e);
        }
    }
    Ok((
        set,
        Preview {
            shown,
            waiting,
            hidden,
        },
    ))
}
