//! Reply drafts' bookkeeping: each workspace's choice (`draft_settings`: workspace → settings)
//! and its daily use (`draft_usage`: (workspace, UTC day) → counts). No review text is kept.

use super::{Store, typed};
use crate::domain::{DraftSettings, DraftUsage, Id, Workspace};
use anyhow::Context;

pub struct Drafts<'a> {
    pub(super) store: &'a Store,
}

fn day_key(ws: &Id<Workspace>, day: u32) -> [u8; 20] {
    let mut k = [0u8; 20];
    k[..16].copy_from_slice(ws.as_bytes());
    k[16..].copy_from_slice(&day.to_be_bytes());
    k
}

impl Drafts<'_> {
    pub fn settings(&self, ws: &Id<Workspace>) -> anyhow::Result<DraftSettings> {
        Ok(typed::get(&self.store.draft_settings, ws.as_bytes())?.unwrap_or_default())
    }

    pub fn put_settings(&self, ws: &Id<Workspace>, s: &DraftSettings) -> anyhow::Result<()> {
        typed::put(&self.store.draft_settings, ws.as_bytes(), s)
    }

    /// Counts one more draft for `day` unless `cap` are counted already; the day's use after.
    /// Atomic, so two requests at once cannot both take the last one.
    pub fn take(
        &self,
        ws: &Id<Workspace>,
        day: u32,
        cap: u32,
    ) -> anyhow::Result<Result<DraftUsage, DraftUsage>> {
        let key = day_key(ws, day);
        loop {
            let old = self
                .store
                .draft_usage
                .get(key)
                .context("reading draft use")?;
            let mut u: DraftUsage = match &old {
                Some(v) => super::codec::decode(v)?,
                None => DraftUsage::default(),
            };
            if u.drafts >= cap {
                return Ok(Err(u));
            }
            u.drafts += 1;
            let new = super::codec::encode(&u)?;
            if self
                .store
                .draft_usage
                .compare_and_swap(key, old, Some(new))
                .context("counting a draft")?
                .is_ok()
            {
                return Ok(Ok(u));
            }
        }
    }

    /// Adds a finished draft's tokens to `day`.
    pub fn add_tokens(
        &self,
        ws: &Id<Workspace>,
        day: u32,
        prompt: u64,
        completion: u64,
    ) -> anyhow::Result<()> {
        typed::update(
            &self.store.draft_usage,
            &day_key(ws, day),
            |u: &mut DraftUsage| {
                u.prompt_tokens += prompt;
                u.completion_tokens += completion;
                true
            },
        )?;
        Ok(())
    }

    /// The use of days `[from, to)`, summed.
    pub fn usage(&self, ws: &Id<Workspace>, from: u32, to: u32) -> anyhow::Result<DraftUsage> {
        let mut total = DraftUsage::default();
        for kv in self
            .store
            .draft_usage
            .range(day_key(ws, from)..day_key(ws, to))
        {
            let (_, v) = kv.context("reading draft use")?;
            total.add(&super::codec::decode(&v)?);
        }
        Ok(total)
    }
}
