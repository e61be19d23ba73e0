//! Showcase sets: create, change, pin, hide and approve what they show (managers), see them
//! and their preview (every member), and find a set from its public address (anyone).

use super::auth::{Actor, Principal};
use super::showcase_entries::{self, Entry};
pub use super::showcase_settings::SettingsInput;
use super::showcase_settings::apply;
use super::{Ctx, Error, Result};
use crate::domain::{
    Access, Approval, Id, Layout, MAX_PICKS, MAX_SHOWN, Pick, Rule, Showcase, Theme, Workspace,
};

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
        return Err(Error::Invalid("name the set".into()));
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
        .ok_or_else(|| Error::Invalid(format!("`{pick}` is not item:<id> or feedback:<id>")))?;
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
        return Err(Error::Conflict(
            "this entry may not be shown: a review removed at its provider, a restricted \
             reviewer, or feedback whose customer did not agree to publication"
                .into(),
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
    /// Publishing automatically: more entries the rule takes, beyond the newest N (pin one to
    /// show it).
    pub more: Vec<Entry>,
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
    let (waiting, more) = match set.approval {
        Approval::Automatic => {
            let skip = |p: &Pick| set.hidden.contains(p) || shown.iter().any(|e| e.pick == *p);
            let more = showcase_entries::rule_walk(ctx, &set, usize::from(MAX_SHOWN), &skip)?;
            (Vec::new(), more)
        }
        Approval::ApproveFirst => {
            let skip = |p: &Pick| set.let_through(p) || set.hidden.contains(p);
            let waiting = showcase_entries::rule_walk(ctx, &set, usize::from(MAX_SHOWN), &skip)?;
            (waiting, Vec::new())
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
            more,
            hidden,
        },
    ))
}
