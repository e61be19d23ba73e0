//! Every sled tree, declared once with its scope: whose records it holds, and so what a
//! workspace purge removes and what `purge::leftovers` checks. A tree missing here is caught by
//! a test (`every_tree_the_store_opens_is_declared`); a workspace's tree missing from the
//! purge would be a privacy bug, so the purge's plain list is read from here.

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

pub(super) struct Declared {
    pub name: &'static str,
    pub scope: Scope,
}

const fn t(name: &'static str, scope: Scope) -> Declared {
    Declared { name, scope }
}

use Scope::{Instance, Person, Workspace, WorkspaceIndirect, WorkspaceLinked};

pub(super) const TREES: &[Declared] = &[
    t("meta", Instance),
    t("users", Instance),
    t("users_by_email", Instance),
    t("instance_admins", Instance),
    t("outbox", Instance),
    t("outbox_due", Instance),
    t("identities", Instance),
    t("sessions", Instance),
    t("tokens", Instance),
    t("oauth_states", Instance),
    t("purge_queue", Instance),
    t("request_log", Instance),
    t("traffic_minutes", Instance),
    t("bans", Instance),
    // Deliveries by due time; what they quote is sealed with the item's key, which a
    // workspace purge destroys first.
    t("webhook_due", Instance),
    // A showcase set's id → its workspace, so its public address is the set's id alone. Ids
    // only (nothing personal); an entry outliving its set (a purged workspace) finds nothing.
    t("showcase_ids", Instance),
    t("workspaces", WorkspaceLinked),
    t("members", WorkspaceLinked),
    t("members_by_user", WorkspaceIndirect),
    t("invitations", WorkspaceLinked),
    t("counters", WorkspaceLinked),
    t("api_keys", WorkspaceIndirect),
    t("api_keys_by_workspace", WorkspaceLinked),
    t("campaigns", WorkspaceLinked),
    t("recipients", WorkspaceIndirect),
    t("person_keys", Person),
    // The purge's plain order: indexes and derived trees before the records they follow.
    t("locations", Workspace),
    t("invitations_by_email", Workspace),
    t("audit", Workspace),
    t("connections", Workspace),
    t("replies_due", Workspace),
    t("item_ext", Workspace),
    t("item_loc", Workspace),
    t("rollups", Workspace),
    t("search", Workspace),
    t("index_queue", Workspace),
    t("words", Workspace),
    t("item_notes", Workspace),
    t("reply_templates", Workspace),
    t("items", Workspace),
    t("alert_prefs", Workspace),
    t("alert_pending", Workspace),
    t("alert_digest", Workspace),
    t("webhooks", Workspace),
    t("contacts", Workspace),
    t("contact_emails", Workspace),
    t("suppressions", Workspace),
    t("campaigns_active", Workspace),
    t("feedback", Workspace),
    t("feedback_settings", Workspace),
    t("item_tombstones", Workspace),
    t("reviewer_restrictions", Workspace),
    t("showcases", Workspace),
    t("draft_settings", Workspace),
    t("draft_usage", Workspace),
    t("branding", Workspace),
    t("report_plans", Workspace),
    t("auto_rules", Workspace),
    t("auto_queue", Workspace),
];

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
