//! What a showcase set shows: its pinned entries, then the newest reviews and consenting
//! feedback answers that pass its rule (and its approval choice). Erased entries are gone from
//! the store, restricted reviewers, restricted contacts and reviews removed at the provider are
//! skipped here, so each leaves every set on the next request.

use super::{Ctx, Result};
use crate::domain::{
    Approval, Feedback, Id, Item, ItemStatus, Kind, Location, Origin, Pick, Rating, ShowSource,
    Showcase, Workspace,
};
use crate::store::{ItemFilter, PageRequest};
use time::OffsetDateTime;

/// One entry as every embed draws it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub pick: Pick,
    pub source: ShowSource,
    /// The author as the provider shows it (a feedback answer: the first name given).
    pub author: String,
    /// Stars, 1–5 (a feedback answer's score on the star scale); None for a recommendation.
    pub stars: Option<u8>,
    /// A Facebook recommendation: yes or no.
    pub recommends: Option<bool>,
    pub text: String,
    pub at: OffsetDateTime,
    /// The original on the provider's site, when it gives one.
    pub link: Option<String>,
    pub location: Option<Id<Location>>,
    pub pinned: bool,
    /// Collected on Plaudit's own feedback page (the only kind structured data may mark up).
    pub first_party: bool,
}

impl Entry {
    /// The stars a rule compares (a recommendation counts as 5 or 1).
    fn rule_stars(&self) -> Option<u8> {
        self.stars
            .or_else(|| self.recommends.map(|r| Rating::Recommends(r).stars()))
    }
}

/// Items a rule walk examines at most per source and location, so no request reads much.
const WALK_PAGES: usize = 3;

/// A review item as an entry, if it may be shown at all (reviews only, not removed, its
/// reviewer not restricted).
fn item_entry(ctx: &Ctx, item: Item) -> Result<Option<Entry>> {
    let restricted = ctx
        .store
        .items()
        .reviewer_restricted(&item.workspace, &item)?;
    Ok(entry_of(item, restricted))
}

/// `item_entry` once whether its reviewer is restricted is known.
fn entry_of(item: Item, restricted: bool) -> Option<Entry> {
    if item.kind != Kind::Review || item.status == ItemStatus::Removed || restricted {
        return None;
    }
    let author = if item.author.anonymous || item.author.name.trim().is_empty() {
        match item.origin {
            Origin::Google => "A Google user".to_string(),
            Origin::Facebook => "A Facebook user".to_string(),
            Origin::Import => "A customer".to_string(),
        }
    } else {
        item.author.name.clone()
    };
    let (stars, recommends) = match item.rating {
        Some(Rating::Stars(s)) => (Some(s.clamp(1, 5)), None),
        Some(Rating::Recommends(r)) => (None, Some(r)),
        None => (None, None),
    };
    Some(Entry {
        pick: Pick::Item(item.id),
        source: ShowSource::of_origin(item.origin),
        author,
        stars,
        recommends,
        text: item.text,
        at: item.created_at,
        link: item.link.filter(|l| l.starts_with("https://")),
        location: Some(item.location),
        pinned: false,
        first_party: false,
    })
}

/// A feedback answer as an entry, if its customer agreed to publication and is not restricted.
fn feedback_entry(ctx: &Ctx, f: Feedback) -> Result<Option<Entry>> {
    if f.publish_consent.is_none() {
        return Ok(None);
    }
    // An emailed answer shows its contact's first name (what the consent's words promise);
    // an answer through the public link, the name its customer typed.
    let first_name = match &f.contact {
        Some(c) => match ctx.store.contacts().get(&f.workspace, c)? {
            Some(c) if c.restricted => return Ok(None),
            Some(c) => c.first_name().to_string(),
            None => String::new(),
        },
        None => f.name.clone(),
    };
    let author = if first_name.trim().is_empty() {
        "A customer".to_string()
    } else {
        first_name
    };
    Ok(Some(Entry {
        pick: Pick::Feedback(f.id),
        source: ShowSource::Feedback,
        author,
        stars: Some(f.stars()),
        recommends: None,
        text: f.comment.clone(),
        at: f.at,
        link: None,
        location: f.location,
        pinned: false,
        first_party: true,
    }))
}

/// The entry behind a pick, if it still exists and may be shown.
pub fn load(ctx: &Ctx, ws: &Id<Workspace>, pick: &Pick) -> Result<Option<Entry>> {
    match pick {
        Pick::Item(id) => match ctx.store.items().get(ws, id)? {
            Some(item) => item_entry(ctx, item),
            None => Ok(None),
        },
        Pick::Feedback(id) => match ctx.store.campaigns().feedback(ws, id)? {
            Some(f) => feedback_entry(ctx, f),
            None => Ok(None),
        },
    }
}

fn passes(set: &Showcase, e: &Entry) -> bool {
    set.rule.takes_source(e.source)
        && set.rule.takes_location(e.location)
        && set.rule.takes(e.rule_stars(), &e.text)
}

