//! A showcase as the public sees it, found from its address alone (no sign-in): what it shows,
//! its badge's figures and the business's branding.

use super::feedback_settings::settings_of;
use super::showcase_entries::{self, Entry};
use super::{Ctx, Result};
use crate::domain::{FeedbackSettings, Id, Showcase};

pub struct Public {
    pub set: Showcase,
    pub entries: Vec<Entry>,
    /// Average stars and rated reviews at the set's locations, all time.
    pub average: Option<f64>,
    pub count: u64,
    pub brand: FeedbackSettings,
    /// "Powered by Plaudit" on the wall (the workspace's branding).
    pub powered_by: bool,
}

/// The public address's key of a set: its id (80 random bits: not guessable), as the API
/// shows it.
pub fn key(set: &Showcase) -> String {
    set.id.to_string()
}

/// The set behind a public key (its id), if there is one and its workspace still exists.
pub fn by_key(ctx: &Ctx, key: &str) -> Result<Option<Showcase>> {
    let Ok(id) = key.parse::<Id<Showcase>>() else {
        return Ok(None);
    };
    let Some(ws) = ctx.store.showcases().workspace_of(&id)? else {
        return Ok(None);
    };
    if ctx.store.workspaces().get(&ws)?.is_none() {
        return Ok(None);
    }
    Ok(ctx.store.showcases().get(&ws, &id)?)
}

pub fn view(ctx: &Ctx, key: &str) -> Result<Option<Public>> {
    let Some(set) = by_key(ctx, key)? else {
        return Ok(None);
    };
    let entries = showcase_entries::shown(ctx, &set)?;
    let (average, count) = showcase_entries::badge(ctx, &set, ctx.clock.now())?;
    let brand = settings_of(ctx, &set.workspace)?;
    Ok(Some(Public {
        powered_by: super::report_plans::brand_of(ctx, &set.workspace)?.powered_by,
        set,
        entries,
        average,
        count,
        brand,
    }))
}
