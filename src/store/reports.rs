//! Client reports' settings: each workspace's branding (`branding`: workspace → branding) and
//! report plans (`report_plans`: (workspace, plan) → plan). A plan holds its recipients'
//! addresses: the privacy export and erasure look here (`Reports::naming`).

use super::page::{self, Order, PageRequest};
use super::{Store, keys, typed};
use crate::domain::{Branding, Email, Id, RecipientTo, ReportPlan, Workspace};
use anyhow::Context;
use time::OffsetDateTime;

pub struct Reports<'a> {
    pub(super) store: &'a Store,
}

/// A workspace has at most this many plans.
pub const MAX_PLANS: usize = 50;

impl Reports<'_> {
    pub fn branding(&self, ws: &Id<Workspace>) -> anyhow::Result<Branding> {
        Ok(typed::get(&self.store.branding, ws.as_bytes())?.unwrap_or_default())
    }

    pub fn put_branding(&self, ws: &Id<Workspace>, b: &Branding) -> anyhow::Result<()> {
        typed::put(&self.store.branding, ws.as_bytes(), b)
    }

    pub fn plan(
        &self,
        ws: &Id<Workspace>,
        id: &Id<ReportPlan>,
    ) -> anyhow::Result<Option<ReportPlan>> {
        typed::get(&self.store.report_plans, &keys::pair(ws, id))
    }

    pub fn put_plan(&self, ws: &Id<Workspace>, plan: &ReportPlan) -> anyhow::Result<()> {
        typed::put(&self.store.report_plans, &keys::pair(ws, &plan.id), plan)
    }

    /// Changes a plan atomically; `None` when it does not exist.
    pub fn update_plan(
        &self,
        ws: &Id<Workspace>,
        id: &Id<ReportPlan>,
        change: impl Fn(&mut ReportPlan) -> bool,
    ) -> anyhow::Result<Option<ReportPlan>> {
        typed::update(&self.store.report_plans, &keys::pair(ws, id), change)
    }

    pub fn remove_plan(&self, ws: &Id<Workspace>, id: &Id<ReportPlan>) -> anyhow::Result<bool> {
        Ok(self
            .store
            .report_plans
            .remove(keys::pair(ws, id))
            .context("removing a report plan")?
            .is_some())
    }

    /// Every plan of `ws`, oldest first.
    pub fn plans(&self, ws: &Id<Workspace>) -> anyhow::Result<Vec<ReportPlan>> {
        Ok(page::records(
            &self.store.report_plans,
            ws.as_bytes(),
            &PageRequest::first(MAX_PLANS),
            Order::Ascending,
        )?
        .items)
    }

    /// Every enabled plan due at `now`, with its workspace. Read whole before returning (no
    /// iterator outlives the call).
    pub fn due(&self, now: OffsetDateTime) -> anyhow::Result<Vec<(Id<Workspace>, ReportPlan)>> {
        let mut out = Vec::new();
        for entry in self.store.report_plans.iter() {
            let (k, v) = entry.context("reading report plans")?;
            let Ok(ws) = <[u8; 16]>::try_from(&k[..16.min(k.len())]) else {
                continue;
            };
            let plan: ReportPlan = super::codec::decode(&v)?;
            if plan.enabled && plan.next_at <= now {
                out.push((Id::from_bytes(ws), plan));
            }
        }
        Ok(out)
    }

    /// The plans of `ws` with `email` among their recipients (for export and erasure).
    pub fn naming(&self, ws: &Id<Workspace>, email: &Email) -> anyhow::Result<Vec<ReportPlan>> {
        Ok(self
            .plans(ws)?
            .into_iter()
            .filter(|p| {
                p.recipients
                    .iter()
                    .any(|r| matches!(&r.to, RecipientTo::Email(e) if e == email))
            })
            .collect())
    }
}
