//! Every sled tree, declared once with its scope: whose records it holds, and so what a
//! workspace purge removes and what `purge::leftovers` checks. A tree missing here is caught by
//! a test (`every_tree_the_store_opens_is_declared`); a workspace's tree missing from the
//! purge would be a privacy bug, so the purge's plain list is read from here.
use crate::store::kv;

/// Whose records a tree holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    /// The instance's own: accounts, sessions, logs, queues keyed by time.
    Instance,
    /// A workspace's, keyed by the workspace id first: a purge removes them by that prefix, in
    /// the order declared here.
    Workspace,
    /// A workspace's, keyed by the workspace id first, removed by the purge in steps of their
    /// own (`purge`) with the records that point at them in other trees.
    WorkspaceLinked,
    /// A workspace's, keyed by something else (a user, a key id, a campaign): the purge finds
    /// them through a linked tree.
    WorkspaceIndirect,
    /// Keys of people, by kind then (for the kinds in `PersonRef::WORKSPACE_KINDS`) workspace.
    Person,
}

/// Whether a tree holds records of its own or what is computed from them.
///
/// Backups carry both: leaving the derived trees out (tried, 2026-12-06) made a backup of
/// 1,000,000 reviews 11 % smaller but its restore three times slower (50 s, rebuilding them
/// from the items) and its search complete 82 s later still (BENCHMARKS.md, backup).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Records of their own.
    Records,
    /// Computed from other trees (indexes, counts, queues of work on them) and rebuilt from
    /// them when their layout changes (`items::rebuild`, `campaigns::rebuild_active`).
    Derived,
}

pub(super) struct Declared {
    pub name: &'static str,
    pub scope: Scope,
    pub kind: Kind,
}

/// Declares every tree once: `name: Scope, Kind;` in the purge's order. From it come
/// `TREES` and `Trees`, the open handle of each (the `Store` dereferences to it), so a tree
/// cannot be opened without a scope, and the purge, the tree sums and the declaration test
/// read the same list.
macro_rules! trees {
    ($( $(#[$doc:meta])* $name:ident : $scope:ident, $kind:ident; )*) => {
        pub(super) const TREES: &[Declared] = &[
            $( Declared { name: stringify!($name), scope: Scope::$scope, kind: Kind::$kind } ),*
        ];

        /// An open handle on every declared tree.
        #[derive(Clone)]
        pub struct Trees {
            $( $(#[$doc])* pub(super) $name: kv::Tree, )*
        }

        impl Trees {
            pub(super) fn open(db: &kv::Db) -> anyhow::Result<Self> {
                use anyhow::Context as _;
                Ok(Self {
                    $( $name: db
                        .open_tree(stringify!($name))
                        .context(concat!("opening tree ", stringify!($name)))?, )*
                })
            }
        }
    };
}

trees! {
    meta: Instance, Records;
    users: Instance, Records;
    users_by_email: Instance, Records;
    instance_admins: Instance, Records;
    outbox: Instance, Records;
    outbox_due: Instance, Records;
    identities: Instance, Records;
    sessions: Instance, Records;
    tokens: Instance, Records;
    oauth_states: Instance, Records;
    purge_queue: Instance, Records;
    request_log: Instance, Records;
    traffic_minutes: Instance, Records;
    bans: Instance, Records;
    /// Deliveries by due time; what they quote is sealed with the item's key, which a
    /// workspace purge destroys first.
    webhook_due: Instance, Records;
    /// A showcase set's id → its workspace, so its public address is the set's id alone. Ids
    /// only (nothing personal); an entry outliving its set (a purged workspace) finds nothing.
    showcase_ids: Instance, Records;
    workspaces: WorkspaceLinked, Records;
    members: WorkspaceLinked, Records;
    members_by_user: WorkspaceIndirect, Records;
    invitations: WorkspaceLinked, Records;
    counters: WorkspaceLinked, Records;
    api_keys: WorkspaceIndirect, Records;
    api_keys_by_workspace: WorkspaceLinked, Records;
    campaigns: WorkspaceLinked, Records;
    recipients: WorkspaceIndirect, Records;
    /// Keys of people outside (see `sealing`).
    person_keys: Person, Records;
    // The purge's plain order: indexes and derived trees before the records they follow.
    locations: Workspace, Records;
    invitations_by_email: Workspace, Records;
    audit: Workspace, Records;
    connections: Workspace, Records;
    replies_due: Workspace, Records;
    item_ext: Workspace, Derived;
    item_loc: Workspace, Derived;
    rollups: Workspace, Derived;
    search: Workspace, Derived;
    /// Items changed since they were last indexed (see `search`).
    index_queue: Workspace, Derived;
    words: Workspace, Derived;
    item_notes: Workspace, Records;
    reply_templates: Workspace, Records;
    items: Workspace, Records;
    alert_prefs: Workspace, Records;
    alert_pending: Workspace, Records;
    alert_digest: Workspace, Records;
    webhooks: Workspace, Records;
    contacts: Workspace, Records;
    contact_emails: Workspace, Records;
    suppressions: Workspace, Records;
    /// Campaigns that may have work (scheduled, sending, waiting for reminders): (ws, campaign)
    /// → (). Rebuilt on open: the campaign worker reads only these, so drafts and finished
    /// campaigns cost nothing however many there are.
    campaigns_active: Workspace, Derived;
    feedback: Workspace, Records;
    feedback_settings: Workspace, Records;
    /// Erased items: (workspace, origin, keyed hash of the provider's id) → ().
    item_tombstones: Workspace, Records;
    reviewer_restrictions: Workspace, Records;
    showcases: Workspace, Records;
    draft_settings: Workspace, Records;
    draft_usage: Workspace, Records;
    branding: Workspace, Records;
    report_plans: Workspace, Records;
    auto_rules: Workspace, Records;
    auto_queue: Workspace, Records;
}

/// Whether the tree named `name` is declared `Derived` (an undeclared one is not: an older
/// layout's tree, which a migration reads). Shown by `store-stats`.
pub(super) fn is_derived(name: &[u8]) -> bool {
    TREES
        .iter()
        .any(|d| d.kind == Kind::Derived && d.name.as_bytes() == name)
}

/// The trees of `scope`, in declaration order.
pub(super) fn of_scope(scope: Scope) -> impl Iterator<Item = &'static str> {
    TREES
        .iter()
        .filter(move |d| d.scope == scope)
        .map(|d| d.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tree_the_store_opens_is_declared() {
        let dir = tempfile::tempdir().unwrap();
        let now = time::macros::datetime!(2026-05-01 12:00 UTC);
        let store = crate::store::Store::open(dir.path(), 16, now).unwrap();
        let mut opened: Vec<String> = store
            .db
            .tree_names()
            .iter()
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .filter(|n| n != "__sled__default")
            .collect();
        opened.sort();
        let mut declared: Vec<String> = TREES.iter().map(|d| d.name.to_string()).collect();
        declared.sort();
        let before = declared.len();
        declared.dedup();
        assert_eq!(declared.len(), before, "a tree declared twice");
        assert_eq!(opened, declared);
    }
}
