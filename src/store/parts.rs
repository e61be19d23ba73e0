//! The way into each part of the store: one borrowed view per concern, each the only code
//! that knows its trees' keys.

use super::{
    Access, Alerts, Audit, AutoReplies, Bans, Campaigns, Connections, Contacts, Drafts,
    Invitations, Items, Locations, Outbox, Purge, Reports, Retention, Showcases, Store, Traffic,
    Users, Workspaces, meta,
};

impl Store {
    /// Named leases that keep a piece of work on one instance at a time (`leases`).
    pub fn leases(&self) -> super::leases::Leases<'_> {
        super::leases::Leases { tree: &self.meta }
    }

    pub fn meta(&self) -> meta::Meta<'_> {
        meta::Meta { tree: &self.meta }
    }

    pub fn users(&self) -> Users<'_> {
        Users { store: self }
    }

    pub fn workspaces(&self) -> Workspaces<'_> {
        Workspaces { store: self }
    }

    pub fn access(&self) -> Access<'_> {
        Access { store: self }
    }

    pub fn invitations(&self) -> Invitations<'_> {
        Invitations { store: self }
    }

    pub fn purge(&self) -> Purge<'_> {
        Purge { store: self }
    }

    pub fn locations(&self) -> Locations<'_> {
        Locations { store: self }
    }

    pub fn audit(&self) -> Audit<'_> {
        Audit { store: self }
    }

    pub fn bans(&self) -> Bans<'_> {
        Bans { store: self }
    }

    pub fn traffic(&self) -> Traffic<'_> {
        Traffic { store: self }
    }

    pub fn connections(&self) -> Connections<'_> {
        Connections { store: self }
    }

    pub fn drafts(&self) -> Drafts<'_> {
        Drafts { store: self }
    }

    pub fn reports(&self) -> Reports<'_> {
        Reports { store: self }
    }

    pub fn auto_replies(&self) -> AutoReplies<'_> {
        AutoReplies { store: self }
    }

    pub fn showcases(&self) -> Showcases<'_> {
        Showcases { store: self }
    }

    pub fn alerts(&self) -> Alerts<'_> {
        Alerts { store: self }
    }

    pub fn items(&self) -> Items<'_> {
        Items { store: self }
    }

    pub fn retention(&self) -> Retention<'_> {
        Retention { store: self }
    }

    pub fn contacts(&self) -> Contacts<'_> {
        Contacts { store: self }
    }

    pub fn campaigns(&self) -> Campaigns<'_> {
        Campaigns { store: self }
    }

    pub fn outbox(&self) -> Outbox<'_> {
        Outbox {
            store: self,
            outbox: &self.outbox,
            due: &self.outbox_due,
        }
    }
}
