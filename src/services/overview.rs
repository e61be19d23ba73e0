//! A workspace at a glance: the real numbers its Overview shows (reviews, unanswered,
//! average, last sync) and where its latest campaigns' mail stands.

use super::auth::Principal;
use super::mail_state::{self, CampaignMail};
use super::{Ctx, Result};
use crate::domain::{Access, Campaign, CampaignStatus, Funnel, Id, Workspace, local_day};
use crate::store::PageRequest;
use time::OffsetDateTime;

/// How many campaigns the Overview lists.
const LATEST_CAMPAIGNS: usize = 3;

#[derive(Debug, Clone)]
pub struct Overview {
    pub locations: u64,
    pub members: u64,
    pub items: u64,
    pub unanswered: u64,
    pub rated: u64,
    pub average: Option<f64>,
    pub connections: usize,
    /// The newest successful sync of any connection.
    pub last_sync: Option<OffsetDateTime>,
    /// Connections whose last attempt failed, with the provider's error.
    pub sync_errors: usize,
    /// The newest campaigns, with their mail in words and their funnel (not for drafts).
    pub campaigns: Vec<(Campaign, CampaignMail, Option<Funnel>)>,
    /// Whether the relay is failing while mail waits (the banner's condition).
    pub relay_failing: bool,
}

pub fn overview(ctx: &Ctx, principal: &Principal, ws: &Id<Workspace>) -> Result<Overview> {
    ctx.enter(principal, ws, Access::Read)?;
    let store = &ctx.store;
    let counts = store.workspaces().counts(ws)?;
    // All time, read from the rollups' spans: a few reads whatever the history's length.
    let today = local_day(&jiff::tz::TimeZone::UTC, ctx.clock.now());
    let total = store.items().total(ws, None, 0, today + 1)?;
    let mut connections = 0;
    let mut last_sync = None;
    let mut sync_errors = 0;
    let mut req = PageRequest::first(200);
    loop {
        let page = store.connections().page(ws, &req)?;
        for c in &page.items {
            connections += 1;
            last_sync = last_sync.max(c.sync.last_success_at);
            sync_errors += usize::from(c.sync.last_error.is_some());
        }
        match page.next {
            Some(next) => req.cursor = Some(next),
            None => break,
        }
    }
    let (health, pending) = mail_state::relay(ctx)?;
    let latest = store
        .campaigns()
        .page(ws, &PageRequest::first(LATEST_CAMPAIGNS))?;
    let mut campaigns = Vec::with_capacity(latest.items.len());
    for c in latest.items {
        let funnel = match c.status {
            CampaignStatus::Draft | CampaignStatus::Scheduled => None,
            _ => Some(store.campaigns().funnel(&c.id)?),
        };
        let mail = mail_state::of(&c, funnel.as_ref(), &health);
        campaigns.push((c, mail, funnel));
    }
    Ok(Overview {
        locations: counts.active_locations,
        members: counts.members,
        items: total.items,
        unanswered: total.items.saturating_sub(total.replied),
        rated: total.rated(),
        average: total.average(),
        connections,
        last_sync,
        sync_errors,
        campaigns,
        relay_failing: health.is_failing() && pending,
    })
}
