//! Operating the appliance: periodic housekeeping, the store watchdog, backups, the indexer,
//! the campaign sender, client reports and mail delivery, each a job of `jobs::Runner`.

pub mod auto_replies;
pub mod backup;
pub mod campaigns;
pub mod compaction;
pub mod delivery;
pub mod edge_memory;
pub mod housekeeping;
pub mod indexer;
pub mod presence;
pub mod reports;
pub mod retention;
pub mod watchdog;
