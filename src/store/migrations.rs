//! Ordered schema migrations, each run once, after a snapshot of the old data.
//!
//! History of the on-disk layout:
//! - v1: `meta` (schema_version, instance_secret, setup_token); `users` keyed by lower-cased
//!   email, value = {email, name, password_hash, instance_admin, created_at}.
//! - v2: users get stable ids so an email can change: `users` keyed by id, `users_by_email`
//!   (email → id), `instance_admins` (id → ()); the outbox trees `outbox` and `outbox_due`.
//! - v3: `counters` ((workspace, kind) → u64: members, owners, pending invitations, active
//!   locations, API keys), `invitations_by_email` ((workspace, email) → invitation id) and
//!   `purge_queue` (tombstones of deleted workspaces). The migration derives the first two from
//!   the records, workspace by workspace; every write sets a value computed from scratch, so a
//!   migration killed half-way simply runs again (the version moves only at the end).
//! - v4: item authors' keys in `person_keys` move from an entry each into blocks shared by the
//!   items of a workspace and half hour (`store::person_keys`). Each step moves a few thousand
//!   keys in one transaction (block written, single entries removed), so a migration killed
//!   half-way goes on where it stopped.
//! - v5: `items` from an entry per item (workspace, item → sealed item) into blocks of up to
//!   32 items (`store::items::blocks`): 33-byte block keys, so the 32-byte one-item keys left
//!   are the ones still to move. Each step moves a few thousand items in one transaction
//!   (blocks written, single entries removed), so a migration killed half-way goes on where it
//!   stopped.
//! - v6: an item block (format 2) keeps its items' placements — location, connection, feed —
//!   once for the items sharing them, beside their sealed values (`store::items::placement`).
//!   Nothing moves at the migration: blocks in format 1 still read, and housekeeping stores
//!   the items sealed whole again with their placement apart, a chunk at a time (`reseal`).
//!   The version says only that an older binary cannot read the new blocks.
use crate::store::kv;

use super::{codec, meta};
use crate::domain::{Email, Id, User, Workspace};
use anyhow::{Context, bail};
use kv::Transactional;
use kv::transaction::ConflictableTransactionError;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

pub fn backup_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("backups")
}

/// Runs every migration from `from` up to the current schema, bumping the version after each.
pub fn run(db: &kv::Db, from: u32) -> anyhow::Result<()> {
    for version in from..super::SCHEMA_VERSION {
        match version {
            1 => v1_to_v2(db).context("migrating the store from schema 1 to 2")?,
            2 => v2_to_v3(db).context("migrating the store from schema 2 to 3")?,
            3 => v3_to_v4(db).context("migrating the store from schema 3 to 4")?,
            4 => v4_to_v5(db).context("migrating the store from schema 4 to 5")?,
            // See the module's history: nothing moves.
            5 => meta::set_schema_version(db, 6).context("migrating the store from 5 to 6")?,
            other => bail!("no migration from schema {other}"),
        }
        db.flush().context("flushing after a migration")?;
        tracing::info!(to = version + 1, "store migrated");
    }
    // A migration rewrites much of the store, and sled keeps the space of what it replaced:
    // the next start compacts it (`workers::compaction`) without weighing it first. The move
    // to 6 rewrites nothing.
    if from < 5 {
        db.open_tree("meta")?
            .insert(super::weight::COMPACT_REQUESTED, &[][..])?;
    }
    db.flush().context("flushing after a migration")?;
    Ok(())
}

#[derive(Deserialize)]
struct V1User {
    email: Email,
    name: String,
    password_hash: String,
    instance_admin: bool,
    #[serde(with = "crate::domain::when::rfc3339")]
    created_at: OffsetDateTime,
}

