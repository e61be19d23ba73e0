//! Counts beside the inbox filters (per location, source, stars, replied), read from rollups
//! so they cost the same whatever the number of items.

use super::auth::Principal;
use super::{Ctx, Result};
use crate::domain::{Access, Id, Location, Origin, RatingFilter, Workspace};
use crate::store::{ItemFilter, PageRequest};

#[derive(Debug, Clone, Default)]
pub struct Facets {
    pub total: u64,
    pub replied: u64,
    /// Items rated in stars, per star (recommendations apart).
    pub stars: [u64; 5],
    /// Facebook recommendations: recommends, does not recommend.
    pub recommends: [u64; 2],
    /// Items waiting for someone: unanswered and not happy, or a failed reply.
    pub attention: u64,
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
    let mut scopes = vec![location];
    scopes.extend(locations.iter().map(|l| Some(&l.id)));
    let mut totals = items.totals(ws, &scopes, from, to)?.into_iter();
    let t = totals.next().unwrap_or_default();
    // Sources from the same spans as the total: reading the days would cost the history.
    let mut f = Facets {
        total: t.items,
        replied: t.replied,
        stars: t.star_ratings(),
        recommends: t.recommends,
        attention: t.attention,
        google: t.from(Origin::Google),
        facebook: t.from(Origin::Facebook),
        import: t.from(Origin::Import),
        by_location: Vec::new(),
    };
    for (l, t) in locations.iter().zip(totals) {
        f.by_location.push((l.id, t.items));
    }
    Ok(f)
}

/// How many items a filtered list holds: exact, or at least `n` when counting would cost
/// more than a page view may spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Matching {
    pub n: u64,
    pub exact: bool,
}

/// The count the rollups give for `filter`, when they can: location and dates with at most
/// one of rating, source and status (the rollups hold no cross counts).
pub fn from_counts(f: &Facets, filter: &ItemFilter) -> Option<u64> {
    let plain = filter.terms.is_empty()
        && filter.tag.is_none()
        && filter.assignee.is_none()
        && filter.language.is_none()
        && filter.kind.is_none();
    let status = filter.replied.is_some() || filter.attention;
    let chosen = [filter.rating.is_some(), filter.origin.is_some(), status];
    if !plain
        || chosen.iter().filter(|c| **c).count() > 1
        || filter.replied.is_some() && filter.attention
    {
        return None;
    }
    Some(match (filter.rating, filter.origin, filter.replied) {
        (Some(RatingFilter::Stars(s)), ..) => f.stars[usize::from(s.clamp(1, 5) - 1)],
        (Some(RatingFilter::Recommends(yes)), ..) => f.recommends[usize::from(!yes)],
        (_, Some(Origin::Google), _) => f.google,
        (_, Some(Origin::Facebook), _) => f.facebook,
        (_, Some(Origin::Import), _) => f.import,
        (_, _, Some(true)) => f.replied,
        (_, _, Some(false)) => f.total.saturating_sub(f.replied),
        _ if filter.attention => f.attention,
        _ => f.total,
    })
}

/// Pages of 100 read at most to count beyond the page shown (each bounded by the list's
/// scan budget): a page view never walks a million items to print a number.
const COUNT_PAGES: usize = 3;

/// The number of items `filter` lists: from the counts when they can tell, else by walking
/// the list a bounded way (`first_page` is the page already read from the start, with
/// whether more follow).
pub fn matching(
    ctx: &Ctx,
    principal: &Principal,
    ws: &Id<Workspace>,
    filter: &ItemFilter,
    facets: &Facets,
    first_page: Option<(usize, Option<String>)>,
) -> Result<Matching> {
    if let Some(n) = from_counts(facets, filter) {
        return Ok(Matching { n, exact: true });
    }
    let (mut n, mut next) = match first_page {
        Some((len, next)) => (len as u64, next),
        None => (0, Some(String::new())),
    };
    let mut pages = 0;
    while let Some(cursor) = next.take() {
        if pages == COUNT_PAGES {
            return Ok(Matching { n, exact: false });
        }
        let req = PageRequest {
            cursor: (!cursor.is_empty()).then_some(cursor),
            limit: 100,
        };
        let page = super::items::list(ctx, principal, ws, filter, &req)?;
        pages += 1;
        n += page.items.len() as u64;
        next = page.next;
    }
    Ok(Matching { n, exact: true })
}