/// The newest `want` entries passing the rule, newest first; `skip` leaves picks out before
/// they count (hidden ones, or ones already taken).
pub fn rule_walk(
    ctx: &Ctx,
    set: &Showcase,
    want: usize,
    skip: &dyn Fn(&Pick) -> bool,
) -> Result<Vec<Entry>> {
    let ws = &set.workspace;
    let rule = &set.rule;
    let mut out: Vec<Entry> = Vec::new();
    let origins: Vec<Option<Origin>> = {
        let wanted: Vec<Origin> = [Origin::Google, Origin::Facebook, Origin::Import]
            .into_iter()
            .filter(|o| rule.takes_source(ShowSource::of_origin(*o)))
            .collect();
        if wanted.len() == 3 {
            vec![None]
        } else {
            wanted.into_iter().map(Some).collect()
        }
    };
    let locations: Vec<Option<Id<Location>>> = if rule.locations.is_empty() {
        vec![None]
    } else {
        rule.locations.iter().copied().map(Some).collect()
    };
    for origin in &origins {
        for location in &locations {
            let filter = ItemFilter {
                location: *location,
                origin: *origin,
                kind: Some(Kind::Review),
                language: rule.language.clone(),
                ..ItemFilter::default()
            };
            let mut req = PageRequest::first(want.max(1) * 2);
            let mut found = 0;
            for _ in 0..WALK_PAGES {
                let page = ctx.store.items().page(ws, &filter, &req)?;
                let shown: Vec<&Item> = page.items.iter().collect();
                let restricted = ctx.store.items().reviewers_restricted(ws, &shown)?;
                for (item, restricted) in page.items.into_iter().zip(restricted) {
                    let pick = Pick::Item(item.id);
                    if skip(&pick) {
                        continue;
                    }
                    if let Some(e) = entry_of(item, restricted)
                        && passes(set, &e)
                    {
                        out.push(e);
                        found += 1;
                    }
                }
                match page.next {
                    Some(next) if found < want => req.cursor = Some(next),
                    _ => break,
                }
            }
        }
    }
    if rule.takes_source(ShowSource::Feedback) {
        let mut req = PageRequest::first(want.max(1) * 2);
        let mut found = 0;
        for _ in 0..WALK_PAGES * 4 {
            let page = ctx.store.campaigns().feedback_page(ws, &req)?;
            for f in page.items {
                if skip(&Pick::Feedback(f.id)) {
                    continue;
                }
                if let Some(e) = feedback_entry(ctx, f)?
                    && passes(set, &e)
                {
                    out.push(e);
                    found += 1;
                }
            }
            match page.next {
                Some(next) if found < want => req.cursor = Some(next),
                _ => break,
            }
        }
    }
    out.sort_by_key(|e| std::cmp::Reverse(e.at));
    out.truncate(want);
    Ok(out)
}

/// What the set shows now: pinned entries first (in their order), then the newest that pass
/// the rule and the approval choice, `rule.newest` in all (pins beyond it still show).
pub fn shown(ctx: &Ctx, set: &Showcase) -> Result<Vec<Entry>> {
    let ws = &set.workspace;
    let want = usize::from(set.rule.newest.max(1));
    let mut out = Vec::new();
    for pick in &set.pinned {
        if set.hidden.contains(pick) {
            continue;
        }
        if let Some(mut e) = load(ctx, ws, pick)? {
            e.pinned = true;
            out.push(e);
        }
    }
    let rest = want.saturating_sub(out.len());
    if rest == 0 {
        return Ok(out);
    }
    let taken = |p: &Pick| set.pinned.contains(p) || set.hidden.contains(p);
    let mut more = match set.approval {
        Approval::Automatic => rule_walk(ctx, set, rest, &taken)?,
        Approval::ApproveFirst => {
            let mut v = Vec::new();
            for pick in set.approved.iter().filter(|p| !taken(p)) {
                if let Some(e) = load(ctx, ws, pick)?
                    && passes(set, &e)
                {
                    v.push(e);
                }
            }
            v.sort_by_key(|e| std::cmp::Reverse(e.at));
            v.truncate(rest);
            v
        }
    };
    out.append(&mut more);
    Ok(out)
}

/// The badge's figures: the average stars and the number of rated reviews at the set's
/// locations (all time, from the rollups: a few reads whatever the history's length).
pub fn badge(ctx: &Ctx, set: &Showcase, now: OffsetDateTime) -> Result<(Option<f64>, u64)> {
    let today = crate::domain::local_day(&jiff::tz::TimeZone::UTC, now);
    let items = ctx.store.items();
    let mut total = crate::store::DayCounts::default();
    let scopes: Vec<Option<&Id<Location>>> = if set.rule.locations.is_empty() {
        vec![None]
    } else {
        set.rule.locations.iter().map(Some).collect()
    };
    for t in items.totals(&set.workspace, &scopes, 0, today + 2)? {
        total.add(&t);
    }
    Ok((total.average(), total.rated()))
}