fn v1_to_v2(db: &kv::Db) -> anyhow::Result<()> {
    let tree = |name: &str| {
        db.open_tree(name)
            .with_context(|| format!("opening tree {name}"))
    };
    let (users, by_email, admins, meta_tree) = (
        tree("users")?,
        tree("users_by_email")?,
        tree("instance_admins")?,
        tree("meta")?,
    );
    let mut moves = Vec::new();
    for entry in users.iter() {
        let (old_key, value) = entry.context("reading v1 users")?;
        let old: V1User = codec::decode(&value)
            .with_context(|| format!("v1 user {}", String::from_utf8_lossy(&old_key)))?;
        let user = User {
            id: Id::generate(old.created_at),
            email: old.email,
            name: old.name,
            password_hash: old.password_hash,
            instance_admin: old.instance_admin,
            created_at: old.created_at,
            // v1 only ever held admins made by the operator, whose addresses were trusted.
            email_verified: true,
            disabled: false,
            session_epoch: 0,
            identities: Vec::new(),
        };
        moves.push((old_key, codec::encode(&user)?, user));
    }
    (&users, &by_email, &admins, &meta_tree)
        .transaction(|(users, by_email, admins, meta_tree)| {
            for (old_key, value, user) in &moves {
                users.remove(old_key)?;
                users.insert(user.id.as_bytes(), value.clone())?;
                by_email.insert(user.email.as_str().as_bytes(), user.id.as_bytes())?;
                if user.instance_admin {
                    admins.insert(user.id.as_bytes(), &[])?;
                }
            }
            meta_tree.insert(meta::SCHEMA_KEY, &2u32.to_be_bytes())?;
            Ok::<_, ConflictableTransactionError<()>>(())
        })
        .map_err(|e| anyhow::anyhow!("v1→v2 transaction failed: {e:?}"))?;
    Ok(())
}

/// Collects every (key, value) of a tree; only for migrations of small, pre-v3 data.
fn entries(tree: &kv::Tree) -> anyhow::Result<Vec<(kv::IVec, kv::IVec)>> {
    let mut out = Vec::new();
    for entry in tree.iter() {
        out.push(entry.context("reading for a migration")?);
    }
    Ok(out)
}

fn v2_to_v3(db: &kv::Db) -> anyhow::Result<()> {
    use super::counters::Counter;
    use std::collections::BTreeMap;
    let tree = |name: &str| {
        db.open_tree(name)
            .with_context(|| format!("opening tree {name}"))
    };
    let (members, invitations, by_email, locations, keys_by_ws, counter_tree, meta_tree) = (
        tree("members")?,
        tree("invitations")?,
        tree("invitations_by_email")?,
        tree("locations")?,
        tree("api_keys_by_workspace")?,
        tree("counters")?,
        tree("meta")?,
    );
    let ws_of = |key: &[u8]| super::keys::id_at(key, 0);
    let mut counts: BTreeMap<(Id<Workspace>, u8), u64> = BTreeMap::new();
    let mut bump = |ws: Id<Workspace>, c: Counter| *counts.entry((ws, c as u8)).or_default() += 1;
    for (k, v) in entries(&members)? {
        let Some(ws) = ws_of(&k) else { continue };
        bump(ws, Counter::Members);
        if super::workspaces::role_from(&v) == Some(crate::domain::Role::Owner) {
            bump(ws, Counter::Owners);
        }
    }
    let mut email_index = kv::Batch::default();
    for (k, v) in entries(&invitations)? {
        let Some(ws) = ws_of(&k) else { continue };
        let inv: crate::domain::Invitation = codec::decode(&v)?;
        bump(ws, Counter::Invitations);
        let key = [ws.as_bytes().as_slice(), inv.email.as_str().as_bytes()].concat();
        email_index.insert(key, inv.id.as_bytes().as_slice());
    }
    for (k, v) in entries(&locations)? {
        let Some(ws) = ws_of(&k) else { continue };
        let loc: crate::domain::Location = codec::decode(&v)?;
        if !loc.archived {
            bump(ws, Counter::ActiveLocations);
        }
    }
    for (k, _) in entries(&keys_by_ws)? {
        if let Some(ws) = ws_of(&k) {
            bump(ws, Counter::ApiKeys);
        }
    }
    by_email.apply_batch(email_index)?;
    let mut batch = kv::Batch::default();
    for ((ws, c), n) in counts {
        let mut key = [0u8; 17];
        key[..16].copy_from_slice(ws.as_bytes());
        key[16] = c;
        batch.insert(key.as_slice(), n.to_be_bytes().as_slice());
    }
    counter_tree.apply_batch(batch)?;
    db.flush().context("flushing the derived counters")?;
    meta_tree.insert(meta::SCHEMA_KEY, &3u32.to_be_bytes())?;
    Ok(())
}

