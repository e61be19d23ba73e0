//! Restricted reviewers (`reviewer_restrictions`: (workspace, keyed hash of the folded name or
//! of the provider's author id) → ()): their items are kept but raise no alerts. Keyed hashes,
//! like tombstones: the tree never holds a name.
use crate::store::kv;

use super::Items;
use crate::domain::{Id, Item, Workspace};
use anyhow::Context;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// A name as compared: spacing runs folded, lower case.
pub fn fold_name(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl Items<'_> {
    fn restriction_key(
        &self,
        ws: &Id<Workspace>,
        kind: &str,
        value: &str,
    ) -> anyhow::Result<Vec<u8>> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.store.lookup_key()?)
            .context("restriction key")?;
        mac.update(b"reviewer restriction\0");
        mac.update(kind.as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        let hash = mac.finalize().into_bytes();
        Ok([ws.as_bytes().as_slice(), &hash[..16]].concat())
    }

    /// Restricts the reviewer known by these names (as shown) and author ids in `ws`.
    pub fn restrict_reviewer(
        &self,
        ws: &Id<Workspace>,
        names: &[String],
        author_ids: &[String],
    ) -> anyhow::Result<()> {
        let mut batch = kv::Batch::default();
        for n in names.iter().map(|n| fold_name(n)).filter(|n| !n.is_empty()) {
            batch.insert(self.restriction_key(ws, "name", &n)?, &[]);
        }
        for a in author_ids.iter().filter(|a| !a.trim().is_empty()) {
            batch.insert(self.restriction_key(ws, "author", a.trim())?, &[]);
        }
        self.store
            .reviewer_restrictions
            .apply_batch(batch)
            .context("restricting a reviewer")
    }

    /// Whether the item's author is restricted in `ws` (by name or by author id).
    pub fn reviewer_restricted(&self, ws: &Id<Workspace>, item: &Item) -> anyhow::Result<bool> {
        Ok(self.reviewers_restricted(ws, &[item])?.contains(&true))
    }

    /// `reviewer_restricted` for each of `items`, every key read together (a page of a
    /// showcase: one round trip on a database server, not a few per item).
    pub fn reviewers_restricted(
        &self,
        ws: &Id<Workspace>,
        items: &[&Item],
    ) -> anyhow::Result<Vec<bool>> {
        let mut out = vec![false; items.len()];
        let t = &self.store.reviewer_restrictions;
        if items.is_empty() || t.is_empty() {
            return Ok(out);
        }
        let (mut keys, mut owner) = (Vec::new(), Vec::new());
        for (i, item) in items.iter().enumerate() {
            let name = fold_name(&item.author.name);
            if !item.author.anonymous && !name.is_empty() {
                keys.push(self.restriction_key(ws, "name", &name)?);
                owner.push(i);
            }
            if let Some(a) = item.author.external_id.as_deref() {
                keys.push(self.restriction_key(ws, "author", a.trim())?);
                owner.push(i);
            }
        }
        for (i, found) in owner.iter().zip(t.get_many(&keys)?) {
            out[*i] |= found.is_some();
        }
        Ok(out)
    }
}
