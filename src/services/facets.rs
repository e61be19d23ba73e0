//! Counts beside the inbox filters (per location, source, stars, replied), read from rollups
//! so they cost the same whatever the number of items.

use super::auth::Principal;
use super::{Ctx, Result};
use crate::domain::{Access, Id, Location, Origin, Workspace};

#[derive(Debug, Clone, Default)]
pub struct Facets {
    pub total: u64,
    pub replied: u64,
    pub stars: [u64; 5],
    pub google: u64,
    pub facebook: u64,
    pub import: u64,
    pub by_location: Vec<(Id<Location>, u64)>,
}

/// Counts of items created on days `[from, to)` (day numbers), for one location or all;
/// `locations` are the workspace's, as the caller already read them.
pub fn facets(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id<Workspace>,
    locations: &[Location],
    location: Option<&Id<Location>>,
    from: u32,
    to: u32,
) -> Result<Facets> {
    ctx.enter(principal, ws, Access::Read)?;
    let items = ctx.store.items();
    let t = items.total(ws, location, from, to)?;
    // Sources from the same spans as the total: reading the days would cost the history.
    let mut f = Facets {
        total: t.items,
        replied: t.replied,
        stars: t.stars,
        google: t.from(Origin::Google),
        facebook: t.from(Origin::Facebook),
        import: t.from(Origin::Import),
        by_location: Vec::new(),
    };
    for l in locations {
        let n = items.total(ws, Some(&l.id), from, to)?.items;
        f.by_location.push((l.id, n));
    }
    Ok(f)
}