fn v3_to_v4(db: &kv::Db) -> anyhow::Result<()> {
    use std::ops::Bound;
    const STEP: usize = 4_096;
    let keys = db.open_tree("person_keys").context("opening person_keys")?;
    let mut after: Option<kv::IVec> = None;
    let mut moved = 0usize;
    loop {
        let lower = after
            .clone()
            .map_or(Bound::Included(kv::IVec::from(b"i")), Bound::Excluded);
        // Collected first: no iterator stays alive across the transaction below.
        let mut singles = Vec::with_capacity(STEP);
        for entry in keys.range::<kv::IVec, _>((lower, Bound::Excluded(kv::IVec::from(b"j")))) {
            let (k, v) = entry.context("reading person keys")?;
            after = Some(k.clone());
            if super::person_keys::is_single_item_key(&k) {
                singles.push((k, v));
                if singles.len() == STEP {
                    break;
                }
            }
        }
        if singles.is_empty() {
            break;
        }
        keys.transaction(|t| {
            for (k, v) in &singles {
                let key: [u8; 32] = v[..].try_into().map_err(|_| {
                    ConflictableTransactionError::Abort(anyhow::anyhow!(
                        "a person key of the wrong size"
                    ))
                })?;
                t.remove(k)?;
                super::person_keys::put_tx(t, k, &key)?;
            }
            Ok(())
        })
        .map_err(super::typed::txn_any)?;
        moved += singles.len();
        if moved % (STEP * 25) < STEP {
            tracing::info!(moved, "moving item authors' keys into blocks");
        }
    }
    db.flush().context("flushing the moved keys")?;
    db.open_tree("meta")?
        .insert(meta::SCHEMA_KEY, &4u32.to_be_bytes())?;
    tracing::info!(moved, "item authors' keys are in blocks");
    Ok(())
}

fn v4_to_v5(db: &kv::Db) -> anyhow::Result<()> {
    use super::items::blocks::Hints;
    use std::ops::Bound;
    const STEP: usize = 4_096;
    let items = db.open_tree("items").context("opening items")?;
    let mut after: Option<kv::IVec> = None;
    let mut moved = 0usize;
    loop {
        let lower = after.clone().map_or(Bound::Unbounded, Bound::Excluded);
        // Collected first: no iterator stays alive across the transaction below. One
        // workspace a step, so its hints hold.
        let mut singles: Vec<(kv::IVec, kv::IVec)> = Vec::with_capacity(STEP);
        for entry in items.range::<kv::IVec, _>((lower, Bound::Unbounded)) {
            let (k, v) = entry.context("reading items")?;
            if k.len() != 32 {
                continue; // a block already written
            }
            if singles.first().is_some_and(|(f, _)| f[..16] != k[..16]) || singles.len() == STEP {
                break;
            }
            after = Some(k.clone());
            singles.push((k, v));
        }
        let Some((first, _)) = singles.first() else {
            break;
        };
        let ws: Id<Workspace> = super::keys::id_at(first, 0).context("an item key")?;
        let moving = singles
            .iter()
            .map(|(k, v)| {
                let id: Id<crate::domain::Item> =
                    super::keys::id_at(k, 16).context("an item key")?;
                Ok((id, v.to_vec()))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let hints = Hints::new(&items, &ws, moving.iter().map(|(id, _)| *id.as_bytes()))?;
        items
            .transaction(|t| {
                for (k, _) in &singles {
                    t.remove(k)?;
                }
                hints.put_many_tx(t, &ws, moving.clone())
            })
            .map_err(super::typed::txn_any)?;
        moved += singles.len();
        if moved % (STEP * 25) < singles.len() {
            tracing::info!(moved, "moving items into blocks");
        }
    }
    db.flush().context("flushing the moved items")?;
    db.open_tree("meta")?
        .insert(meta::SCHEMA_KEY, &5u32.to_be_bytes())?;
    tracing::info!(moved, "items are in blocks");
    Ok(())
}
